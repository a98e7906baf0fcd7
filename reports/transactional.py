"""The transactional report: the campaign table of a period (as the page shows it, and as CSV
and DOCX), and a campaign's messages as CSV. Used by the page, the routes and the CLI."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pandas as pd

from data.db import Db
from data.period import Period
from data.queries import cost as cost_queries
from data.queries import transactional as trx_queries
from data.queries.transactional import Campaign
from data.trend import bucketed, granularity_for
from i18n import fmt_datetime, fmt_int, fmt_pct, js_locale, t
from i18n.labels import left_out, named_campaigns, period_label, source_name, trend_labels
from reports.chart import trend_png
from reports.csv_writer import csv_chunks, msisdn_digits
from reports.dispatches import CTR_DIGITS, has_messages, months_left_out, plain_decimal
from reports.docx import report_docx

CSV_COLUMNS = [
    "campaign",
    "recipients",
    "sent",
    "delivered",
    "delivered_pct",
    "not_sent",
    "not_delivered",
    "pending",
    "clicked",
    "ctr",
    "clicked_raw",
    "ctr_raw",
    "clicks",
    "clicks_per_clicker",
    "cost",
    "cost_per_delivered",
    "cost_per_click",
    "price_unknown",
]
DOC_COLUMNS = ["campaign", "sent", "delivered", "delivered_pct", "clicked", "ctr", "ctr_raw"]
MESSAGE_COLUMNS = [
    "created_at",
    "msisdn",
    "source",
    "status",
    "reason",
    "done_at",
    "clicks_human",
    "clicks_raw",
    "first_click",
]


def header(column: str, lang: str) -> str:
    """Returns the translated header of a table column (shared with the SMS report where they mean the same)."""
    own = {
        "campaign",
        "clicked_raw",
        "ctr_raw",
        "source",
        "created_at",
        "done_at",
        "clicks_human",
        "clicks_raw",
        "first_click",
        "status",
        "reason",
    }
    if column == "msisdn":
        return t(lang, "col.msisdn")
    return t(lang, f"trx.col.{column}") if column in own else t(lang, f"col.{column}")


def campaign_records(db: Db, *, period: Period, lang: str, source: str | None = None, text: str = "") -> list[dict]:
    """Returns the period's campaign rows as the page shows them: `trx_queries.trx_campaign_records`
    plus `campaign` (the shown name), narrowed to names containing `text` (any case)."""
    return named_campaigns(trx_queries.trx_campaign_records(db, period=period, source=source), lang, text)


def campaign_table(db: Db, *, period: Period, lang: str, source: str | None = None, text: str = "") -> pd.DataFrame:
    """Returns `campaign_records(...)` as a DataFrame (`campaign` first, then `trx_queries.trx_campaign_frame`'s columns)."""
    return trx_queries.trx_campaign_frame(
        campaign_records(db, period=period, lang=lang, source=source, text=text), extra=["campaign"]
    )


def plain_pct(value: float, lang: str) -> str:
    """Returns a share as a spreadsheet-friendly percentage ("4,3" / "4.3"); "" when undefined."""
    if pd.isna(value):
        return ""
    text = f"{value * 100:.1f}"
    return text.replace(".", ",") if lang == "pl" else text


def csv_rows(frame: pd.DataFrame, lang: str, costs: dict | None = None) -> Iterator[list[str]]:
    """Yields the CSV cells of each campaign row (plain digits, percentages as numbers; the cost columns from
    `costs`: campaign label -> `data.queries.cost.Cost`)."""
    none = cost_queries.Cost({}, 0)
    for row in frame.itertuples(index=False):
        cost = (costs or {}).get(row.campaign_label, none)
        yield [
            row.campaign,
            str(row.recipients),
            str(row.sent),
            str(row.delivered),
            plain_pct(row.delivered_pct, lang),
            str(row.not_sent),
            str(row.not_delivered),
            str(row.pending),
            str(row.clicked),
            plain_pct(row.ctr, lang),
            str(row.clicked_raw),
            plain_pct(row.ctr_raw, lang),
            str(row.clicks),
            plain_decimal(row.clicks_per_clicker, lang),
            cost_queries.plain(cost, "cost"),
            cost_queries.plain(cost, "per_delivered"),
            cost_queries.plain(cost, "per_click"),
            str(cost.unknown),
        ]


def transactional_csv(
    db: Db, *, period: Period, lang: str, sep: str, source: str | None = None, text: str = ""
) -> Iterator[bytes]:
    """Yields the CSV file of the period's campaign table."""
    frame = campaign_table(db, period=period, lang=lang, source=source, text=text)
    params: dict[str, object] = {}
    where = trx_queries.trx_filter(source, None, params)
    costs = cost_queries.trx_costs(db, period=period, where=where, params=params)
    yield from csv_chunks([header(c, lang) for c in CSV_COLUMNS], csv_rows(frame, lang, costs), sep=sep)


def kpi_items(row: pd.Series, lang: str) -> list[tuple[str, str]]:
    """Returns (label, formatted value) of each KPI of a `trx_queries.trx_kpis` row."""
    return [
        (t(lang, "trx.kpi.sent"), fmt_int(row["sent"], lang)),
        (t(lang, "trx.kpi.delivered"), f"{fmt_int(row['delivered'], lang)} ({fmt_pct(row['delivered_pct'], lang)})"),
        (t(lang, "trx.kpi.clicked"), fmt_int(row["clicked"], lang)),
        (t(lang, "col.clicks"), fmt_int(row["clicks"], lang)),
        (t(lang, "trx.kpi.ctr"), fmt_pct(row["ctr"], lang, CTR_DIGITS)),
        (t(lang, "trx.kpi.ctr_raw"), fmt_pct(row["ctr_raw"], lang, CTR_DIGITS)),
    ]


def doc_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Returns the campaign table as the DOCX shows it: translated headers, formatted cells."""
    cells = {
        "campaign": frame["campaign"],
        "sent": frame["sent"].map(lambda v: fmt_int(v, lang)),
        "delivered": frame["delivered"].map(lambda v: fmt_int(v, lang)),
        "delivered_pct": frame["delivered_pct"].map(lambda v: fmt_pct(v, lang)),
        "clicked": frame["clicked"].map(lambda v: fmt_int(v, lang)),
        "ctr": frame["ctr"].map(lambda v: fmt_pct(v, lang, CTR_DIGITS)),
        "ctr_raw": frame["ctr_raw"].map(lambda v: fmt_pct(v, lang, CTR_DIGITS)),
    }
    return pd.DataFrame({header(c, lang): cells[c] for c in DOC_COLUMNS})


def transactional_docx(
    db: Db, *, period: Period, lang: str, generated_at: dt.datetime, source: str | None = None, text: str = ""
) -> bytes:
    """Returns the DOCX report: title, period, filters, time zone, KPIs, the daily chart as a picture, the table."""
    frame = campaign_table(db, period=period, lang=lang, source=source, text=text)
    totals = trx_queries.trx_kpis(db, period=period, source=source).iloc[0]
    daily = trx_queries.trx_daily(db, period=period, source=source)
    grain = granularity_for(period)  # the page's "auto"
    meta = [(t(lang, "doc.period"), period_label(period, lang)), (t(lang, "trx.doc.source"), source_name(source, lang))]
    if (text or "").strip():
        meta.append((t(lang, "trx.doc.campaign_filter"), text.strip()))
    meta += [(t(lang, "doc.timezone"), period.tz), (t(lang, "doc.generated"), fmt_datetime(generated_at, lang))]
    if gone := left_out(months_left_out(db), lang):
        meta.append((t(lang, "doc.left_out"), gone))
    return report_docx(
        title=t(lang, "trx.doc.title"),
        meta=meta,
        kpis=kpi_items(totals, lang),
        chart_png=trend_png(bucketed(daily, grain), labels=trend_labels(lang), lang=lang, grain=grain)
        if has_messages(daily)
        else None,
        no_chart=t(lang, "trend.empty"),
        table=doc_table(frame, lang),
        table_title=t(lang, "trx.doc.table"),
        no_rows=t(lang, "trx.table.empty"),
        language=js_locale(lang),
    )


def _local(value) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")


def message_rows(batches, lang: str) -> Iterator[list[str]]:
    """Yields the CSV cells of each message of `trx_queries.trx_messages_batches`."""
    for batch in batches:
        columns = {name: batch.column(name).to_pylist() for name in batch.schema.names}
        for i in range(batch.num_rows):
            reason = columns["reason"][i]
            yield [
                _local(columns["created_at"][i]),
                msisdn_digits(columns["msisdn"][i]) if columns["msisdn"][i] else "",
                source_name(columns["source"][i], lang),
                t(lang, f"status.{columns['status'][i]}"),
                t(lang, f"reason.{reason}") if reason else "",
                _local(columns["done_at"][i]),
                str(columns["clicks"][i]),
                str(columns["clicks_raw"][i]),
                _local(columns["first_click"][i]),
            ]


def messages_csv(
    db: Db,
    *,
    period: Period,
    campaign: Campaign,
    lang: str,
    sep: str,
    source: str | None = None,
    batch_rows: int = 50_000,
) -> Iterator[bytes]:
    """Yields the CSV file of a campaign's messages in the period, newest first (streamed in batches);
    MonthsUnreadable before the header when a month it needs cannot be read."""
    batches = trx_queries.trx_messages_batches(
        db, period=period, campaign=campaign, source=source, batch_rows=batch_rows
    )
    yield from csv_chunks([header(c, lang) for c in MESSAGE_COLUMNS], message_rows(batches, lang), sep=sep)


def file_stem(kind: str, period: Period, lang: str, campaign: Campaign | None = None) -> str:
    """Returns a download's file name without extension, e.g. "transakcyjne-2026-10-01-2026-10-31"."""
    words = {"table": {"pl": "transakcyjne", "en": "transactional"}, "messages": {"pl": "wiadomosci", "en": "messages"}}
    parts = [words[kind]["pl" if lang == "pl" else "en"]]
    if campaign is not None:
        name = campaign.label if campaign.label is not None else ("bez-kampanii" if lang == "pl" else "no-campaign")
        parts.append(re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "kampania")
    parts += [period.start.isoformat(), period.end.isoformat()]
    return "-".join(parts)
