"""clicks: link click events, as CSV or JSON lines.

Each event names the message it belongs to in one of three ways, and when:

- `message_id` (our id), or `provider_message_id` (the provider's id; `msgid`,
  `sid` and `messageid` are read as that too) with an optional `provider`, or
  `link_id` (`short_link_id`, `short_id`), a short link's id, resolved through the
  `--links` file (link_id -> message_id or provider_message_id);
- `clicked_at` (`click_time`, `click_date`, `timestamp`, `time`): ISO 8601 (without an
  offset: `--tz`) or unix seconds;
- `user_agent` (`ua`, `useragent`), optional. No user agent (no such column or key, JSON
  `null`, the text `null`) is stored as NULL: not known, no evidence either way. An empty one
  (`""` in JSON, an empty cell of a user-agent column) is kept as '': a client that sent an
  empty header, which the rule counts as a bot.

`is_bot` follows data/clicks.py: the user agent, or a click within seconds of the
message's delivery (its done_at, looked up in the lake). A click on a message the
lake does not have is quarantined ("unknown message id"). The same event (message,
time, user agent) imported twice is one click.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from data.ingest import fields, payloads
from data.ingest.core import EARLIEST, TRUNCATED, Issue, Options, Parsed
from data.ingest.csvio import parsed_csv
from data.schema import TS

FORMAT = "clicks"
ALIASES = {
    "message_id": ("messageid", "ourmessageid"),
    "provider_message_id": ("providermessageid", "msgid", "sid", "messagesid", "providerid"),
    "provider": ("provider",),
    "link_id": ("linkid", "shortlinkid", "shortid", "shortlink", "suffix"),
    "clicked_at": ("clickedat", "clicktime", "clickdate", "clickedtime", "timestamp", "time", "date"),
    "user_agent": ("useragent", "ua", "agent"),
}
CLICK_COLUMNS = pa.schema(
    [
        ("message_id", pa.string()),
        ("provider", pa.string()),
        ("provider_message_id", pa.string()),
        ("link_id", pa.string()),
        ("clicked_at", TS),
        ("user_agent", pa.string()),
        ("_line", pa.int64()),
        ("_item", pa.string()),
        ("_file", pa.int32()),
    ]
)


def _pick(k: dict, name: str):
    for alias in ALIASES[name]:
        if alias in k:
            return k[alias]
    return None


def _row(k: dict) -> dict:
    t = payloads.as_text
    row = {name: t(_pick(k, name)) for name in ALIASES}
    ua = _pick(k, "user_agent")
    if isinstance(ua, str) and not ua.strip():
        row["user_agent"] = ""  # a client sent an empty header (a bot), unlike no user agent at all (None)
    return row


def _records(rows: list[dict], lines: list[int], items: list[str | None], tz: str) -> pa.Table:
    n = len(rows)
    col = {name: pa.array([r.get(name) for r in rows], pa.string()) for name in ALIASES}
    raw_time = fields.text(col["clicked_at"])
    clicked, ok = fields.any_times(raw_time, tz)
    error = fields.first_error(
        n,
        [
            (
                pc.or_(
                    pc.or_(
                        pc.is_valid(fields.text(col["message_id"])),
                        pc.is_valid(fields.text(col["provider_message_id"])),
                    ),
                    pc.is_valid(fields.text(col["link_id"])),
                ),
                "no message id, provider's id or short-link id",
            ),
            (pc.is_valid(raw_time), "no click time"),
            (ok, pc.binary_join_element_wise("click time is not a time: ", pc.fill_null(raw_time, ""), "")),
        ],
    )
    given = pa.array([r.get("_error") for r in rows], pa.string())
    return pa.table(
        {
            "message_id": fields.text(col["message_id"]),
            "provider": fields.lower(col["provider"]),
            "provider_message_id": fields.text(col["provider_message_id"]),
            "link_id": fields.text(col["link_id"]),
            "clicked_at": clicked,
            "user_agent": col["user_agent"],
            "_line": pa.array(lines, pa.int64()),
            "_item": pa.array(items, pa.string()),
            "_error": pc.coalesce(given, error),
        }
    )


def parse(path: Path, name: str, opts: Options) -> Parsed:
    data = Path(path).read_bytes()
    if data[:4] == b"PAR1":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        rows = [_row(payloads.keyed(r)) for r in table.to_pylist()]
        parsed = Parsed(
            name,
            FORMAT,
            _records(rows, list(range(1, len(rows) + 1)), [None] * len(rows), opts.tz),
            rows=len(rows),
            kind="clicks",
        )
        parsed.raw = lambda line, item=None: json.dumps(table.slice(line - 1, 1).to_pylist()[0], default=str)
        return parsed
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        parsed, found = payloads.start(data, name, FORMAT, _records([], [], [], opts.tz), kind="clicks")
        lines = parsed.lines
        for p in payloads.readable(parsed):
            parsed.rows += 1  # a line that cannot be read is a row too: readable() counted it
            entries = p.body if isinstance(p.body, list) else [p.body]
            for j, entry in enumerate(entries):
                item = f"[{j}]" if isinstance(p.body, list) else None
                if not isinstance(entry, dict):
                    parsed.issues.append(Issue(name, p.line, "not a click object", lines.text(p.line), item))
                    continue
                found.add(_row(payloads.keyed(entry)), p.line, item, entry)
        parsed.records = _records(found.rows, found.numbers, found.items, opts.tz)
        parsed.raw = found.raw
        if parsed.rows == 0:
            parsed.notes.append("empty file")
        return parsed
    parsed, cols = parsed_csv(data, name, FORMAT, _records([], [], [], opts.tz), kind="clicks")
    if not cols.header:
        return parsed
    keys = list(cols.columns)
    named = {name for name, aliases in ALIASES.items() if set(aliases) & set(keys)}
    if "clicked_at" not in named or not ({"message_id", "provider_message_id", "link_id"} & named):
        parsed.issues.append(cols.header_issue(name, "not a clicks header (no id or no time column)"))
        parsed.rows += 1
    # a file with a user-agent column reports one for every click: an empty cell is an empty header
    columns = {k: pc.fill_null(c, "") if k in ALIASES["user_agent"] else c for k, c in cols.columns.items()}
    rows = [_row(dict(zip(keys, vals))) for vals in zip(*(columns[k].to_pylist() for k in keys))]
    parsed.records = _records(rows, cols.lines.to_pylist(), [None] * len(rows), opts.tz)
    return parsed


def normalise(parsed: Parsed, opts: Options, file_index: int) -> tuple[pa.Table, list[Issue]]:
    """Click rows of one file (CLICK_COLUMNS) and its unusable records as issues."""
    t = parsed.records
    n = t.num_rows
    if n == 0:
        return CLICK_COLUMNS.empty_table(), []
    limit = pa.scalar(opts.now_utc() + opts.future_slack, TS)
    clicked = t["clicked_at"]
    shown = pc.strftime(clicked, format="%Y-%m-%d %H:%M UTC")
    error = pc.coalesce(
        t["_error"],
        fields.first_error(
            n,
            [
                (
                    pc.or_(pc.is_null(clicked), pc.less_equal(clicked, limit)),
                    pc.binary_join_element_wise("click time is in the future: ", shown, ""),
                ),
                (
                    pc.or_(pc.is_null(clicked), pc.greater_equal(clicked, pa.scalar(EARLIEST, TS))),
                    pc.binary_join_element_wise("click time is before 2000: ", shown, ""),
                ),
            ],
        ),
    )
    if parsed.cut_line is not None:
        on_cut = pc.fill_null(pc.equal(t["_line"], parsed.cut_line), False)
        marked = pc.and_(on_cut, pc.invert(pc.fill_null(pc.match_substring(error, "truncated last line"), True)))
        error = pc.if_else(marked, pc.binary_join_element_wise(error, TRUNCATED, ""), error)
    bad = pc.is_valid(error)
    issues = []
    if pc.any(bad).as_py():
        idx = pc.indices_nonzero(bad)
        for ln, it, why in zip(
            t["_line"].take(idx).to_pylist(), t["_item"].take(idx).to_pylist(), error.take(idx).to_pylist()
        ):
            issues.append(Issue(parsed.name, int(ln), why, parsed.raw_text(int(ln), it), it))
    good = t.filter(pc.invert(bad))
    out = pa.table(
        {
            "message_id": good["message_id"],
            "provider": good["provider"],
            "provider_message_id": good["provider_message_id"],
            "link_id": good["link_id"],
            "clicked_at": good["clicked_at"],
            "user_agent": good["user_agent"],
            "_line": good["_line"],
            "_item": good["_item"],
            "_file": pa.repeat(pa.scalar(file_index, pa.int32()), good.num_rows),
        },
        schema=CLICK_COLUMNS,
    )
    return out, issues


def concat_clicks(parts: list[pa.Table]) -> pa.Table:
    parts = [p for p in parts if p.num_rows]
    return pa.concat_tables(parts) if parts else CLICK_COLUMNS.empty_table()


def read_links(path: Path, opts: Options) -> pa.Table:
    """The --links file: link_id -> message_id or provider_message_id (+ provider), CSV or JSON lines."""
    parsed = parse(path, str(path), opts)
    t = parsed.records
    keep = pc.is_valid(t["link_id"])
    t = t.filter(keep)
    return pa.table(
        {
            "link_id": t["link_id"],
            "message_id": t["message_id"],
            "provider_message_id": t["provider_message_id"],
            "provider": t["provider"],
        }
    )
