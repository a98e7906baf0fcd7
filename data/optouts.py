"""Opt-outs: which replies are opt-outs, and which dispatch each one counts for (the one rule, `optout_sql`).

A reply is an opt-out when its whole text, with case, diacritics, surrounding blanks and punctuation ignored, is
one of the keywords (config.py's `optout_keywords`, SMSREPORTS_OPTOUT_KEYWORDS): "Stop", " stop! ", "Rezygnuję" and
"REZYGNUJE" all match, "nie wiem" or "Dziękuję" do not. The import decides it (`optout_keyword`) and keeps the
matched keyword in the inbound table's `keyword` column, as it keeps a click's `is_bot`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

DEFAULT_KEYWORDS = ("STOP", "NIE", "REZYGNUJE", "REZYGNUJĘ")
WINDOW_DAYS = 30  # a reply counts for a dispatch that reached the number at most this long before it

# Letters NFKD does not take apart into a base letter and a mark.
_NO_DECOMPOSITION = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss"})
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def keyword_key(text: str | None) -> str:
    """Returns `text` as keywords are compared: upper case, without diacritics, blanks collapsed, and no
    punctuation at either end ("  Rezygnuję! " -> "REZYGNUJE")."""
    if not text:
        return ""
    plain = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return _EDGES.sub("", " ".join(plain.upper().split()))


def keyword_set(keywords: Iterable[str]) -> frozenset[str]:
    """Returns the keywords as `keyword_key` compares them (blank ones left out)."""
    return frozenset(k for k in (keyword_key(w) for w in keywords) if k)


def optout_keyword(text: str | None, keywords: Iterable[str] = DEFAULT_KEYWORDS) -> str | None:
    """Returns the keyword a reply's text is (compared as `keyword_key` says), or None when it is no opt-out."""
    key = keyword_key(text)
    return key if key and key in keyword_set(keywords) else None


def attributed_sql(*, messages: str, inbound: str, candidates: str = "true") -> str:
    """Returns each opt-out reply with the message it counts for (the rule, in one place): inbound_id,
    received_at, and the message's message_id, month, source, dispatch_id, campaign_label, created_at, msisdn.

    An opt-out reply (a row of `inbound` with a keyword) from a number counts for the latest bulk message
    delivered to that number before the reply, when it was delivered at most WINDOW_DAYS days before it
    (delivered at: done_at, else sent_at, else created_at; the latest by that time, then by message id). A
    reply matching two dispatches so counts for the later one only; a reply more than WINDOW_DAYS days after
    the last delivery, or before any, counts for none. `candidates` (over `m.month`) may leave out messages
    months that cannot matter to the answer asked for (see `candidate_months`)."""
    return f"""
        WITH replies AS (
            SELECT inbound_id, msisdn, received_at FROM {inbound} WHERE keyword IS NOT NULL
        ),
        reached AS (
            SELECT m.message_id, m.month, m.source, m.dispatch_id, m.campaign_label, m.created_at, m.msisdn,
                   coalesce(m.done_at, m.sent_at, m.created_at) AS reached_at
            FROM {messages} m
            WHERE m.source = 'bulk' AND m.status = 'delivered' AND ({candidates})
              AND m.msisdn IN (SELECT msisdn FROM replies)
        ),
        matched AS (
            SELECT m.*, r.inbound_id, r.received_at,
                   row_number() OVER (PARTITION BY r.inbound_id
                                      ORDER BY m.reached_at DESC, m.message_id DESC) AS latest
            FROM replies r JOIN reached m
              ON m.msisdn = r.msisdn AND m.reached_at <= r.received_at
             AND r.received_at <= m.reached_at + INTERVAL {WINDOW_DAYS} DAYS
        )
        SELECT inbound_id, received_at, message_id, month, source, dispatch_id, campaign_label, created_at, msisdn
        FROM matched WHERE latest = 1
    """


def candidate_months(months: list[str]) -> list[str]:
    """Returns the messages months the opt-outs of the messages of `months` depend on: those, the month before
    each and the two after (a later message that takes a reply is created at most WINDOW_DAYS days after the
    first one was delivered). A message delivered more than a month after it was created is out of sight of
    this, which a rebuild of the whole lake corrects."""
    out = set()
    for month in months:
        index = int(month[:4]) * 12 + int(month[5:7]) - 1
        out.update(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - 1, index + 3))
    return sorted(out)


def optout_sql(*, messages: str, inbound: str, tz: str, month_filter: str = "true", candidates: str = "true") -> str:
    """Returns the opt-outs (`attributed_sql`'s rule) per message month, source, dispatch, campaign label and
    local day (of the message's created_at): optouts (messages whose recipient opted out, once however often
    they replied) and replies (the opt-out replies). `month_filter` (over `m.month`) picks the messages' months;
    the replies may be of any month; `candidates` as `attributed_sql` takes it."""
    from data.rollups import sql_literal

    return f"""
        SELECT month, source, dispatch_id, campaign_label,
               CAST(created_at AT TIME ZONE {sql_literal(tz)} AS DATE) AS day,
               CAST(count(DISTINCT message_id) AS BIGINT) AS optouts,
               CAST(count(*) AS BIGINT) AS replies
        FROM ({attributed_sql(messages=messages, inbound=inbound, candidates=candidates)}) m
        WHERE {month_filter}
        GROUP BY ALL
    """
