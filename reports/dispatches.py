"""The period's dispatch report as CSV and DOCX (the page's export and the CLI's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from data.db import Db
from data.period import Period
from data.queries import cost as cost_queries
from data.queries import operators as operator_queries
from data.queries import optouts as optout_queries
from data.queries import sms as sms_queries
from data.queries.history import HistoryFilter, Sort, history
from data.trend import bucketed, granularity_for
from i18n import fmt_cost_sums, fmt_datetime, fmt_decimal, fmt_int, fmt_money, fmt_pct, js_locale, t
from i18n.labels import left_out, operator_name, period_label, trend_labels
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
    "clicks",
    "clicks_per_clicker",
    "cost",
    "cost_per_delivered",
    "cost_per_click",
    "price_unknown",
    "optouts",
    "optout_rate",
]
#: The DOCX table: the columns of the page's grid, in its order.
DOC_COLUMNS = [
    "number",
    "name",
    "message_text",
    "recipient_group",
    "campaign",
    "sent_at",
    "sent",
    "delivered",
    "delivered_pct",
    "clicked",
    "ctr",
    "cost",
    "optouts",
]
#: Decimals of a CTR in both DOCX reports (SMS and transactional), as the KPI cards show it.
CTR_DIGITS = 2
OPTOUT_DIGITS = 2  # opt-out rates are fractions of a percent
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


KPI_KEYS = ["sent", "delivered", "not_sent", "not_delivered", "pending", "clicked", "clicks", "ctr"]
#: A message text longer than this (several SMS parts) is cut with "…" in the DOCX, so a row fits a page.
DOC_TEXT_CHARS = 640


def _plain_pct(value: float, lang: str, digits: int = 1) -> str:
    # Spreadsheet-friendly percentage: a number in the language's decimal form, no sign.
    if pd.isna(value):
        return ""
    text = f"{value * 100:.{digits}f}"
    return text.replace(".", ",") if lang == "pl" else text


def plain_decimal(value: float, lang: str) -> str:
    """Returns a ratio with two decimals in the language's decimal form, no grouping ("" when undefined)."""
    if pd.isna(value):
        return ""
    text = f"{value:.2f}"
    return text.replace(".", ",") if lang == "pl" else text


def _group_cell(row, lang: str, *, rule: bool = False) -> str:
    """Returns the recipient group of a dispatch, or how many dispatches a campaign has (and, when `rule`,
    whether a rule fills it, as the grid says)."""
    if row.kind == "campaign":
        text = t(lang, "camp.dispatches", n=int(row.dispatches))
        return text + (f" · {t(lang, 'camp.rule')}" if rule and getattr(row, "rule", None) else "")
    return row.recipient_group or ""


def csv_rows(frame: pd.DataFrame, lang: str) -> Iterator[list[str]]:
    """Yields the CSV cells of each history row (plain digits, ISO local times; the cost columns from its costs, a
    `data.queries.cost.Cost`); a campaign row has no number."""
    for row, cost in zip(frame.itertuples(index=False), frame["costs"]):
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
            str(row.clicks),
            plain_decimal(row.clicks_per_clicker, lang),
            cost_queries.plain(cost, "cost"),
            cost_queries.plain(cost, "per_delivered"),
            cost_queries.plain(cost, "per_click"),
            str(cost.unknown),
            str(int(row.optouts)),
            _plain_pct(row.optout_rate, lang, OPTOUT_DIGITS),
        ]


def dispatches_csv(db: Db, *, period: Period, lang: str, sep: str, view: HistoryView | None = None) -> Iterator[bytes]:
    """Yields the CSV file of the period's dispatches (as `view` shows them: filtered, sorted, per campaign)."""
    view = view or HistoryView()
    frame = view.rows(db, period)
    header = [t(lang, f"col.{c}") for c in CSV_COLUMNS]
    # a campaign row costs what its dispatches in view cost, as its counts are theirs
    yield from csv_chunks(header, csv_rows(frame, lang), sep=sep)


def kpi_items(row: pd.Series, lang: str) -> list[tuple[str, str]]:
    """Returns (label, formatted value) of each KPI of a kpis() row."""
    items = []
    for key in KPI_KEYS:
        if key == "ctr":
            value = fmt_pct(row["ctr"], lang, CTR_DIGITS)
        elif key == "delivered":
            value = f"{fmt_int(row['delivered'], lang)} ({fmt_pct(row['delivered_pct'], lang)})"
        elif key == "clicks":
            per = fmt_decimal(row["clicks_per_clicker"], lang, 2)
            value = f"{fmt_int(row['clicks'], lang)} ({t(lang, 'kpi.per_clicker', per=per)})"
        else:
            value = fmt_int(row[key], lang)
        items.append((t(lang, "col.clicks" if key == "clicks" else f"kpi.{key}"), value))
    return items


def doc_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Returns the dispatch table as the DOCX shows it: the grid's columns (a campaign row: its name,
    description, dispatch count and first – last send), translated headers, formatted cells."""

    def text(value) -> str:
        return "" if value is None or pd.isna(value) else str(value)

    def short(value) -> str:
        value = text(value)
        return value if len(value) <= DOC_TEXT_CHARS else value[: DOC_TEXT_CHARS - 1] + "…"

    def when(row) -> str:
        label = fmt_datetime(pd.Timestamp(row.sent_at).to_pydatetime(), lang)
        if row.kind == "campaign" and row.last_at != row.sent_at:
            label += " – " + fmt_datetime(pd.Timestamp(row.last_at).to_pydatetime(), lang)
        return label

    rows = list(frame.itertuples(index=False))
    cells = {
        "number": frame["number"].map(lambda v: "" if v is None or pd.isna(v) else str(int(v))),
        "name": frame["name"].map(text),
        "message_text": frame["message_text"].map(short),
        "recipient_group": [_group_cell(r, lang, rule=True) for r in rows],
        "campaign": frame["campaign_name"].map(text),
        "sent_at": [when(r) for r in rows],
        "sent": frame["sent"].map(lambda v: fmt_int(v, lang)),
        "delivered": frame["delivered"].map(lambda v: fmt_int(v, lang)),
        "delivered_pct": frame["delivered_pct"].map(lambda v: fmt_pct(v, lang)),
        "clicked": frame["clicked"].map(lambda v: fmt_int(v, lang)),
        "ctr": frame["ctr"].map(lambda v: fmt_pct(v, lang, CTR_DIGITS)),
        "cost": [fmt_cost_sums(c, lang) for c in frame["costs"]],
        "optouts": [f"{fmt_int(r.optouts, lang)} ({fmt_pct(r.optout_rate, lang, OPTOUT_DIGITS)})" for r in rows],
    }
    return pd.DataFrame({t(lang, f"col.{c}"): cells[c] for c in DOC_COLUMNS})


def cost_items(cost, lang: str) -> list[tuple[str, str]]:
    """Returns the DOCX's cost lines (label, value) of a `data.queries.cost.Cost`: each currency's sum with its cost
    per delivered message and per click, and the messages without a price; none when no message has a price."""
    if not cost.known:
        return []
    items = []
    for currency, c in cost.currencies.items():
        per = t(
            lang,
            "cost.per",
            delivered=fmt_money(c.per_delivered, currency, lang, 4),
            click=fmt_money(c.per_click, currency, lang, 4),
        )
        items.append((t(lang, "cost.title"), f"{fmt_money(c.cost, currency, lang)} ({per})"))
    if cost.unknown:
        items.append((t(lang, "col.price_unknown"), fmt_int(cost.unknown, lang)))
    return items


def optout_item(optouts, lang: str) -> tuple[str, str]:
    """Returns the DOCX's opt-out line (label, value) of a `data.queries.optouts.OptOuts`: the count and the rate."""
    return t(lang, "optout.title"), t(
        lang, "optout.cell", count=fmt_int(optouts.optouts, lang), pct=fmt_pct(optouts.rate, lang, OPTOUT_DIGITS)
    )


def operator_doc_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Returns the "by operator" table as the DOCX shows it (`data.queries.operators.breakdown`): operator (the
    worst one marked), sent, delivered, delivery rate, not delivered and its reasons, most frequent first."""
    names = [
        operator_name(k, lang) + (f" ({t(lang, 'ops.worst')})" if worst else "")
        for k, worst in zip(frame["key"], frame["worst"])
    ]
    reasons = [
        ", ".join(t(lang, f"reason.{r or 'none'}") + " " + fmt_int(n, lang) for r, n in rs) for rs in frame["reasons"]
    ]
    return pd.DataFrame(
        {
            t(lang, "ops.col.operator"): names,
            t(lang, "col.sent"): frame["sent"].map(lambda v: fmt_int(v, lang)),
            t(lang, "col.delivered"): frame["delivered"].map(lambda v: fmt_int(v, lang)),
            t(lang, "ops.col.delivered_pct"): frame["delivered_pct"].map(lambda v: fmt_pct(v, lang)),
            t(lang, "kpi.not_delivered"): frame["not_delivered"].map(lambda v: fmt_int(v, lang)),
            t(lang, "ops.col.reasons"): reasons,
        }
    )


def has_messages(trend: pd.DataFrame) -> bool:
    """True when a daily trend holds any message (an empty period draws no chart)."""
    return bool(len(trend)) and bool(pd.to_numeric(trend.get("sent", pd.Series(dtype=float))).fillna(0).sum() > 0)


def dispatches_docx(
    db: Db, *, period: Period, lang: str, generated_at: dt.datetime, view: HistoryView | None = None
) -> bytes:
    """Returns the DOCX report of the period: title, period, time zone, KPIs, trend picture, and the
    table as `view` shows it."""
    frame = (view or HistoryView()).rows(db, period)
    totals, _prev, trend = sms_queries.period_summary(db, period=period)
    operators = operator_queries.period_breakdowns(db, period=period)["operator"]
    cost = cost_queries.period_cost(db, period=period)
    optouts = optout_queries.period_optouts(db, period=period)
    grain = granularity_for(period)  # the page's "auto"
    return report_docx(
        title=t(lang, "doc.title"),
        meta=[
            (t(lang, "doc.period"), period_label(period, lang)),
            (t(lang, "doc.timezone"), period.tz),
            (t(lang, "doc.generated"), fmt_datetime(generated_at, lang)),
        ]
        + ([(t(lang, "doc.left_out"), gone)] if (gone := left_out(months_left_out(db), lang)) else []),
        kpis=kpi_items(totals, lang) + cost_items(cost, lang) + [optout_item(optouts, lang)],
        chart_png=trend_png(bucketed(trend, grain), labels=trend_labels(lang), lang=lang, grain=grain)
        if has_messages(trend)
        else None,
        no_chart=t(lang, "trend.empty"),
        table=doc_table(frame, lang),
        table_title=t(lang, "doc.table"),
        no_rows=t(lang, "doc.no_dispatches"),
        language=js_locale(lang),
        extra_tables=[(t(lang, "ops.doc_title"), operator_doc_table(operators, lang))],
    )


def dispatches_report(
    db: Db, fmt: str, *, period: Period, lang: str, sep: str, generated_at: dt.datetime, view: HistoryView
) -> Iterator[bytes] | bytes:
    """Returns the dispatch report the page downloads and `export dispatches` writes, for the same view the same
    file: CSV chunks (to stream) when `fmt` is "csv", else the DOCX bytes."""
    if fmt == "csv":
        return dispatches_csv(db, period=period, lang=lang, sep=sep, view=view)
    if fmt == "docx":
        return dispatches_docx(db, period=period, lang=lang, generated_at=generated_at, view=view)
    raise ValueError(f"fmt must be csv or docx, not {fmt!r}")


def months_left_out(db: Db) -> dict[str, str]:
    """Returns the months every answer leaves out (files that cannot be read, or gone), each with why."""
    from data.db import LakeUnavailable

    try:
        return db.unreadable()
    except LakeUnavailable:
        return {}
