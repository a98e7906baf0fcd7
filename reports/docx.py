"""The DOCX report (python-docx): title, filters and time zone, KPIs, chart, table.

Every text arrives already translated and formatted by the caller; this module only
lays it out. Text goes through :func:`reports.xml_writer.strip_xml_illegal` first, because
python-docx refuses control characters (they are not allowed in XML).

This module shares its name with python-docx's ``docx`` package; inside the package
``import docx`` still means python-docx (absolute imports), but never put the
``reports/`` directory itself on ``sys.path``.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from reports.csv_writer import is_missing
from reports.xml_writer import strip_xml_illegal

__all__ = ["report_docx", "LANDSCAPE_OVER_COLUMNS"]

#: A table with more columns than this is laid out on a landscape page.
LANDSCAPE_OVER_COLUMNS = 7
CHART_WIDTH = Cm(16)
LABEL_WIDTH = Cm(5)
TABLE_STYLE = "Table Grid"
TABLE_TEXT_STYLE = "Report Table Text"
TABLE_FONT_SIZE = Pt(8)
A4 = (Cm(21.0), Cm(29.7))
MARGIN = Cm(2.0)


def _text(value: object) -> str:
    """Returns a cell's text: ``None``/NaN -> "", anything else ``str()`` without control chars."""
    if is_missing(value):
        return ""
    return strip_xml_illegal(value if isinstance(value, str) else str(value))


def _set_page(document, *, landscape: bool) -> None:
    section = document.sections[0]
    short, long = A4
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = long, short
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = short, long
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)


def _table_text_style(document):
    style = document.styles.add_style(TABLE_TEXT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.size = TABLE_FONT_SIZE
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.line_spacing = 1.0
    return style


def _fill(cell, text: str, style, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.style = style
    run = paragraph.add_run(text)
    if bold:
        run.bold = True


def _repeat_as_header(row) -> None:
    """Marks a table row to be repeated at the top of every page the table spans."""
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _pairs_table(document, pairs: Sequence[tuple[str, str]], style, *, horizontal: bool):
    """A label/value table: labels over values when `horizontal`, else one pair a row."""
    if horizontal:
        table = document.add_table(rows=2, cols=len(pairs))
        for col, (label, value) in enumerate(pairs):
            _fill(table.cell(0, col), _text(label), style)
            _fill(table.cell(1, col), _text(value), style, bold=True)
    else:
        table = document.add_table(rows=len(pairs), cols=2)
        section = document.sections[0]
        text_width = section.page_width - section.left_margin - section.right_margin
        widths = (LABEL_WIDTH, text_width - LABEL_WIDTH)
        for row, (label, value) in enumerate(pairs):
            _fill(table.cell(row, 0), _text(label), style, bold=True)
            _fill(table.cell(row, 1), _text(value), style)
        for column, width in zip(table.columns, widths):
            for cell in column.cells:
                cell.width = width
    return table


def report_docx(
    *,
    title: str,
    meta: list[tuple[str, str]],
    kpis: list[tuple[str, str]],
    chart_png: bytes | None,
    table: pd.DataFrame,
    table_title: str | None = None,
    footer_note: str | None = None,
) -> bytes:
    """Returns a DOCX report as bytes.

    * `title` -- the document's heading (also its core-properties title);
    * `meta` -- (label, value) pairs such as the period, filters, time zone and
      generation time, as a borderless two-column table;
    * `kpis` -- (label, formatted value) pairs: labels over values in one table (more
      than 6 KPIs: one pair a row);
    * `chart_png` -- the trend picture (:func:`reports.chart.trend_png`), 16 cm wide;
    * `table` -- header = column names, one row per DataFrame row, cells ``str()``-ed
      (``None``/NaN -> ""); 8 pt "Table Grid"; the header row repeats on every page;
    * `table_title` -- an optional heading above the table;
    * `footer_note` -- an optional line in the page footer.

    The page is A4, landscape when the table has more than
    :data:`LANDSCAPE_OVER_COLUMNS` columns.
    """
    document = Document()
    _set_page(document, landscape=len(table.columns) > LANDSCAPE_OVER_COLUMNS)
    small = _table_text_style(document)
    document.core_properties.title = _text(title)
    document.core_properties.author = "SMS Reports"

    document.add_heading(_text(title), level=1)

    if meta:
        _pairs_table(document, meta, small, horizontal=False)
        document.add_paragraph()

    if kpis:
        kpi_table = _pairs_table(document, kpis, small, horizontal=len(kpis) <= 6)
        kpi_table.style = document.styles[TABLE_STYLE]
        kpi_table.alignment = WD_TABLE_ALIGNMENT.CENTER
        document.add_paragraph()

    if chart_png:
        document.add_picture(io.BytesIO(chart_png), width=CHART_WIDTH)
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    if table_title:
        document.add_heading(_text(table_title), level=2)
    if len(table.columns):
        _data_table(document, table, small)

    if footer_note:
        footer = document.sections[0].footer.paragraphs[0]
        run = footer.add_run(_text(footer_note))
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def table_rows(body: bytes) -> int:
    """Returns how many rows the data table of a report made by `report_docx` has (its header not
    counted; 0 when it has none): the table whose first row repeats on every page."""
    for table in reversed(Document(io.BytesIO(body)).tables):
        first = table._tbl.tr_lst[0] if table._tbl.tr_lst else None
        if first is not None and first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None:
            return len(table._tbl.tr_lst) - 1
    return 0


def _data_table(document, frame: pd.DataFrame, style) -> None:
    """Appends `frame` as a table. Rows are built as XML from a template row: python-docx's
    ``add_row().cells`` walks the whole table each time, which is quadratic."""
    columns = list(frame.columns)
    grid = document.add_table(rows=2, cols=len(columns))
    grid.style = document.styles[TABLE_STYLE]
    header = grid.rows[0]
    _repeat_as_header(header)
    for cell, name in zip(header.cells, columns):
        _fill(cell, _text(name), style, bold=True)
    template = grid.rows[1]
    for cell in template.cells:
        cell.paragraphs[0].style = style
    template_tr = template._tr
    tbl = grid._tbl
    for values in frame.itertuples(index=False, name=None):
        tr = copy.deepcopy(template_tr)
        for paragraph, value in zip(tr.iter(qn("w:p")), values):
            text = _text(value)
            if text:
                paragraph.add_r().add_t(text)
        tbl.append(tr)
    tbl.remove(template_tr)
