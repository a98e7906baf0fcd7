"""The period's dispatch CSV and DOCX against an independent DuckDB query over the lake."""

from __future__ import annotations

import csv
import datetime as dt
import io

import docx
import duckdb
import pytest

from data.period import Period
from i18n import fmt_int
from reports.dispatches import dispatches_csv, dispatches_docx
from tests.conftest import TZ, UNTIL

PERIOD = Period(dt.date(2026, 9, 1), UNTIL, TZ)


def lake_counts(demo_dir, period: Period) -> dict[int, tuple[int, int, int, int]]:
    """Dispatch number -> (sent, delivered, not_sent, human-clicked), straight from the Parquet files."""
    lake = demo_dir / "lake"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(
        f"""
        SELECT d.number,
               sum(CASE WHEN m.status <> 'not_sent' THEN 1 ELSE 0 END),
               sum(CASE WHEN m.status = 'delivered' THEN 1 ELSE 0 END),
               sum(CASE WHEN m.status = 'not_sent' THEN 1 ELSE 0 END),
               sum(CASE WHEN EXISTS (SELECT 1 FROM read_parquet('{lake}/clicks/*/*.parquet') c
                                     WHERE c.message_id = m.message_id AND NOT c.is_bot) THEN 1 ELSE 0 END)
        FROM read_parquet('{lake}/messages/*/*.parquet') m
        JOIN read_parquet('{lake}/dispatches/dispatches.parquet') d ON d.dispatch_id = m.dispatch_id
        WHERE (m.created_at AT TIME ZONE ?)::DATE BETWEEN ? AND ?
        GROUP BY d.number
        """,
        [period.tz, period.start, period.end],
    ).fetchall()
    return {int(r[0]): tuple(int(x) for x in r[1:]) for r in rows}


@pytest.mark.parametrize("lang,sep", [("pl", ";"), ("en", ",")])
def test_csv_rows_equal_lake_counts(ctx, demo_dir, lang, sep):
    raw = b"".join(dispatches_csv(ctx.db, period=PERIOD, lang=lang, sep=sep))
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=sep))
    header, body = rows[0], rows[1:]
    assert header[0] == ("Numer wysyłki" if lang == "pl" else "Dispatch no.")
    col = {name: i for i, name in enumerate(header)}
    sent, delivered, not_sent, clicked = (
        ("Wysłane", "Dostarczone", "Niewysłane", "Kliknięte")
        if lang == "pl"
        else ("Sent", "Delivered", "Not sent", "Clicked")
    )
    got = {
        int(r[0]): (int(r[col[sent]]), int(r[col[delivered]]), int(r[col[not_sent]]), int(r[col[clicked]]))
        for r in body
    }
    want = lake_counts(demo_dir, PERIOD)
    assert len(want) >= 5
    assert got == want


def test_docx_holds_the_same_rows(ctx, demo_dir):
    data = dispatches_docx(ctx.db, period=PERIOD, lang="pl", generated_at=dt.datetime(2026, 11, 25, 12, 0))
    doc = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Raport wysyłek SMS" in text
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    flat = "\n".join(" | ".join(r) for r in cells)
    assert "Europe/Warsaw" in flat or "Europe/Warsaw" in text
    assert "01.09.2026" in flat or "01.09.2026" in text
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Numer wysyłki")
    numbers = [int(r.cells[0].text) for r in table.rows[1:]]
    want = lake_counts(demo_dir, PERIOD)
    assert sorted(numbers) == sorted(want)
    sent_col = [c.text for c in table.rows[0].cells].index("Wysłane")
    for r in table.rows[1:]:
        assert int(r.cells[sent_col].text.replace("\xa0", "").replace(" ", "")) == want[int(r.cells[0].text)][0]
    assert len(doc.inline_shapes) == 1


def test_docx_groups_numbers_as_the_page_does(ctx, demo_dir):
    # One rule on the pages (KPI cards, grid) and in the DOCX: grouped from four digits ("1 725" beside
    # "13 180"); the CSV keeps plain digits (test_csv_rows_equal_lake_counts).
    data = dispatches_docx(ctx.db, period=PERIOD, lang="pl", generated_at=dt.datetime(2026, 11, 25, 12, 0))
    doc = docx.Document(io.BytesIO(data))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Numer wysyłki")
    sent_col = [c.text for c in table.rows[0].cells].index("Wysłane")
    want = lake_counts(demo_dir, PERIOD)
    texts = {int(r.cells[0].text): r.cells[sent_col].text for r in table.rows[1:]}
    assert texts == {number: fmt_int(counts[0], "pl") for number, counts in want.items()}
    four = [text for number, text in texts.items() if 1000 <= want[number][0] < 10_000]
    assert four and all(text[1] == "\xa0" for text in four), four
    cells = {c.text for t in doc.tables if t is not table for row in t.rows for c in row.cells}
    assert fmt_int(sum(counts[0] for counts in want.values()), "pl") in cells, cells  # the KPI "Wysłane"
