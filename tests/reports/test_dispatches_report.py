"""The period's dispatch CSV and DOCX against an independent DuckDB query over the lake."""

from __future__ import annotations

import csv
import datetime as dt
import io

import docx
import duckdb
import pytest

from data.period import Period
from reports.dispatches import dispatches_csv, dispatches_docx
from tests.conftest import TZ, UNTIL

PERIOD = Period(dt.date(2026, 9, 1), UNTIL, TZ)


def lake_counts(demo_dir, period: Period) -> dict[int, tuple[int, int, int, int]]:
    """Dispatch number -> (sent, delivered, not_sent, delivered and clicked by a person) of every dispatch whose
    first message was created in the period (all its messages), straight from the Parquet files."""
    lake = demo_dir / "lake"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(
        f"""
        SELECT d.number,
               sum(CASE WHEN m.status <> 'not_sent' THEN 1 ELSE 0 END),
               sum(CASE WHEN m.status = 'delivered' THEN 1 ELSE 0 END),
               sum(CASE WHEN m.status = 'not_sent' THEN 1 ELSE 0 END),
               sum(CASE WHEN m.status = 'delivered' AND EXISTS (
                            SELECT 1 FROM read_parquet('{lake}/clicks/*/*.parquet') c
                            WHERE c.message_id = m.message_id AND NOT c.is_bot) THEN 1 ELSE 0 END)
        FROM read_parquet('{lake}/messages/*/*.parquet') m
        JOIN read_parquet('{lake}/dispatches/dispatches.parquet') d ON d.dispatch_id = m.dispatch_id
        GROUP BY d.number
        HAVING (min(m.created_at) AT TIME ZONE ?)::DATE BETWEEN ? AND ?
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
