"""A report page's view in its address: how a page writes its state into the query string and how the query
string of a link is read back, side by side.

`build(view)` gives the canonical query ("?period=3m&sort=name" or "" for the page's defaults);
`parse(search, page)` gives back the View and the names of the arguments it could not read, which the page
ignores with a notice (a link is input like any other: whatever it holds, no error page). `parse(build(v))`
is `(v, [])` for every valid View (tests/callbacks/test_view_query.py). No Dash, no Flask: the pages
use it through callbacks/view_query.py, the scheduled reports (reports/scheduler.py) to read a saved view.

Arguments (all optional; a missing one is the page's default):
  period=1m|2m|3m|6m|12m|all|custom, from=, to= (ISO days: a custom range), grain=day|week|month,
  q= (SMS: the grouping filter's text; transactional: the campaign name filter), sort=col|-col|none,
  SMS: since=, until= (the grouping filter's days), per=campaign, open=ID (repeated: open campaigns),
       dispatch=N or campaign=ID (the details dialog open on it);
  transactional: source=test|api, open=KEY (repeated: open rows, "none" or "label:<label>").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

from choices import Granularity, Preset
from data.queries.history import SORTABLE

SMS, TRX = "sms", "transactional"
PAGES = {"/": SMS, "/sms": SMS, "/transactional": TRX}
PATHS = {SMS: "/", TRX: "/transactional"}
MAX_SEARCH = 4000  # characters of a query string read at all; a longer one is ignored whole
MAX_TEXT = 200  # characters of a filter text or a label
MAX_SMS_OPEN = 50  # campaigns open at once in a link
MAX_TRX_OPEN = 20  # callbacks/transactional.py MAX_OPEN_ROWS (tests check they agree)
TRX_SORTABLE = ["campaign", "sent", "delivered", "clicked", "ctr"]
DEFAULT_SORT = {SMS: "-sent_at", TRX: "none"}
NO_LABEL_KEY, LABEL_PREFIX = "none", "label:"
WHOLE_RE = re.compile(r"[0-9]{1,18}")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
KEYS = {
    SMS: ("period", "from", "to", "grain", "q", "since", "until", "sort", "per", "open", "dispatch", "campaign"),
    TRX: ("period", "from", "to", "grain", "q", "source", "sort", "open"),
}
SILENT = {"lang"}  # read elsewhere (the log-in page): not the page's to report
PRESETS = {p.value for p in Preset} - {Preset.CUSTOM.value}
GRAINS = {g.value for g in Granularity} - {Granularity.AUTO.value}
SOURCES = ("test", "api")


@dataclass(frozen=True)
class View:
    """What a report page shows, as far as its address can say. None / empty: the page's default (for the
    period: the one kept in the browser session)."""

    page: str = SMS
    preset: str | None = None  # a preset of PRESETS, or "custom" (then start and end, or neither yet)
    start: dt.date | None = None
    end: dt.date | None = None
    grain: str | None = None  # day, week or month; None: by the period's length
    text: str = ""
    sort: str | None = None  # "col" ascending, "-col" descending, "none"; None: the page's default
    # the SMS page
    since: dt.date | None = None
    until: dt.date | None = None
    per_campaign: bool = False
    expanded: tuple[int, ...] = ()
    dispatch: int | None = None
    campaign: int | None = None
    # the transactional page
    source: str | None = None
    open_rows: tuple[str, ...] = ()

    @property
    def period(self) -> dict | None:
        """Returns the period as the session store keeps it (layouts.period.remembered), None when not given."""
        if self.preset is None:
            return None
        day = lambda d: d.isoformat() if d else None  # noqa: E731
        return {"preset": self.preset, "start": day(self.start), "end": day(self.end)}

    @property
    def sort_column(self) -> tuple[str, bool] | None:
        """Returns (column, descending) of the sort (the page's default when None), None for no sort."""
        sort = self.sort or DEFAULT_SORT[self.page]
        return None if sort == "none" else (sort.lstrip("-"), sort.startswith("-"))


def sort_value(column: str | None, descending: bool) -> str:
    """Returns how the address writes a grid's sort ("-sent_at", "name", "none")."""
    return "none" if not column else ("-" if descending else "") + column


def build(view: View) -> str:
    """Returns the canonical query string of `view` ("" when everything is the page's default)."""
    day = lambda d: d.isoformat() if d else None  # noqa: E731
    custom = view.preset == Preset.CUSTOM
    pairs: list[tuple[str, object]] = [
        ("period", view.preset),
        ("from", day(view.start) if custom else None),
        ("to", day(view.end) if custom else None),
        ("grain", view.grain),
        ("q", view.text or None),
    ]
    if view.page == SMS:
        pairs += [
            ("since", day(view.since)),
            ("until", day(view.until)),
            ("sort", None if view.sort in (None, DEFAULT_SORT[SMS]) else view.sort),
            ("per", "campaign" if view.per_campaign else None),
            *(("open", cid) for cid in view.expanded),
            ("dispatch", view.dispatch),
            ("campaign", view.campaign if view.dispatch is None else None),
        ]
    else:
        pairs += [
            ("source", view.source),
            ("sort", None if view.sort in (None, DEFAULT_SORT[TRX]) else view.sort),
            *(("open", key) for key in view.open_rows),
        ]
    query = urlencode([(k, v) for k, v in pairs if v is not None and v != ""])
    return "?" + query if query else ""


class _Ignored(ValueError):
    """An argument of a link that cannot be read."""


def _one(values: list[str]) -> str:
    if len(values) != 1:
        raise _Ignored
    return values[0]


def _day(value: str) -> dt.date:
    """Returns an ISO day of any year, as the range pickers take it (the page cuts a range to the data)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise _Ignored
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _Ignored from None


def _text(value: str) -> str:
    if len(value) > MAX_TEXT or CONTROL_RE.search(value):
        raise _Ignored
    return value


def _whole(value: str) -> int:
    if not WHOLE_RE.fullmatch(value):
        raise _Ignored
    return int(value)


def _choice(value: str, allowed) -> str:
    if value not in allowed:
        raise _Ignored
    return value


def _sort(value: str, page: str) -> str:
    columns = SORTABLE if page == SMS else TRX_SORTABLE
    if value != "none" and value.lstrip("-") not in columns or value.startswith("--"):
        raise _Ignored
    return value


def _trx_key(value: str) -> str:
    if value != NO_LABEL_KEY and not (value.startswith(LABEL_PREFIX) and len(value) > len(LABEL_PREFIX)):
        raise _Ignored
    return _text(value)


def parse(search: str | None, page: str) -> tuple[View, list[str]]:
    """Returns the View a link's query string (`search`, with or without its "?") asks for on `page`, and the
    names of the arguments that were ignored (unknown, malformed, repeated, out of range), in order."""
    view, ignored = View(page=page), []
    if not isinstance(search, str) or not search.strip("?"):
        return view, ignored
    if len(search) > MAX_SEARCH:
        return view, ["?"]
    args: dict[str, list[str]] = {}
    for key, value in parse_qsl(search.removeprefix("?"), keep_blank_values=True):
        args.setdefault(key, []).append(value)
    known = KEYS[page]
    for key in args:
        if key not in known and key not in SILENT:
            ignored.append(key)
    found: dict[str, object] = {}

    def read(key: str, reader) -> None:
        if key not in args:
            return
        try:
            found[key] = reader(args[key])
        except _Ignored:
            ignored.append(key)

    read("period", lambda v: _choice(_one(v), PRESETS | {Preset.CUSTOM.value}))
    read("from", lambda v: _day(_one(v)))
    read("to", lambda v: _day(_one(v)))
    read("grain", lambda v: _choice(_one(v), GRAINS))
    read("q", lambda v: _text(_one(v)).strip())
    read("sort", lambda v: _sort(_one(v), page))
    if page == SMS:
        read("since", lambda v: _day(_one(v)))
        read("until", lambda v: _day(_one(v)))
        read("per", lambda v: _choice(_one(v), {"campaign", "dispatch"}) == "campaign")
        read("open", lambda v: _limited(tuple(dict.fromkeys(_whole(x) for x in v)), MAX_SMS_OPEN))
        read("dispatch", lambda v: _whole(_one(v)))
        read("campaign", lambda v: _whole(_one(v)))
    else:
        read("source", lambda v: _choice(_one(v), SOURCES))
        read("open", lambda v: _limited(tuple(dict.fromkeys(_trx_key(x) for x in v)), MAX_TRX_OPEN))

    # A range is both days (with or without period=custom); a preset takes no days.
    preset = found.get("period")
    days = [k for k in ("from", "to") if k in found]
    if days and (preset not in (None, Preset.CUSTOM.value) or len(days) == 1):
        ignored += days
        days = []
    if days:
        preset = Preset.CUSTOM.value
    view = replace(
        view,
        preset=preset,
        start=found.get("from") if days else None,
        end=found.get("to") if days else None,
        grain=found.get("grain"),
        text=found.get("q", ""),
        sort=None if found.get("sort") == DEFAULT_SORT[page] else found.get("sort"),
    )
    if page == SMS:
        if "dispatch" in found and "campaign" in found:  # one dialog at a time: neither
            ignored += ["dispatch", "campaign"]
            found.pop("dispatch"), found.pop("campaign")
        view = replace(
            view,
            since=found.get("since"),
            until=found.get("until"),
            per_campaign=found.get("per", False),
            expanded=found.get("open", ()),
            dispatch=found.get("dispatch"),
            campaign=found.get("campaign"),
        )
    else:
        view = replace(view, source=found.get("source"), open_rows=found.get("open", ()))
    return view, list(dict.fromkeys(ignored))


def _limited(values: tuple, most: int) -> tuple:
    if len(values) > most:
        raise _Ignored
    return values
