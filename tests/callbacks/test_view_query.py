"""A page's view in its address: every view comes back from its link as it was, and whatever a link holds is
read without an error, the unreadable parts named."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from callbacks import transactional
from callbacks.view_query import (
    DEFAULT_SORT,
    GRAINS,
    MAX_SMS_OPEN,
    MAX_TRX_OPEN,
    PRESETS,
    SMS,
    TRX,
    TRX_SORTABLE,
    View,
    build,
    parse,
)
from data.queries.history import SORTABLE

days = st.dates()  # any year, as the range pickers take it
texts = st.text(st.characters(min_codepoint=32, exclude_categories=("Cs", "Cc")), max_size=40).map(str.strip)


def sorts(columns):
    return st.one_of(
        st.none(), st.just("none"), st.sampled_from(columns).flatmap(lambda c: st.sampled_from([c, "-" + c]))
    )


@st.composite
def periods(draw):
    kind = draw(st.sampled_from(["none", "preset", "custom", "pending"]))
    if kind == "preset":
        return {"preset": draw(st.sampled_from(sorted(PRESETS)))}
    if kind == "custom":
        return {"preset": "custom", "start": draw(days), "end": draw(days)}
    return {"preset": "custom"} if kind == "pending" else {}


@st.composite
def sms_views(draw):
    detail = draw(st.sampled_from(["none", "dispatch", "campaign"]))
    sort = draw(sorts(SORTABLE))
    return View(
        page=SMS,
        **draw(periods()),
        grain=draw(st.none() | st.sampled_from(sorted(GRAINS))),
        text=draw(texts),
        sort=None if sort == DEFAULT_SORT[SMS] else sort,
        since=draw(st.none() | days),
        until=draw(st.none() | days),
        per_campaign=draw(st.booleans()),
        expanded=tuple(draw(st.lists(st.integers(0, 10**17), unique=True, max_size=MAX_SMS_OPEN))),
        dispatch=draw(st.integers(0, 10**17)) if detail == "dispatch" else None,
        campaign=draw(st.integers(0, 10**17)) if detail == "campaign" else None,
    )


@st.composite
def trx_views(draw):
    keys = st.one_of(st.just("none"), texts.filter(bool).map(lambda s: "label:" + s))
    sort = draw(sorts(TRX_SORTABLE))
    return View(
        page=TRX,
        **draw(periods()),
        grain=draw(st.none() | st.sampled_from(sorted(GRAINS))),
        text=draw(texts),
        sort=None if sort == DEFAULT_SORT[TRX] else sort,
        source=draw(st.none() | st.sampled_from(["test", "api"])),
        open_rows=tuple(draw(st.lists(keys, unique=True, max_size=MAX_TRX_OPEN))),
    )


@settings(max_examples=300, deadline=None)
@given(st.one_of(sms_views(), trx_views()))
def test_every_view_comes_back_from_its_link(view):
    assert parse(build(view), view.page) == (view, [])


def test_defaults_make_no_query_and_a_link_reads_as_a_user_would_write_it():
    assert build(View(page=SMS)) == "" and build(View(page=TRX)) == ""
    assert build(View(page=SMS, sort="-sent_at")) == ""  # the grid's own order
    view, ignored = parse("?from=2026-11-01&to=2026-11-30&sort=name&open=3&open=7&campaign=3&q=Black%20Friday", SMS)
    assert ignored == []
    assert view == View(
        page=SMS,
        preset="custom",
        start=dt.date(2026, 11, 1),
        end=dt.date(2026, 11, 30),
        sort="name",
        expanded=(3, 7),
        campaign=3,
        text="Black Friday",
    )
    assert view.sort_column == ("name", False) and View(page=SMS).sort_column == ("sent_at", True)
    assert View(page=TRX).sort_column is None
    assert view.period == {"preset": "custom", "start": "2026-11-01", "end": "2026-11-30"}
    trx, ignored = parse("source=api&open=label%3Aa%26b%3Dc&open=none&period=3m", TRX)
    assert ignored == [] and trx.open_rows == ("label:a&b=c", "none") and trx.preset == "3m"
    assert parse(build(trx), TRX) == (trx, [])


def test_what_cannot_be_read_is_named_and_the_rest_kept():
    cases = {
        "period=5y&q=x": ["period"],
        "from=2026-13-01&to=2026-11-30": ["from", "to"],  # a range needs both days
        "from=2026-11-01": ["from"],
        "period=3m&from=2026-11-01&to=2026-11-30": ["from", "to"],
        "from=2026-02-30&to=2026-03-01": ["from", "to"],
        "from=26-01-01&to=+2026-03-01": ["from", "to"],
        "sort=password&grain=hour": ["sort", "grain"],
        "sort=--name": ["sort"],
        "open=1&open=x": ["open"],
        "open=" + "&open=".join(map(str, range(MAX_SMS_OPEN + 1))): ["open"],
        "dispatch=1&campaign=2": ["dispatch", "campaign"],
        "dispatch=%C2%B2": ["dispatch"],  # a digit to str.isdigit, not to the store
        "dispatch=1&dispatch=2": ["dispatch"],
        "q=" + "x" * 201: ["q"],
        "q=a%00b": ["q"],
        "per=all&since=yesterday": ["since", "per"],
        "source=api&utm_source=mail": ["source", "utm_source"],
    }
    for search, ignored in cases.items():
        view, found = parse(search, SMS)
        assert sorted(found) == sorted(ignored), search
        assert parse(build(view), SMS) == (view, []), search
    view, found = parse("period=3m&q=x&sort=password", SMS)
    assert (view.preset, view.text, view.sort, found) == ("3m", "x", None, ["sort"])
    assert parse("open=label:&open=" + quote("label:ok"), TRX) == (View(page=TRX), ["open"])
    assert parse("?" + "q=x&" * 2000, SMS) == (View(page=SMS), ["?"])
    assert parse(None, SMS) == (View(page=SMS), []) and parse("?", TRX) == (View(page=TRX), [])
    century, found = parse("from=1990-01-01&to=2099-12-31", SMS)  # as typed: the page cuts it to the data
    assert found == [] and (century.start, century.end) == (dt.date(1990, 1, 1), dt.date(2099, 12, 31))


def test_the_link_opens_no_more_rows_than_the_page():
    assert MAX_TRX_OPEN == transactional.MAX_OPEN_ROWS


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(
            st.tuples(
                st.sampled_from(["period", "from", "to", "grain", "q", "sort", "open", "dispatch", "campaign", "x"]),
                st.text(max_size=30),
            ),
            max_size=12,
        ).map(lambda pairs: "&".join(quote(k) + "=" + quote(v, safe="") for k, v in pairs)),
    ),
    st.sampled_from([SMS, TRX]),
)
def test_any_query_string_reads_as_a_valid_view(search, page):
    view, ignored = parse(search, page)
    assert isinstance(ignored, list) and view.page == page
    assert parse(build(view), page) == (view, [])  # what it kept is a view a page could have written
