"""Every export address: how a page builds it and how the route reads it back, side by side.

Each `*_url` function has a `parse_*` twin; `parse_*(query_of(url))` gives back what built the URL
(tests/web/test_urls.py checks each round trip). Parsers take the request's arguments as a mapping and
raise UrlError naming the bad argument; nothing here touches Flask or the lake."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from data.period import Period, PeriodError, parse_day, typed_day
from data.queries.history import SORTABLE, HistoryFilter, Sort
from data.schema import Reason, StatusGroup, check_source

NO_CAMPAIGN_KEY = "none"  # the transactional row of messages without a label
WHOLE_RE = re.compile(r"[0-9]{1,18}")
LABEL_PREFIX = "label:"


class UrlError(ValueError):
    """A request argument is missing or wrong: `key` (an i18n message with `values`) or plain `text` says which."""

    def __init__(self, text: str = "", key: str | None = None, **values: object):
        super().__init__(text or key or "")
        self.text, self.key, self.values = text, key, values


def query_of(url: str) -> dict[str, str]:
    """Returns the query arguments of `url` as a plain mapping (what Flask's request.args holds)."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def _with(path: str, query: dict[str, object]) -> str:
    return path + "?" + urlencode({k: v for k, v in query.items() if v not in (None, "")})


def _period(args: Mapping[str, str], tz: str) -> Period:
    """Returns the range `from`..`to` as asked, in any year (web/routes.py cuts it to the days with data, as the
    pages do: a century costs what "all time" costs)."""
    try:
        start, end = typed_day(args.get("from")), typed_day(args.get("to"))
        if start is None or end is None:
            raise PeriodError("period.error.missing")
        return Period(start, end, tz)
    except PeriodError as exc:
        raise UrlError(key=exc.key, **exc.values) from None


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


# ---------------------------------------------------------------- the SMS page's dispatch table


@dataclass(frozen=True)
class DispatchesQuery:
    """What the dispatch table showed: period, filter, sort, and one row per campaign or per dispatch."""

    period: Period
    flt: HistoryFilter = HistoryFilter()
    sort: Sort | None = None
    per: str = "dispatch"


def dispatches_url(fmt: str, query: DispatchesQuery, lang: str) -> str:
    """Returns the address of the period's dispatch report (csv or docx) as the table shows it."""
    flt, sort = query.flt, query.sort
    return _with(
        f"/export/dispatches.{fmt}",
        {
            "from": query.period.start.isoformat(),
            "to": query.period.end.isoformat(),
            "lang": lang,
            "per": "campaign" if query.per == "campaign" else None,
            "q": flt.text or None,
            "since": _day(flt.start),
            "until": _day(flt.end),
            "sort": sort.column if sort else None,
            "desc": ("1" if sort.descending else "0") if sort else None,
        },
    )


def parse_dispatches(args: Mapping[str, str], tz: str) -> DispatchesQuery:
    """Returns the DispatchesQuery of a dispatch report's address."""
    period = _period(args, tz)
    try:
        flt = HistoryFilter((args.get("q") or "").strip(), parse_day(args.get("since")), parse_day(args.get("until")))
    except PeriodError as exc:
        raise UrlError(key=exc.key, **exc.values) from None
    column = args.get("sort")
    if column is not None and column not in SORTABLE:
        raise UrlError("sort: " + column)
    per = args.get("per", "dispatch")
    if per not in ("dispatch", "campaign"):
        raise UrlError("per: " + per)
    sort = Sort(column, args.get("desc", "1") == "1") if column else None
    return DispatchesQuery(period, flt, sort, per)


# ---------------------------------------------------------------- recipients' numbers of a status group


@dataclass(frozen=True)
class NumbersQuery:
    """The numbers of one status group (or one of its reasons; "none": without a reason) of one dispatch
    (`dispatch`, its number) or of every dispatch of a campaign (`campaign`, its id)."""

    group: StatusGroup
    reason: str | None = None
    dispatch: int | None = None
    campaign: int | None = None


def numbers_url(fmt: str, query: NumbersQuery, lang: str) -> str:
    """Returns the address of a numbers download (csv or xml)."""
    return _with(
        f"/export/numbers.{fmt}",
        {
            "dispatch": query.dispatch,
            "campaign": query.campaign,
            "status": query.group.value,
            "lang": lang,
            "reason": query.reason,
        },
    )


def _whole(value: str | None) -> bool:
    """Tells whether an argument is a whole number a store or the lake can hold: 1-18 ASCII digits (`str.isdigit`
    takes "²" and "٣", which int() then refuses)."""
    return value is not None and WHOLE_RE.fullmatch(value) is not None


def parse_numbers(args: Mapping[str, str]) -> NumbersQuery:
    """Returns the NumbersQuery of a numbers download's address."""
    raw_number = args.get("dispatch", "")
    raw_campaign = args.get("campaign")
    if raw_campaign is None and not _whole(raw_number):
        raise UrlError("dispatch: " + (raw_number[:40] or "?"))
    if raw_campaign is not None and not _whole(raw_campaign):
        raise UrlError("campaign: " + raw_campaign[:40])
    try:
        group = StatusGroup(args.get("status", ""))
    except ValueError:
        raise UrlError("status: " + args.get("status", "?")) from None
    reason = args.get("reason") or None
    if reason is not None and reason != "none" and reason not in set(Reason):
        raise UrlError("reason: " + reason)
    if raw_campaign is not None:
        return NumbersQuery(group, reason, campaign=int(raw_campaign))
    return NumbersQuery(group, reason, dispatch=int(raw_number))


# ---------------------------------------------------------------- numbers that opted out (issue 20)


@dataclass(frozen=True)
class OptoutsQuery:
    """The numbers that opted out (data/optouts.py) of one dispatch (`dispatch`, its number) or of every dispatch
    of a campaign (`campaign`, its id)."""

    dispatch: int | None = None
    campaign: int | None = None


def optouts_url(fmt: str, query: OptoutsQuery, lang: str) -> str:
    """Returns the address of the download of the numbers that opted out (csv or xml)."""
    return _with(f"/export/optouts.{fmt}", {"dispatch": query.dispatch, "campaign": query.campaign, "lang": lang})


def parse_optouts(args: Mapping[str, str]) -> OptoutsQuery:
    """Returns the OptoutsQuery of an opt-out numbers download's address."""
    raw_number = args.get("dispatch", "")
    raw_campaign = args.get("campaign")
    if raw_campaign is None and not _whole(raw_number):
        raise UrlError("dispatch: " + (raw_number[:40] or "?"))
    if raw_campaign is not None:
        if not _whole(raw_campaign):
            raise UrlError("campaign: " + raw_campaign[:40])
        return OptoutsQuery(campaign=int(raw_campaign))
    return OptoutsQuery(dispatch=int(raw_number))


# ---------------------------------------------------------------- the transactional page


def _source(args: Mapping[str, str]) -> str | None:
    source = args.get("source")
    try:
        return check_source(source)
    except ValueError:
        raise UrlError(key="trx.error.source", source=source) from None


@dataclass(frozen=True)
class TransactionalQuery:
    """The transactional table of a period, narrowed to one source and to labels containing `text`."""

    period: Period
    source: str | None = None
    text: str = ""


def transactional_url(fmt: str, query: TransactionalQuery, lang: str) -> str:
    """Returns the address of the period's transactional table (csv or docx), with the table's filters."""
    return _with(
        f"/export/transactional.{fmt}",
        {
            "from": query.period.start.isoformat(),
            "to": query.period.end.isoformat(),
            "lang": lang,
            "source": query.source,
            "q": query.text,
        },
    )


def parse_transactional(args: Mapping[str, str], tz: str) -> TransactionalQuery:
    """Returns the TransactionalQuery of a transactional table's address."""
    return TransactionalQuery(_period(args, tz), _source(args), args.get("q", ""))


@dataclass(frozen=True)
class MessagesQuery:
    """One transactional row's messages in a period: `campaign` is the row's key ("label:<label>" or "none")."""

    period: Period
    campaign: str
    source: str | None = None

    @property
    def label(self) -> str | None:
        """Returns the label the row stands for (None: messages without a label)."""
        return None if self.campaign == NO_CAMPAIGN_KEY else self.campaign[len(LABEL_PREFIX) :]


def messages_url(query: MessagesQuery, lang: str) -> str:
    """Returns the address of one transactional row's messages (CSV, with numbers)."""
    return _with(
        "/export/transactional-messages.csv",
        {
            "campaign": query.campaign,
            "from": query.period.start.isoformat(),
            "to": query.period.end.isoformat(),
            "lang": lang,
            "source": query.source,
        },
    )


def parse_messages(args: Mapping[str, str], tz: str) -> MessagesQuery:
    """Returns the MessagesQuery of a transactional row's messages address."""
    period = _period(args, tz)
    key = args.get("campaign", "")
    if key != NO_CAMPAIGN_KEY and not key.startswith(LABEL_PREFIX):
        raise UrlError(key="trx.error.campaign", campaign=key or "?")
    return MessagesQuery(period, key, _source(args))
