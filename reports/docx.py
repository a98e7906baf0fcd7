"""The DOCX report (python-docx): title, filters and time zone, KPIs, chart, table.

Every text arrives already translated and formatted by the caller; this module only
lays it out. Text goes through :func:`reports.xml_writer.strip_xml_illegal` first, because
python-docx refuses control characters (they are not allowed in XML).

The document names its font (:data:`FONT`, with the fallbacks of :data:`FONT_FALLBACKS` in
its font table) in every style instead of the template's theme fonts, whose body face is
Cambria: a viewer without it drew the report in a serif. The data table is laid out for
reading on paper: widths by content, the header row on every page, no row split across pages.

This module shares its name with python-docx's ``docx`` package; inside the package
``import docx`` still means python-docx (absolute imports), but never put the
``reports/`` directory itself on ``sys.path``.
"""

from __future__ import annotations

import copy
import io
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips

from reports.csv_writer import is_missing
from reports.xml_writer import strip_xml_illegal

__all__ = ["report_docx", "column_widths", "LANDSCAPE_OVER_COLUMNS", "FONT", "FONT_FALLBACKS"]

#: A table with more columns than this is laid out on a landscape page.
LANDSCAPE_OVER_COLUMNS = 7
CHART_WIDTH = Cm(16)
LABEL_WIDTH = Cm(5)
KPI_VALUE_WIDTH = Cm(5)
TABLE_STYLE = "Table Grid"
TABLE_TEXT_STYLE = "Report Table Text"
NOTE_STYLE = "Report Note"
TABLE_FONT_SIZE = Pt(8)
A4 = (Cm(21.0), Cm(29.7))
MARGIN = Cm(2.0)
#: Windows and macOS have Arial; Linux and LibreOffice draw it with the metric-compatible Liberation Sans
#: (so the widths worked out below hold everywhere). The fallbacks are listed in the document's font table.
FONT = "Arial"
FONT_FALLBACKS = ("Liberation Sans", "Helvetica", "Arimo", "DejaVu Sans")
_PANOSE = dict.fromkeys(("Arial", "Liberation Sans", "Helvetica", "Arimo"), "020B0604020202020204")
#: Advance widths of Arial (= Helvetica = Liberation Sans), in thousandths of an em, of the printable
#: ASCII characters from the space on; other letters count as their base letter ("ą" as "a").
_ARIAL = [
    int(w)
    for w in (
        "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
        "278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 "
        "611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 "
        "556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
    ).split()
]
_WIDE = {"—": 1000, "…": 1000, "–": 556, "„": 333, "”": 333, "“": 333, "\u00a0": 278, "ł": 222, "Ł": 556}
#: Bold text is about this much wider than regular.
BOLD = 1.08
#: Left plus right margin inside a "Table Grid" cell (0.19 cm each), in twips.
CELL_PADDING_TWIPS = 2 * 108
#: A word wider than this, in ems (a long link), may wrap inside itself rather than widen its column further.
LONGEST_WORD_EM = 16
#: Room a measured text is given beyond its width (a line wraps at a word, not at the exact width).
SLACK = 1.04
#: The width handed out at a time when laying out columns, in ems.
STEP_EM = 0.5
#: Rows the width layout looks at: a long table is sampled evenly.
WIDTH_SAMPLE_ROWS = 400
_BREAKS = re.compile(r"[ \t\r\n]+")  # where a line may wrap (a no-break space in "12 345" is not one)
_NUMERIC = re.compile(r"^(—|[−+-]?[\d\u00a0\u202f ,.]*\d[\d\u00a0\u202f ,.]*\s?%?)$")


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


def _text_width(document) -> int:
    """Returns the width between the page's margins, in twips."""
    section = document.sections[0]
    return int((section.page_width - section.left_margin - section.right_margin) / 635)  # EMU -> twips


def _font_table_xml() -> bytes:
    fonts = []
    for name in (FONT, *FONT_FALLBACKS):
        alt = f'<w:altName w:val="{FONT_FALLBACKS[0]}"/>' if name == FONT else ""
        fonts.append(
            f'<w:font w:name="{name}">{alt}<w:panose1 w:val="{_PANOSE.get(name, "020B0603030804020204")}"/>'
            '<w:charset w:val="00"/><w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>'
        )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        + "".join(fonts)
        + "</w:fonts>"
    ).encode("utf-8")


def _name_fonts(document, language: str | None) -> None:
    """Sets :data:`FONT` in the document defaults and in every style that used a theme font, lists the
    fallbacks in the font table, points the theme's faces at it too, and marks the text's language."""
    styles = document.styles.element
    for rfonts in styles.iter(qn("w:rFonts")):
        themed = [name for name in rfonts.attrib if name.lower().endswith("theme")]
        for name in themed:
            del rfonts.attrib[name]
        if themed or rfonts.getparent().getparent().tag == qn("w:rPrDefault"):
            for name in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
                rfonts.set(qn(name), FONT)
    if language:
        for lang in styles.find(qn("w:docDefaults")).iter(qn("w:lang")):
            lang.set(qn("w:val"), language)
    for rid, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            document.part.drop_rel(rid)  # Word 2010's copy of the styles, with the theme fonts: not needed
        elif rel.reltype == RT.FONT_TABLE:
            rel.target_part._blob = _font_table_xml()
        elif rel.reltype == RT.THEME:
            theme = rel.target_part.blob.decode("utf-8")
            theme = re.sub(r'(<a:(?:major|minor)Font>\s*<a:latin typeface=")[^"]*', rf"\g<1>{FONT}", theme)
            rel.target_part._blob = theme.encode("utf-8")


def _add_styles(document):
    """Adds the table text style (8 pt, no spacing) and the note style (for "no data"); returns both."""
    small = document.styles.add_style(TABLE_TEXT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    small.base_style = document.styles["Normal"]
    small.font.size = TABLE_FONT_SIZE
    small.paragraph_format.space_before = Pt(0)
    small.paragraph_format.space_after = Pt(0)
    small.paragraph_format.line_spacing = 1.0
    note = document.styles.add_style(NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = document.styles["Normal"]
    note.font.italic = True
    note.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    return small, note


def _fill(cell, text: str, style, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.style = style
    run = paragraph.add_run(text)
    if bold:
        run.bold = True


def _row_props(row, *, header: bool) -> None:
    """Keeps a table row on one page, and when `header`, repeats it at the top of every page the table spans."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))  # before w:tblHeader, as the schema orders them
    if header:
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)


def _set_widths(table, widths: Sequence[int]) -> None:
    """Fixes the table's column widths (twips): the grid (LibreOffice reads it), every cell (Word reads
    those) and the table's own width, with a fixed layout so no viewer re-fits them."""
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = Twips(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Twips(width)
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(int(sum(widths))))
    tbl_w.set(qn("w:type"), "dxa")


def _pairs_table(document, pairs: Sequence[tuple[str, str]], style, *, horizontal: bool, value_width=None):
    """A label/value table: labels over values when `horizontal`, else one pair a row (the value column
    `value_width` wide, or the rest of the line)."""
    if horizontal:
        table = document.add_table(rows=2, cols=len(pairs))
        for col, (label, value) in enumerate(pairs):
            _fill(table.cell(0, col), _text(label), style)
            _fill(table.cell(1, col), _text(value), style, bold=True)
    else:
        table = document.add_table(rows=len(pairs), cols=2)
        for row, (label, value) in enumerate(pairs):
            _fill(table.cell(row, 0), _text(label), style, bold=True)
            _fill(table.cell(row, 1), _text(value), style)
        value = value_width.twips if value_width else _text_width(document) - LABEL_WIDTH.twips
        _set_widths(table, (LABEL_WIDTH.twips, value))
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
    no_chart: str | None = None,
    no_rows: str | None = None,
    language: str | None = None,
    extra_tables: Sequence[tuple[str, pd.DataFrame]] = (),
) -> bytes:
    """Returns a DOCX report as bytes.

    * `title` -- the document's heading (also its core-properties title);
    * `meta` -- (label, value) pairs such as the period, filters, time zone and
      generation time, as a borderless two-column table;
    * `kpis` -- (label, formatted value) pairs: labels over values in one table (more
      than 6 KPIs: one pair a row);
    * `chart_png` -- the trend picture (:func:`reports.chart.trend_png`), 16 cm wide;
      when None, `no_chart` (if given) stands in its place;
    * `table` -- header = column names, one row per DataFrame row, cells ``str()``-ed
      (``None``/NaN -> ""); 8 pt "Table Grid", columns as wide as their content needs
      (:func:`column_widths`), numbers right-aligned, the header row repeated on every
      page and no row split across pages; without rows, `no_rows` (if given) replaces it;
    * `table_title` -- an optional heading above the table;
    * `footer_note` -- an optional line in the page footer;
    * `language` -- the text's language as a BCP 47 tag ("pl-PL"), for spelling and hyphenation;
    * `extra_tables` -- (heading, table) pairs laid out like `table`, between the chart and it
      (tables without rows left out).

    The page is A4, landscape when the table has more than
    :data:`LANDSCAPE_OVER_COLUMNS` columns.
    """
    document = Document()
    drawn = len(table.columns) > 0 and not (len(table) == 0 and no_rows)
    _set_page(document, landscape=drawn and len(table.columns) > LANDSCAPE_OVER_COLUMNS)
    _name_fonts(document, language)
    small, note = _add_styles(document)
    document.core_properties.title = _text(title)
    document.core_properties.author = "SMS Reports"

    document.add_heading(_text(title), level=1)

    if meta:
        _pairs_table(document, meta, small, horizontal=False)
        document.add_paragraph()

    if kpis:
        horizontal = len(kpis) <= 6
        kpi_table = _pairs_table(document, kpis, small, horizontal=horizontal, value_width=KPI_VALUE_WIDTH)
        kpi_table.style = document.styles[TABLE_STYLE]
        kpi_table.alignment = WD_TABLE_ALIGNMENT.CENTER
        document.add_paragraph()

    if chart_png:
        document.add_picture(io.BytesIO(chart_png), width=CHART_WIDTH)
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif no_chart:
        document.add_paragraph(_text(no_chart), style=note)

    for heading, extra in extra_tables:
        if len(extra) and len(extra.columns):
            document.add_heading(_text(heading), level=2)
            _data_table(document, extra, small)

    if table_title:
        document.add_heading(_text(table_title), level=2)
    if drawn:
        _data_table(document, table, small)
    elif no_rows:
        document.add_paragraph(_text(no_rows), style=note)

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


def _words(text: str) -> list[str]:
    return [w for w in _BREAKS.split(text) if w]


@lru_cache(maxsize=65536)
def text_em(text: str) -> float:
    """Returns how wide `text` is set in Arial, in ems (multiply by the font size for points)."""
    total = 0
    for char in text:
        if char in _WIDE:
            total += _WIDE[char]
            continue
        base = unicodedata.normalize("NFD", char)[0]
        code = ord(base)
        total += _ARIAL[code - 32] if 32 <= code < 127 else 556
    return total / 1000


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], total: int) -> list[int]:
    """Returns column widths in twips that add up to `total` (the table's width), by content: each column
    at least as wide as its widest word (the header's in bold; at most :data:`LONGEST_WORD_EM`), then the
    width left goes, a step at a time, where it saves the most lines: first lines of the table (each row
    as tall as its tallest cell), then wrapped lines in all; what is left when nothing wraps is shared in
    proportion. Texts are measured in Arial at :data:`TABLE_FONT_SIZE`."""
    n = len(header)
    if n == 0:
        return []
    if len(rows) > WIDTH_SAMPLE_ROWS:
        step = len(rows) / WIDTH_SAMPLE_ROWS
        rows = [rows[int(i * step)] for i in range(WIDTH_SAMPLE_ROWS)]
    em = TABLE_FONT_SIZE.pt * 20  # twips per em
    budget = max(total - n * CELL_PADDING_TWIPS, n) / em  # ems across all columns
    # the width of every cell in ems, the header (bold) first: one row per table row, one column per column
    widths_em = np.array([[text_em(h) * BOLD for h in header], *[[text_em(v) for v in row] for row in rows]])
    floor = np.array(
        [
            max([text_em(w) * BOLD for w in _words(header[c])] + [text_em(w) for row in rows for w in _words(row[c])])
            for c in range(n)
        ]
    )
    widths = np.clip(floor * SLACK, 0.5, LONGEST_WORD_EM)
    if widths.sum() >= budget:
        widths = widths * budget / widths.sum()
    else:

        def score(w: np.ndarray) -> tuple[float, float]:
            lines = np.maximum(np.ceil(widths_em * SLACK / w), 1)
            over = widths_em * SLACK > w
            return float(lines.max(axis=1).sum()), float(np.where(over, widths_em / w, 0).sum())

        current = score(widths)
        while widths.sum() + STEP_EM <= budget:
            trials = [widths + STEP_EM * np.eye(n)[c] for c in range(n)]
            scores = [score(w) for w in trials]
            best = min(range(n), key=scores.__getitem__)
            if scores[best] >= current:
                break  # nothing wraps any more
            widths, current = trials[best], scores[best]
        widths = widths * budget / widths.sum()
    twips = [int(w * em) + CELL_PADDING_TWIPS for w in widths]
    twips[-1] += total - sum(twips)
    return twips


def _numeric(values: Sequence[str]) -> bool:
    """True when every non-empty value reads as a number or percentage ("12 345", "4,35%", "—")."""
    filled = [v for v in values if v]
    return bool(filled) and all(_NUMERIC.match(v) for v in filled)


def _data_table(document, frame: pd.DataFrame, style) -> None:
    """Appends `frame` as a table laid out by :func:`column_widths`. Rows are built as XML from a template
    row: python-docx's ``add_row().cells`` walks the whole table each time, which is quadratic."""
    columns = [_text(name) for name in frame.columns]
    body = [[_text(v) for v in values] for values in frame.itertuples(index=False, name=None)]
    widths = column_widths(columns, body, _text_width(document))
    right = [_numeric([row[c] for row in body]) for c in range(len(columns))]
    grid = document.add_table(rows=2, cols=len(columns))
    grid.style = document.styles[TABLE_STYLE]
    _set_widths(grid, widths)
    header, template = grid.rows
    _row_props(header, header=True)
    _row_props(template, header=False)
    for cell, name, align in zip(header.cells, columns, right):
        _fill(cell, name, style, bold=True)
        if align:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for cell, align in zip(template.cells, right):
        cell.paragraphs[0].style = style
        if align:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    template_tr = template._tr
    tbl = grid._tbl
    for values in body:
        tr = copy.deepcopy(template_tr)
        for paragraph, text in zip(tr.iter(qn("w:p")), values):
            if text:
                paragraph.add_r().add_t(text)
        tbl.append(tr)
    tbl.remove(template_tr)
