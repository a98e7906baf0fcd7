"""Find one message: the dialog's title and body for a search text (plain function, no browser)."""

from __future__ import annotations

import pandas as pd

from callbacks import search as search_cb
from data.pii import mask_msisdn
from i18n import fmt_datetime_seconds, t
from tests.callbacks.test_sms import texts
from tests.conftest import TZ
from tests.expected import messages_found


class Viewer:
    """The app context as a viewer's request sees it: no numbers."""

    def __init__(self, ctx):
        self._ctx = ctx

    def __getattr__(self, name):
        return getattr(self._ctx, name)

    def can(self, capability: str) -> bool:
        return capability == "view"


def number_with(frames, **where) -> str:
    m = frames["messages"]
    for column, value in where.items():
        m = m[m[column] == value]
    return m["msisdn"].dropna().iloc[0]


def test_a_number_in_national_form_shows_every_message_with_its_timeline(ctx, frames):
    number = number_with(frames, status="expired")
    expected = messages_found(frames, TZ, msisdn=number)
    national = number.removeprefix("+48")
    title, body, record = search_cb.search(ctx, text=f"{national[:3]} {national[3:6]}-{national[6:]}", lang="pl")
    text = "\n".join(texts(body))
    assert title == f"Wyszukiwanie: {number}"
    assert f"Znalezione wiadomości: {len(expected)}" in text
    assert text.count(number) == len(expected)
    for r in expected.itertuples():
        assert r.message_id in text and fmt_datetime_seconds(r.created_at, "pl") in text
        if r.dispatch_number is not None:
            assert f"Wysyłka nr {r.dispatch_number}: {r.dispatch_name}" in text
        if r.raw_status:
            assert f"status: {r.raw_status}" in text
        if r.reason:  # named and explained in plain language, as in the details dialog
            assert t("pl", f"reason.{r.reason}") in text and t("pl", f"reason.{r.reason}.explain") in text
    assert "Niedostarczona" in text and "wygasła" in text and "Przyczyna: " in text
    assert record == {"filter": {"number": mask_msisdn(number), "by": "number"}, "rows": len(expected)}


def test_clicks_with_bot_flags_in_english(ctx, frames):
    c = frames["clicks"]
    bot_message = c.loc[c["is_bot"], "message_id"].iloc[0]
    number = number_with(frames, message_id=bot_message)
    expected = messages_found(frames, TZ, msisdn=number)
    clicks = [click for row in expected["clicks"] for click in row]
    title, body, _record = search_cb.search(ctx, text=number, lang="en")
    text = "\n".join(texts(body))
    assert title == f"Search: {number}" and f"Messages found: {len(expected)}" in text
    assert text.count("Click") == len(clicks) and text.count("\nbot") == sum(bot for _at, bot in clicks)
    for at, _bot in clicks:
        assert fmt_datetime_seconds(at, "en") in text
    assert "Accepted for sending" in text and "Final status" in text


def test_a_viewer_sees_masked_numbers(ctx, frames):
    number = number_with(frames, source="bulk")
    title, body, record = search_cb.search(Viewer(ctx), text=number, lang="en")
    text = "\n".join(texts(body))
    assert number not in title + text and mask_msisdn(number) in title and mask_msisdn(number) in text
    assert "analysts and administrators see them in full" in text
    assert record["filter"]["number"] == mask_msisdn(number)


def test_a_transactional_message_by_id(ctx, frames):
    m = frames["messages"]
    row = m[(m["source"] == "api") & m["campaign_label"].notna()].iloc[0]
    title, body, record = search_cb.search(ctx, text=f"  {row['message_id']} ", lang="pl")
    text = "\n".join(texts(body))
    assert title == f"Wyszukiwanie: {row['message_id']}" and "Znalezione wiadomości: 1" in text
    assert f"Wiadomość transakcyjna (API) · kampania: {row['campaign_label']}" in text
    assert record == {"filter": {"message_id": row["message_id"], "by": "id"}, "rows": 1}


def test_nothing_found_and_bad_input_get_readable_messages(ctx):
    _title, body, record = search_cb.search(ctx, text="+48 999 000 111", lang="pl")
    assert "Nie znaleziono żadnej wiadomości do numeru +48999000111." in texts(body)
    assert record["rows"] == 0
    _title, body, record = search_cb.search(ctx, text="msg-nope", lang="en")
    assert "No message has the id msg-nope." in texts(body)
    for text, lang, expected in [
        ("", "pl", "Wpisz numer telefonu"),
        ("Jan Kowalski", "pl", "To nie jest ani numer telefonu, ani ID wiadomości."),
        ("", "en", "Type a phone number"),
        ("call me 600", "en", "This is neither a phone number nor a message id."),
    ]:
        title, body, record = search_cb.search(ctx, text=text, lang=lang)
        assert any(s.startswith(expected) for s in texts(body)), texts(body)
        assert record["outcome"] == "invalid" and "filter" not in record
        assert title in ("Wyszukiwanie wiadomości", "Find a message")


def test_a_failure_is_a_message_not_a_traceback(ctx, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(search_cb, "find_messages", broken)
    _title, body, record = search_cb.search(ctx, text="600100200", lang="en")
    assert any("disk on fire" in s for s in texts(body)) and record["outcome"] == "failed"
    assert record["filter"] == {"number": "+48 600 *** *00"}


def test_results_are_newest_first(ctx, frames):
    number = frames["messages"]["msisdn"].value_counts().index[0]
    _title, body, _record = search_cb.search(ctx, text=number, lang="pl")
    expected = messages_found(frames, TZ, msisdn=number)
    shown = [t for t in texts(body) if t in set(expected["message_id"])]
    assert shown == list(expected["message_id"]) and pd.Series(expected["created_at"]).is_monotonic_decreasing
