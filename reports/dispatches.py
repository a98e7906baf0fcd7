"""The period's dispatch report as CSV and DOCX (the page's export and the CLI's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from data.db import Db
from data.period import Period
from data.queries import sms as sms_queries
from data.queries.history import HistoryFilter, Sort, history
from data.trend import bucketed, granularity_for
from i18n import fmt_datetime, fmt_int, fmt_pct, t
from i18n.labels import left_out, period_label, trend_labels
from reports.chart import trend_png
from reports.csv_writer import csv_chunks
from reports.docx import report_docx

CSV_COLUMNS = [
    "number",
    "name",
    "message_text",
    "recipient_group",
    "campaign",
    "sent_at",
    "last_at",
    "recipients",
    "sent",
    "delivered",
    "delivered_pct",
    "not_sent",
    "not_delivered",
    "pending",
    "clicked",
    "ctr",
]
DOC_COLUMNS = [
    "number",
    "message_text",
    "recipient_group",
    "campaign",
    "sent_at",
    "sent",
    "delivered",
    "delivered_pct",
    "ctr",
]
EMPTY = pd.DataFrame(columns=["id", "name", "description", "rule"])


@dataclass(frozen=True)
class HistoryView:
    """What the page showed: campaigns and their members, the grouping filter, the sort, and
    whether a campaign is one row ("campaign") or its dispatches are rows ("dispatch")."""

    campaigns: pd.DataFrame = field(default_factory=lambda: EMPTY)
    members: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["dispatch_id", "campaign_id"]))
    flt: HistoryFilter | None = None
    sort: Sort | None = None
    per: str = "dispatch"

    def rows(self, db: Db, period: Period) -> pd.DataFrame:
        """Returns the history rows of the period as the page would show them (campaigns closed)."""
        return history(
            db,
            period=period,
            campaigns=self.campaigns,
            members=self.members,
            flt=self.flt,
            sort=self.sort,
            per=self.per,
        )


KPI_KEYS = ["sent", "delivered", "not_sent", "not_delivered", "pending", "clicked", "ctr"]
DOC_TEXT_CHARS = 70


def _plain_pct(value: float, lang: str) -> str:
    # Spreadsheet-friendly percentage: a number in the language's decimal form, no sign.
    if pd.isna(value):
        return ""
    text = f"{value * 100:.1f}"
    return text.replace(".", ",") if lang == "pl" else text


def _group_cell(row, lang: str) -> str:
    if row.kind == "campaign":
        return t(lang, "camp.dispatches", n=int(row.dispatches))
    return row.recipient_group or ""


def csv_rows(frame: pd.DataFrame, lang: str) -> Iterator[list[str]]:
    """Yields the CSV cells of each history row (plain digits, ISO local times); a campaign row has no number."""
    for row in frame.itertuples(index=False):
        yield [
            "" if row.number is None or pd.isna(row.number) else str(int(row.number)),
            row.name or "",
            row.message_text or "",
            _group_cell(row, lang),
            row.campaign_name or "",
            pd.Timestamp(row.sent_at).strftime("%Y-%m-%d %H:%M"),
            pd.Timestamp(row.last_at).strftime("%Y-%m-%d %H:%M"),
            str(row.recipients),
            str(row.sent),
            str(row.delivered),
            _plain_pct(row.delivered_pct, lang),
            str(row.not_sent),
            str(row.not_delivered),
            str(row.pending),
            str(row.clicked),
            _plain_pct(row.ctr, lang),
        ]


def dispatches_csv(db: Db, *, period: Period, lang: str, sep: str, view: HistoryView | None = None) -> Iterator[bytes]:
    """Yields the CSV file of the period's dispatches (as `view` shows them: filtered, sorted, per campaign)."""
    frame = (view or HistoryView()).rows(db, period)
    header = [t(lang, f"col.{c}") for c in CSV_COLUMNS]
    yield from csv_chunks(header, csv_rows(frame, lang), sep=sep)


def kpi_items(row: pd.Series, lang: str) -> list[tuple[str, str]]:
    """Returns (label, formatted value) of each KPI of a kpis() row."""
    items = []
    for key in KPI_KEYS:
        if key == "ctr":
            value = fmt_pct(row["ctr"], lang)
        elif key == "delivered":
            value = f"{fmt_int(row['delivered'], lang)} ({fmt_pct(row['delivered_pct'], lang)})"
        else:
            value = fmt_int(row[key], lang)
        items.append((t(lang, f"kpi.{key}"), value))
    return items


def doc_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Returns the dispatch table as shown in the DOCX: translated headers, formatted cells."""

    def short(text: str | None) -> str:
        text = text or ""
        return text if len(text) <= DOC_TEXT_CHARS else text[: DOC_TEXT_CHARS - 1] + "…"

    cells = {
        "number": frame["number"].map(lambda v: "" if v is None or pd.isna(v) else str(int(v))),
        "message_text": [
            short(n if k == "campaign" else m) for k, n, m in zip(frame["kind"], frame["name"], frame["message_text"])
        ],
        "recipient_group": [_group_cell(r, lang) for r in frame.itertuples(index=False)],
        "campaign": frame["campaign_name"].map(lambda v: "" if v is None or pd.isna(v) else v),
        "sent_at": frame["sent_at"].map(lambda v: fmt_datetime(pd.Timestamp(v).to_pydatetime(), lang)),
        "sent": frame["sent"].map(lambda v: fmt_int(v, lang)),
        "delivered": frame["delivered"].map(lambda v: fmt_int(v, lang)),
        "delivered_pct": frame["delivered_pct"].map(lambda v: fmt_pct(v, lang)),
        "ctr": frame["ctr"].map(lambda v: fmt_pct(v, lang)),
    }
    return pd.DataFrame({t(lang, f"col.{c}"): cells[c] for c in DOC_COLUMNS})


def dispatches_docx(
    db: Db, *, period: Period, lang: str, generated_at: dt.datetime, view: HistoryView | None = None
) -> bytes:
    """Returns the DOCX report of the period: title, period, time zone, KPIs, trend picture, and the
    table as `view` shows it."""
    frame = (view or HistoryView()).rows(db, period)
    totals, _prev, trend = sms_queries.period_summary(db, period=period)
    grain = granularity_for(period)  # the page's "auto"
    return report_docx(
        title=t(lang, "doc.title"),
        meta=[
            (t(lang, "doc.period"), period_label(period, lang)),
            (t(lang, "doc.timezone"), period.tz),
            (t(lang, "doc.generated"), fmt_datetime(generated_at, lang)),
        ]
        + ([(t(lang, "doc.left_out"), gone)] if (gone := left_out(months_left_out(db), lang)) else []),
        kpis=kpi_items(totals, lang),
        chart_png=trend_png(bucketed(trend, grain), labels=trend_labels(lang), lang=lang, grain=grain),
        table=doc_table(frame, lang),
        table_title=t(lang, "doc.table"),
    )


def months_left_out(db: Db) -> dict[str, str]:
    """Returns the months every answer leaves out (files that cannot be read, or gone), each with why."""
    from data.db import LakeUnavailable

    try:
        return db.unreadable()
    except LakeUnavailable:
        return {}
