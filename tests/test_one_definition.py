"""One definition per figure: the same dispatch shows the same figures in the table, its details, the CSV and
the DOCX; a transactional campaign the same in the table, its expanded row, the CSV and the DOCX. Each place is
read as a user reads it (the texts of the page's components, the rows of the files)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re

import docx
import pytest

from callbacks import sms as sms_cb
from callbacks import transactional as trx_cb
from data.period import Period
from i18n import fmt_datetime, t
from layouts.ids import details_group
from reports.dispatches import dispatches_csv, dispatches_docx
from reports.transactional import transactional_csv, transactional_docx
from tests.callbacks.test_sms import texts
from tests.callbacks.test_transactional import find
from tests.conftest import TZ, UNTIL
from tests.expected import across_midnight, counts, of_dispatches, rate

GENERATED = dt.datetime(2026, 11, 25, 12, 0)
FIGURES = ["recipients", "sent", "delivered", "delivered_pct", "not_sent", "not_delivered", "pending", "clicked", "ctr"]


def number(text: str) -> tuple[float, float]:
    """Returns (value, half of its last shown digit) of a number as shown in `text` ("94,9%", "12 345", "3.7").
    A percentage comes back as a share (0.949)."""
    found = re.search(r"-?\d[\d\s\u00a0\u202f.,]*", text)
    assert found, text
    digits = re.sub(r"[\s\u00a0\u202f]", "", found.group(0)).rstrip(".,")
    decimal = "," if "," in digits and (digits.count(",") == 1 and len(digits.split(",")[1]) != 3) else "."
    if decimal == ",":
        digits = digits.replace(".", "").replace(",", ".")
    else:
        digits = digits.replace(",", "")
    places = len(digits.split(".")[1]) if "." in digits else 0
    value, half = float(digits), 0.5 * 10**-places
    if "%" in text[found.end() : found.end() + 3]:
        return value / 100, half / 100
    return value, half


def shows(text: str, value: float) -> bool:
    """Tells whether `text` shows `value` (as rounded to the digits it shows)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—" in text or text.strip() == ""
    shown, half = number(text)
    return abs(shown - value) <= half + 1e-9


def headers(lang: str) -> dict[str, str]:
    return {t(lang, f"col.{key}"): key for key in [*FIGURES, "sent_at", "number"]}


# ------------------------------------------------------------------ a dispatch


@pytest.fixture(scope="module")
def split(frames):
    """A dispatch whose messages span two local days, and the one-day period of its first day."""
    dispatch_id, began = across_midnight(frames, TZ)
    return dispatch_id, Period(began, began, TZ)


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_dispatch_reads_the_same_in_table_details_csv_and_docx(ctx, frames, split, lang):
    dispatch_id, period = split
    m = of_dispatches(frames, [dispatch_id])
    want = counts(m)
    want["delivered_pct"] = rate(want["delivered"], want["sent"])
    want["ctr"] = rate(want["clicked"], want["delivered"])
    first = m["created_at"].min().tz_convert(TZ).tz_localize(None).to_pydatetime()

    # the table (the page's grid rows)
    out = sms_cb.report(ctx, preset="custom", start=period.start.isoformat(), end=period.end.isoformat(), lang=lang)
    row = next(r for r in out["rows"] if r["dispatch_id"] == dispatch_id)
    for key in ("sent", "delivered", "delivered_pct", "clicked", "ctr"):
        assert row[key] == pytest.approx(want[key]), key
    assert row["sent_at_label"] == fmt_datetime(first, lang)
    number_ = row["number"]

    # the details dialog
    _title, body = sms_cb.details(ctx, number=number_, lang=lang)
    subtitle = " ".join(texts(body))
    assert t(lang, "details.sent_at", date=fmt_datetime(first, lang)) in subtitle  # when it went out, as the table
    summary = find(body, lambda c: "details-summary" in (getattr(c, "className", "") or ""))[0]
    parts = [" ".join(texts(span)) for span in summary.children]
    assert shows(parts[0], want["sent"]) and shows(parts[1], want["clicked"]) and shows(parts[2], want["ctr"])
    for group, base in (
        ("delivered", "sent"),
        ("not_sent", "recipients"),
        ("not_delivered", "sent"),
        ("pending", "sent"),
    ):
        card = find(body, lambda c, g=group: getattr(c, "id", None) == details_group(g))[0]
        shown = texts(card)
        assert shows(shown[1], want[group]), group
        assert shows(shown[2], rate(want[group], want[base])), (group, shown[2])
    assert shows(
        texts(find(body, lambda c: getattr(c, "id", None) == details_group("delivered"))[0])[2], row["delivered_pct"]
    )

    # the CSV
    raw = b"".join(dispatches_csv(ctx.db, period=period, lang=lang, sep=";"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    names = headers(lang)
    line = next(dict(zip(rows[0], r)) for r in rows[1:] if r[0] == str(number_))
    checked = 0
    for header, cell in line.items():
        key = names.get(header)
        if key in FIGURES:
            value = want[key] * (100 if key in ("delivered_pct", "ctr") else 1)
            assert shows(cell, value), (header, cell)
            checked += 1
    assert checked >= 7
    assert line[t(lang, "col.sent_at")] == first.strftime("%Y-%m-%d %H:%M")

    # the DOCX
    document = docx.Document(io.BytesIO(dispatches_docx(ctx.db, period=period, lang=lang, generated_at=GENERATED)))
    table = next(tb for tb in document.tables if tb.rows[0].cells[0].text == t(lang, "col.number"))
    head = [c.text for c in table.rows[0].cells]
    cells = next([c.text for c in r.cells] for r in table.rows[1:] if r.cells[0].text == str(number_))
    checked = 0
    for header, cell in zip(head, cells):
        key = names.get(header)
        if key in FIGURES:
            assert shows(cell, want[key]), (header, cell)
            checked += 1
        elif key == "sent_at":
            assert cell == fmt_datetime(first, lang)
    assert checked >= 4


def test_a_dispatch_belongs_to_the_day_it_went_out(ctx, frames, split):
    dispatch_id, period = split
    next_day = period.end + dt.timedelta(days=1)
    out = sms_cb.report(ctx, preset="custom", start=next_day.isoformat(), end=next_day.isoformat(), lang="en")
    assert dispatch_id not in {r["dispatch_id"] for r in out["rows"]}  # its later messages do not list it again


# ------------------------------------------------------------------ a transactional campaign


PERIOD = Period(dt.date(2026, 10, 1), UNTIL, TZ)


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_transactional_campaign_reads_the_same_in_table_detail_csv_and_docx(ctx, lang):
    out = trx_cb.report(ctx, preset="custom", start=PERIOD.start.isoformat(), end=PERIOD.end.isoformat(), lang=lang)
    rows = {r["row_id"]: r for r in out["rows"] if "detail_of" not in r}
    assert len(rows) >= 3
    raw = b"".join(transactional_csv(ctx.db, period=PERIOD, lang=lang, sep=";"))
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    by_name = {r[0]: dict(zip(lines[0], r)) for r in lines[1:]}
    document = docx.Document(io.BytesIO(transactional_docx(ctx.db, period=PERIOD, lang=lang, generated_at=GENERATED)))
    table = document.tables[-1]
    head = [c.text for c in table.rows[0].cells]
    in_doc = {r.cells[0].text: dict(zip(head, (c.text for c in r.cells))) for r in table.rows[1:]}
    clicked_somewhere = 0
    for key, row in rows.items():
        panel = trx_cb.detail(ctx, period=PERIOD, key=key, name=row["campaign"], source=None, lang=lang)["detail"]
        # the expanded row: its source table's total, its status shares, its time-to-first-click count
        foot = find(panel, lambda c: type(c).__name__ == "Tfoot")
        total = texts(find(foot[0], lambda c: type(c).__name__ == "Th"))
        assert shows(total[1], row["sent"]) and shows(total[2], row["delivered"]) and shows(total[3], row["clicked"])
        assert shows(total[4], row["ctr"])
        status = find(panel, lambda c: "trx-by-status" in (getattr(c, "className", "") or ""))[0]
        body = find(status, lambda c: type(c).__name__ == "Tbody")[0]
        delivered_row = texts(body.children[0])
        assert delivered_row[0] == t(lang, "group.delivered")
        assert shows(delivered_row[1], row["delivered"])
        line = by_name[row["campaign"]]
        delivered_pct = float(line[t(lang, "col.delivered_pct")].replace(",", ".")) / 100
        assert shows(delivered_row[2], delivered_pct)  # the same share as the CSV's delivered %
        # "{n} clicked messages" in whichever plural form: the text after the count
        forms = {t(lang, "trx.detail.delay_count", n=k).split(" ", 1)[1] for k in (1, 2, 5)}
        delay = [s for s in texts(panel) if s.split(" ", 1)[-1] in forms and s != s.split(" ", 1)[-1]]
        if row["clicked"]:
            clicked_somewhere += 1
            assert delay == [t(lang, "trx.detail.delay_count", n=row["clicked"])], delay
        else:
            assert not delay
        # the CSV and the DOCX rows of the same campaign
        for col in ("sent", "delivered", "clicked"):
            assert int(line[t(lang, f"col.{col}")]) == row[col]
            assert shows(in_doc[row["campaign"]][t(lang, f"col.{col}")], row[col])
        assert shows(line[t(lang, "col.ctr")] + "%", row["ctr"])
        assert shows(in_doc[row["campaign"]][t(lang, "col.ctr")], row["ctr"])
    assert clicked_somewhere >= 2


def test_status_shares_of_a_transactional_campaign_use_the_tables_bases(ctx, frames):
    # delivered % in the expanded row = delivered / sent, as the table, the CSV and the KPI card say
    key = "label:kod-2fa"
    panel = trx_cb.detail(ctx, period=PERIOD, key=key, name="kod-2fa", source=None, lang="en")["detail"]
    status = find(panel, lambda c: "trx-by-status" in (getattr(c, "className", "") or ""))[0]
    body = find(status, lambda c: type(c).__name__ == "Tbody")[0]
    shown = {texts(tr)[0]: texts(tr) for tr in body.children}
    m = frames["messages"]
    day = m["created_at"].dt.tz_convert(TZ).dt.date
    mine = m[(m["campaign_label"] == "kod-2fa") & (day >= PERIOD.start) & (day <= PERIOD.end)]
    c = counts(mine.assign(clicked=False))
    assert shows(shown[t("en", "group.delivered")][2], c["delivered"] / c["sent"])
    assert shows(shown[t("en", "group.not_sent")][2], c["not_sent"] / c["recipients"])
    assert shows(shown[t("en", "group.pending")][2], c["pending"] / c["sent"])
