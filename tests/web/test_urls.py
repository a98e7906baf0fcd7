"""Each export address read back by its route's parser gives what built it (web/urls.py), and a wrong
argument is refused naming it."""

from __future__ import annotations

import datetime as dt

import pytest

from data.period import Period
from data.queries.history import HistoryFilter, Sort
from data.schema import StatusGroup
from web import urls

TZ = "Europe/Warsaw"
PERIOD = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31), TZ)


@pytest.mark.parametrize(
    "query",
    [
        urls.DispatchesQuery(PERIOD),
        urls.DispatchesQuery(
            PERIOD, HistoryFilter("jesień & co", dt.date(2026, 10, 3), None), Sort("sent", True), "campaign"
        ),
        urls.DispatchesQuery(PERIOD, HistoryFilter("", None, dt.date(2026, 10, 9)), Sort("number", False)),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "docx"])
def test_dispatches_round_trip(query, fmt):
    url = urls.dispatches_url(fmt, query, "pl")
    assert url.startswith(f"/export/dispatches.{fmt}?")
    assert urls.parse_dispatches(urls.query_of(url), TZ) == query
    assert urls.query_of(url)["lang"] == "pl"


@pytest.mark.parametrize(
    "query",
    [
        urls.NumbersQuery(StatusGroup.DELIVERED, dispatch=17),
        urls.NumbersQuery(StatusGroup.NOT_DELIVERED, "expired_validity", dispatch=3),
        urls.NumbersQuery(StatusGroup.NOT_DELIVERED, "none", campaign=5),
        urls.NumbersQuery(StatusGroup.PENDING, campaign=12),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_numbers_round_trip(query, fmt):
    url = urls.numbers_url(fmt, query, "en")
    assert url.startswith(f"/export/numbers.{fmt}?")
    assert urls.parse_numbers(urls.query_of(url)) == query


@pytest.mark.parametrize(
    "query",
    [
        urls.TransactionalQuery(PERIOD),
        urls.TransactionalQuery(PERIOD, "api", "reset hasła"),
        urls.TransactionalQuery(PERIOD, "test", ""),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "docx"])
def test_transactional_round_trip(query, fmt):
    url = urls.transactional_url(fmt, query, "pl")
    assert urls.parse_transactional(urls.query_of(url), TZ) == query


@pytest.mark.parametrize(
    "query",
    [
        urls.MessagesQuery(PERIOD, "none"),
        urls.MessagesQuery(PERIOD, "label:otp & login?", "api"),
    ],
)
def test_messages_round_trip(query):
    url = urls.messages_url(query, "en")
    assert url.startswith("/export/transactional-messages.csv?")
    back = urls.parse_messages(urls.query_of(url), TZ)
    assert back == query and back.label == (None if query.campaign == "none" else query.campaign[len("label:") :])


@pytest.mark.parametrize(
    "parse, args, says",
    [
        (urls.parse_numbers, {"dispatch": "x1", "status": "delivered"}, "dispatch: x1"),
        (urls.parse_numbers, {"campaign": "-1", "status": "delivered"}, "campaign: -1"),
        (urls.parse_numbers, {"dispatch": "²", "status": "delivered"}, "dispatch: ²"),  # isdigit(), not int()
        (urls.parse_numbers, {"campaign": "9" * 30, "status": "delivered"}, "campaign: " + "9" * 30),
        (urls.parse_numbers, {"dispatch": "1", "status": "lost"}, "status: lost"),
        (urls.parse_numbers, {"dispatch": "1", "status": "delivered", "reason": "gremlins"}, "reason: gremlins"),
        (
            lambda a: urls.parse_dispatches(a, TZ),
            {"from": "2026-10-01", "to": "2026-10-02", "sort": "msisdn"},
            "sort: msisdn",
        ),
        (
            lambda a: urls.parse_dispatches(a, TZ),
            {"from": "2026-10-01", "to": "2026-10-02", "per": "user"},
            "per: user",
        ),
    ],
)
def test_a_wrong_argument_is_named(parse, args, says):
    with pytest.raises(urls.UrlError) as err:
        parse(args)
    assert err.value.text == says


@pytest.mark.parametrize(
    "args, key",
    [
        ({"from": "2026-10-01"}, "period.error.missing"),
        ({"from": "2026-13-01", "to": "2026-10-02"}, "period.error.format"),
        ({"from": "2026-10-01", "to": "2026-10-02", "source": "sms"}, "trx.error.source"),
    ],
)
def test_a_wrong_period_or_source_is_a_message_key(args, key):
    with pytest.raises(urls.UrlError) as err:
        urls.parse_transactional(args, TZ)
    assert err.value.key == key


def test_a_range_may_lie_in_any_year_as_on_the_pages():
    """The route cuts it to the days with data (tests/test_routes.py): an address of centuries is no error."""
    query = urls.parse_transactional({"from": "1900-01-01", "to": "2999-12-31"}, TZ)
    assert (query.period.start, query.period.end) == (dt.date(1900, 1, 1), dt.date(2999, 12, 31))
    query = urls.parse_dispatches({"from": "1999-12-31", "to": "9999-12-31"}, TZ)
    assert (query.period.start, query.period.end) == (dt.date(1999, 12, 31), dt.date(9999, 12, 31))
