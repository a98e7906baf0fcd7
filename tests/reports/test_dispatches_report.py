"""The period's dispatch CSV and DOCX against an independent DuckDB query over the lake."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import docx
import duckdb
import pandas as pd
import pytest

from data.period import Period
from i18n import fmt_int, t
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


# --- the SMS DOCX a manager forwards: the grid's columns, laid out for paper, fonts that exist, "no data" ---

GRID_HEADER = [
    "Numer wysyłki",
    "Nazwa",
    "Treść wiadomości",
    "Grupa odbiorców",
    "Kampania",
    "Data wysyłki",
    "Wysłane",
    "Dostarczone",
    "Dostarczone %",
    "Kliknięte",
    "CTR",
    "Koszt",
    "Rezygnacje",
]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def sms_docx(ctx, period=PERIOD, lang="pl") -> docx.document.Document:
    data = dispatches_docx(ctx.db, period=period, lang=lang, generated_at=dt.datetime(2026, 11, 25, 12, 0))
    return docx.Document(io.BytesIO(data))


def data_table(doc):
    return next(t for t in doc.tables if t.rows[0].cells[0].text in ("Numer wysyłki", "Dispatch no."))


def twips(element, tag: str) -> int:
    return int(element.find(f"{W}{tag}").get(f"{W}w"))


def test_docx_table_has_the_grids_columns_with_names_clicks_and_whole_texts(ctx, demo_dir):
    table = data_table(sms_docx(ctx))
    assert [c.text for c in table.rows[0].cells] == GRID_HEADER
    dispatches = pd.read_parquet(demo_dir / "lake" / "dispatches" / "dispatches.parquet").set_index("number")
    want = lake_counts(demo_dir, PERIOD)
    col = {name: i for i, name in enumerate(GRID_HEADER)}
    for row in table.rows[1:]:
        cells = [c.text for c in row.cells]
        number = int(cells[0])
        assert cells[col["Nazwa"]] == dispatches.loc[number, "name"]
        assert cells[col["Treść wiadomości"]] == dispatches.loc[number, "message_text"]  # whole, not cut
        assert int(cells[col["Kliknięte"]].replace("\xa0", "")) == want[number][3]
        assert re.fullmatch(r"\d+,\d\d%", cells[col["CTR"]]), cells[col["CTR"]]


def test_docx_table_repeats_its_header_keeps_rows_whole_and_sizes_columns_by_content(ctx):
    doc = sms_docx(ctx)
    table = data_table(doc)
    rows = table._tbl.tr_lst
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)
    assert all(r.find(f"{W}trPr/{W}tblHeader") is None for r in rows[1:])
    section = doc.sections[0]
    text_width = round((section.page_width - section.left_margin - section.right_margin) / 635)
    grid = [int(g.get(f"{W}w")) for g in table._tbl.tblGrid.findall(f"{W}gridCol")]
    assert len(grid) == len(GRID_HEADER) and abs(sum(grid) - text_width) <= len(grid)
    assert table._tbl.tblPr.find(f"{W}tblLayout").get(f"{W}type") == "fixed"
    for r in rows:  # Word reads each cell's width: the same as the grid's
        assert [twips(tc.tcPr, "tcW") for tc in r.findall(f"{W}tc")] == grid
    width = dict(zip(GRID_HEADER, grid))
    # the message text gets the most room; numbers no more than they need (14 columns since cost and opt-outs:
    # the text's share went from 2.5 to a little over 2 times a count's)
    assert width["Treść wiadomości"] == max(grid) and width["Treść wiadomości"] >= 2 * width["Wysłane"]
    assert len(set(grid)) > 5
    # a number never wraps: Arial's digits are 0.556 em wide, the cell's margins 2 x 108 twips, 8 pt text
    for name in ("Wysłane", "Dostarczone", "Kliknięte", "CTR"):
        widest = max(len(r.cells[GRID_HEADER.index(name)].text) for r in table.rows[1:])
        assert width[name] >= widest * 0.556 * 8 * 20 + 216, name


def test_docx_names_a_sans_font_with_fallbacks_and_no_theme_font(ctx):
    doc = sms_docx(ctx)
    package = {p.partname: p for p in doc.part.package.iter_parts()}
    styles = package["/word/styles.xml"].blob.decode("utf-8")
    assert "Theme=" not in styles and "theme=" not in styles
    defaults = doc.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    fonts = defaults.find(f"{W}rFonts")
    assert {fonts.get(f"{W}{a}") for a in ("ascii", "hAnsi", "cs")} == {"Arial"}
    assert defaults.find(f"{W}lang").get(f"{W}val") == "pl-PL"
    for name in ("Heading 1", "Heading 2", "Title"):
        assert doc.styles[name].element.find(f"{W}rPr/{W}rFonts").get(f"{W}ascii") == "Arial", name
    table = ET.fromstring(package["/word/fontTable.xml"].blob)
    listed = {f.get(f"{W}name"): f for f in table.findall(f"{W}font")}
    assert {"Arial", "Liberation Sans", "DejaVu Sans"} <= set(listed)
    assert all(f.find(f"{W}family").get(f"{W}val") == "swiss" for f in listed.values())
    assert listed["Arial"].find(f"{W}altName").get(f"{W}val") == "Liberation Sans"
    assert "Cambria" not in package["/word/theme/theme1.xml"].blob.decode("utf-8")


def test_docx_of_an_empty_period_says_so_instead_of_an_empty_chart_and_table(ctx):
    empty = Period(dt.date(2020, 3, 1), dt.date(2020, 3, 31), TZ)
    doc = sms_docx(ctx, empty)
    texts = [p.text for p in doc.paragraphs]
    assert len(doc.inline_shapes) == 0
    assert "Brak wiadomości w tym okresie" in texts and "Brak wysyłek w tym okresie." in texts
    assert not any(t.rows[0].cells[0].text == "Numer wysyłki" for t in doc.tables)
    assert doc.sections[0].page_width < doc.sections[0].page_height  # no wide table: a portrait page
    doc = sms_docx(ctx, empty, lang="en")
    assert {"No messages in this period", "No dispatches in this period."} <= {p.text for p in doc.paragraphs}


def test_docx_ctr_has_the_same_decimals_in_both_reports(ctx):
    from reports.transactional import transactional_docx

    sms = sms_docx(ctx)
    trx = docx.Document(
        io.BytesIO(transactional_docx(ctx.db, period=PERIOD, lang="pl", generated_at=dt.datetime(2026, 11, 25)))
    )
    ctr = []
    for doc in (sms, trx):
        for table in doc.tables:
            cells = [[c.text for c in row.cells] for row in table.rows]
            if len(cells[0]) == 2:  # a KPI list, one pair a row
                ctr += [value for label, value in cells if label.startswith("CTR")]
            else:  # KPIs labels over values, or the data table
                ctr += [row[i] for row in cells[1:] for i, head in enumerate(cells[0]) if head.startswith("CTR")]
    assert len(ctr) > 10
    assert all(re.fullmatch(r"\d+,\d\d%|—", value) for value in ctr), ctr


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


def test_docx_has_the_operator_table_of_the_period(ctx, frames):
    from data.queries import operators as operator_queries
    from tests.expected import bulk_in_period, by_key, worst_key

    want = by_key(bulk_in_period(frames, PERIOD), "operator")
    for lang, first, worst in (("pl", "Operator", "najgorszy"), ("en", "Operator", "worst")):
        doc = sms_docx(ctx, lang=lang)
        headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
        assert headings[0] == ("Według operatora" if lang == "pl" else "By operator")
        table = next(t for t in doc.tables if t.rows[0].cells[0].text == first)
        rows = {r.cells[0].text: r.cells[1].text.replace("\xa0", "").replace(",", "") for r in table.rows[1:]}
        named = {k: v for k, v in want.items() if k is not None}
        bad = worst_key(want)
        assert {
            k.removesuffix(f" ({worst})"): int(v) for k, v in rows.items() if "nieznany" not in k and "unknown" not in k
        } == {k: v["sent"] for k, v in named.items()}
        assert any(k.endswith(f"({worst})") for k in rows) == (bad is not None)
    assert not operator_queries.period_breakdowns(ctx.db, period=PERIOD)["operator"].empty


@pytest.mark.parametrize("lang,sep", [("pl", ";"), ("en", ",")])
def test_csv_has_total_clicks_and_clicks_per_clicking_recipient(ctx, frames, lang, sep):
    from tests.expected import counts, of_dispatches

    body = b"".join(dispatches_csv(ctx.db, period=PERIOD, lang=lang, sep=sep)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=sep))
    col = {name: i for i, name in enumerate(rows[0])}
    total, per = (t(lang, "col.clicks"), t(lang, "col.clicks_per_clicker"))
    ids = frames["dispatches"].set_index("number")["dispatch_id"]
    for r in rows[1:]:
        want = counts(of_dispatches(frames, [ids[int(r[0])]]))
        assert int(r[col[total]]) == want["clicks"]
        ratio = r[col[per]].replace(",", ".")
        assert (
            (ratio == "")
            if not want["clicked"]
            else float(ratio) == pytest.approx(want["clicks"] / want["clicked"], abs=0.005)
        )


def test_csv_has_the_cost_per_currency_and_the_messages_without_a_price(ctx, frames):
    from tests.expected import costs, of_dispatches

    body = b"".join(dispatches_csv(ctx.db, period=PERIOD, lang="en", sep=",")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=","))
    col = {name: i for i, name in enumerate(rows[0])}
    ids = frames["dispatches"].set_index("number")["dispatch_id"]
    mixed = 0
    for r in rows[1:]:
        want = costs(of_dispatches(frames, [ids[int(r[0])]]))
        cells = dict(reversed(c.split(" ")) for c in r[col["Cost"]].split("; ")) if r[col["Cost"]] else {}
        assert set(cells) == set(want["currencies"])  # one figure per currency, never their sum
        for currency, w in want["currencies"].items():
            assert float(cells[currency]) == pytest.approx(w["cost"], abs=0.00005)
        assert int(r[col["Price unknown (messages)"]]) == want["unknown"]
        mixed += len(cells) > 1
    assert mixed  # twilio's failover traffic: dispatches billed in PLN and EUR


def test_docx_kpis_carry_the_cost_of_the_period(ctx, frames):
    from data.queries import cost as cost_queries
    from i18n import fmt_money

    cost = cost_queries.period_cost(ctx.db, period=PERIOD)
    doc = sms_docx(ctx, lang="en")
    cells = "\n".join(c.text for table in doc.tables[:3] for row in table.rows for c in row.cells)
    for currency, c in cost.currencies.items():
        assert fmt_money(c.cost, currency, "en") in cells
    assert "Cost" in cells and "Price unknown (messages)" in cells


def test_docx_rows_carry_each_dispatchs_cost_per_currency(ctx, frames):
    from decimal import Decimal

    from i18n import fmt_money
    from tests.expected import costs, of_dispatches

    table = data_table(sms_docx(ctx, lang="pl"))
    header = [c.text for c in table.rows[0].cells]
    col = header.index("Koszt")
    ids = frames["dispatches"].set_index("number")["dispatch_id"]
    mixed = 0
    for r in table.rows[1:]:
        want = costs(of_dispatches(frames, [ids[int(r.cells[0].text)]]))
        parts = r.cells[col].text.split(" + ")
        sums = [fmt_money(Decimal(f"{w['cost']:.6f}"), c, "pl") for c, w in want["currencies"].items()]
        assert sorted(p for p in parts if p != "?") == sorted(sums)  # one sum per currency, never added up
        assert ("?" in parts) == (want["unknown"] > 0)
        mixed += len(sums) > 1
    assert mixed
