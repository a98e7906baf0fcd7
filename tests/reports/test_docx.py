"""The DOCX report: open the produced document with python-docx and check its content."""

from __future__ import annotations

import io

import docx
import pandas as pd
import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from PIL import Image

from reports.docx import LANDSCAPE_OVER_COLUMNS, column_widths, report_docx

TITLE = "Raport wysyłek — Zażółć gęślą jaźń"
META = [
    ("Okres", "2026-10-26 – 2026-11-25"),
    ("Strefa czasowa", "Europe/Warsaw"),
    ("Wygenerowano", "25.11.2026 14:05"),
]
KPIS = [("Wysłane", "12 345"), ("Dostarczone", "11 987"), ("CTR", "3,4%")]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 128), (76, 120, 168)).save(buffer, format="PNG")
    return buffer.getvalue()


def frame(columns: int = 4) -> pd.DataFrame:
    data = {
        "Numer": ["2026/11/0001", "2026/11/0002", "2026/11/0003"],
        "Nazwa": ['Promocja <jesień> & "zima"', "Łódź, Kraków", None],
        "Wysłane": ["1 234", "56", 7],
        "CTR": ["3,4%", "—", "0,0%"],
    }
    for extra in range(4, columns):
        data[f"Kolumna {extra}"] = [f"w{extra}-{r}" for r in range(3)]
    return pd.DataFrame(data).iloc[:, :columns]


def build(**overrides) -> docx.document.Document:
    arguments = dict(
        title=TITLE,
        meta=META,
        kpis=KPIS,
        chart_png=png_bytes(),
        table=frame(),
        table_title="Wysyłki",
        footer_note="Źródło: dziennik SMS",
    )
    arguments.update(overrides)
    raw = report_docx(**arguments)
    assert raw[:2] == b"PK"
    return docx.Document(io.BytesIO(raw))


def table_texts(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def all_table_text(document) -> str:
    return "\n".join("\t".join(row) for table in document.tables for row in table_texts(table))


def test_title_meta_kpis_picture_and_table():
    document = build()
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == TITLE
    assert document.paragraphs[0].style.name.startswith("Heading")
    assert document.core_properties.title == TITLE
    assert "Wysyłki" in paragraphs

    tables = document.tables
    assert len(tables) == 3
    meta, kpis, data = tables
    assert table_texts(meta) == [list(pair) for pair in META]
    assert table_texts(kpis) == [[label for label, _ in KPIS], [value for _, value in KPIS]]

    assert len(document.inline_shapes) == 1
    assert 15.5 <= document.inline_shapes[0].width.cm <= 16.5

    assert table_texts(data) == [
        ["Numer", "Nazwa", "Wysłane", "CTR"],
        ["2026/11/0001", 'Promocja <jesień> & "zima"', "1 234", "3,4%"],
        ["2026/11/0002", "Łódź, Kraków", "56", "—"],
        ["2026/11/0003", "", "7", "0,0%"],
    ]
    assert document.sections[0].footer.paragraphs[0].text == "Źródło: dziennik SMS"


def test_table_is_small_gridded_with_a_repeating_header():
    data = build().tables[-1]
    assert data.style.name == "Table Grid"
    for row in data.rows:
        for cell in row.cells:
            paragraph = cell.paragraphs[0]
            size = paragraph.style.font.size or paragraph.runs[0].font.size
            assert Pt(8) <= size <= Pt(9)
    header_props = data.rows[0]._tr.trPr
    assert header_props is not None and header_props.xpath("./w:tblHeader")
    assert data.rows[1]._tr.trPr is None or not data.rows[1]._tr.trPr.xpath("./w:tblHeader")


def test_table_rows_equal_the_dataframe_for_many_rows():
    big = pd.DataFrame({"Numer": [f"2026/11/{i:04d}" for i in range(1500)], "Wysłane": [str(i) for i in range(1500)]})
    data = build(table=big).tables[-1]
    rows = table_texts(data)
    assert rows[0] == ["Numer", "Wysłane"]
    assert rows[1:] == big.astype(str).values.tolist()


def test_without_chart_there_is_no_picture():
    document = build(chart_png=None, table_title=None, footer_note=None)
    assert len(document.inline_shapes) == 0
    assert [p.text for p in document.paragraphs if p.text] == [TITLE]
    assert document.sections[0].footer.paragraphs[0].text == ""


def test_control_characters_are_stripped_not_fatal():
    table = pd.DataFrame({"Na\x01zwa": ["a\x00b\x0bc", "dzwonek\x07!"]})
    document = build(title="Tytu\x1bł", meta=[("Okres\x02", "x\x03y")], kpis=[("K\x04", "1\x05")], table=table)
    assert document.paragraphs[0].text == "Tytuł"
    text = all_table_text(document)
    assert "Okres\txy" in text and "K" in text
    assert table_texts(document.tables[-1]) == [["Nazwa"], ["abc"], ["dzwonek!"]]


@pytest.mark.parametrize(
    ("columns", "orientation"),
    [(LANDSCAPE_OVER_COLUMNS, WD_ORIENT.PORTRAIT), (LANDSCAPE_OVER_COLUMNS + 1, WD_ORIENT.LANDSCAPE)],
)
def test_wide_tables_get_a_landscape_a4_page(columns, orientation):
    document = build(table=frame(columns))
    section = document.sections[0]
    assert len(document.tables[-1].columns) == columns
    assert section.orientation == orientation
    width, height = sorted([section.page_width.cm, section.page_height.cm])
    assert (round(width, 1), round(height, 1)) == (21.0, 29.7)
    assert (section.page_width > section.page_height) == (orientation == WD_ORIENT.LANDSCAPE)


def test_many_kpis_are_listed_one_a_row():
    kpis = [(f"KPI {i}", f"{i} 000") for i in range(8)]
    kpi_table = build(kpis=kpis).tables[1]
    assert table_texts(kpi_table) == [list(pair) for pair in kpis]


def test_empty_table_keeps_its_header():
    document = build(table=pd.DataFrame(columns=["Numer", "Nazwa"]))
    assert table_texts(document.tables[-1]) == [["Numer", "Nazwa"]]


def test_missing_chart_and_rows_are_said_in_words():
    document = build(chart_png=None, no_chart="Brak wiadomości", table=frame().iloc[:0], no_rows="Brak wysyłek.")
    texts = [p.text for p in document.paragraphs]
    assert len(document.inline_shapes) == 0
    assert texts.index("Brak wiadomości") < texts.index("Wysyłki") < texts.index("Brak wysyłek.")
    assert len(document.tables) == 2  # meta and KPIs; no header-only table


def test_numbers_are_right_aligned_and_text_left():
    data = build().tables[-1]
    aligned = [cell.paragraphs[0].alignment for cell in data.rows[1].cells]
    assert aligned[2] == aligned[3] == WD_ALIGN_PARAGRAPH.RIGHT
    assert aligned[1] in (None, WD_ALIGN_PARAGRAPH.LEFT)


def test_column_widths_give_long_text_room_and_numbers_their_width():
    text = "SKLEP: Twój koszyk czeka! Dokończ zamówienie, a dostawa będzie gratis: https://sms.example/pnq9t " * 2
    header = ["Nr", "Treść wiadomości", "Wysłane", "Dostarczone %"]
    rows = [[str(i), text, "1\xa0234\xa0567", "95,4%"] for i in range(50)]
    total = 9638  # 17 cm
    widths = column_widths(header, rows, total)
    assert sum(widths) == total
    assert widths[1] > total / 2
    # Arial's digits are 0.556 em, "%" 0.889 em, "," and the no-break space 0.278 em; 8 pt; margins 216 twips
    assert widths[2] >= (7 * 0.556 + 2 * 0.278) * 160 + 216
    assert widths[3] >= (3 * 0.556 + 0.278 + 0.889) * 160 + 216
    # a short table fills the line in proportion: no column squeezed
    short = column_widths(["A", "B"], [["x", "y"]], 4000)
    assert sum(short) == 4000 and min(short) > 1000
