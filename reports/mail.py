"""A scheduled report as an e-mail: the files the page's export makes (CSV and/or DOCX of the dispatch or the
transactional campaign table; never recipients' numbers), a short text with the KPIs in the schedule's
language, an HTML part with the trend chart inline (cid:), and the SMTP send (stdlib email and smtplib)."""

from __future__ import annotations

import datetime as dt
import html
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from data.db import Db
from data.period import Period
from data.queries import sms as sms_queries
from data.queries import transactional as trx_queries
from data.trend import bucketed, granularity_for
from i18n import fmt_instant, t
from i18n.labels import period_label, trend_labels
from reports import dispatches, transactional
from reports.chart import trend_png

DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
CSV_TYPE = ("text", "csv")


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server; the text says why in one line."""


@dataclass(frozen=True)
class Attachment:
    """A file of the report: its name, bytes, MIME type and how the access record counts its rows."""

    filename: str
    data: bytes
    mime: tuple[str, str]
    counting: str


@dataclass(frozen=True)
class Report:
    """What a scheduled report e-mail says: subject, text and HTML bodies, the chart (PNG or None), the files."""

    subject: str
    text: str
    html: str
    chart: bytes | None
    files: list[Attachment] = field(default_factory=list)


def report_files(
    db: Db,
    *,
    page: str,
    formats: tuple[str, ...],
    period: Period,
    lang: str,
    sep: str,
    generated_at: dt.datetime,
    view: dispatches.HistoryView | None = None,
    source: str | None = None,
    text: str = "",
) -> list[Attachment]:
    """Returns the report's files, made by the same builders as the page's export (`view`: the SMS page's
    campaigns, filter, sort and rows, as the export route passes them; `source` and `text`: the transactional
    table's filters)."""
    files = []
    span = f"{period.start.isoformat()}-{period.end.isoformat()}"
    for fmt in formats:
        if page == "sms":
            stem = f"{'wysylki' if lang == 'pl' else 'dispatches'}-{span}"
            if fmt == "csv":
                data = b"".join(dispatches.dispatches_csv(db, period=period, lang=lang, sep=sep, view=view))
            else:
                data = dispatches.dispatches_docx(db, period=period, lang=lang, generated_at=generated_at, view=view)
        else:
            stem = transactional.file_stem("table", period, lang)
            if fmt == "csv":
                data = b"".join(
                    transactional.transactional_csv(db, period=period, lang=lang, sep=sep, source=source, text=text)
                )
            else:
                data = transactional.transactional_docx(
                    db, period=period, lang=lang, generated_at=generated_at, source=source, text=text
                )
        files.append(
            Attachment(f"{stem}.{fmt}", data, CSV_TYPE if fmt == "csv" else DOCX_TYPE, "csv" if fmt == "csv" else fmt)
        )
    return files


def kpis_and_chart(db: Db, *, page: str, period: Period, lang: str) -> tuple[list[tuple[str, str]], bytes | None]:
    """Returns the page's KPIs as (label, value) and its trend chart as a PNG (None when the period is empty)."""
    if page == "sms":
        totals, _prev, trend = sms_queries.period_summary(db, period=period)
        items = dispatches.kpi_items(totals, lang)
    else:
        totals = trx_queries.trx_kpis(db, period=period).iloc[0]
        trend = trx_queries.trx_daily(db, period=period)
        items = transactional.kpi_items(totals, lang)
    grain = granularity_for(period)
    chart = None
    if dispatches.has_messages(trend):
        chart = trend_png(bucketed(trend, grain), labels=trend_labels(lang), lang=lang, grain=grain, dpi=100)
    return items, chart


def compose(
    *,
    page: str,
    period: Period,
    lang: str,
    kpis: list[tuple[str, str]],
    chart: bytes | None,
    files: list[Attachment],
    due: dt.datetime,
    late: bool = False,
    resent: bool = False,
    schedule_id: int | None = None,
) -> Report:
    """Returns the report's subject and bodies in `lang`: title and period, the KPIs, the files' names, and
    why it comes late (the app was not running at `due`) or again (an earlier try may have arrived)."""
    title = t(lang, "doc.title" if page == "sms" else "trx.doc.title")
    label = period_label(period, lang)
    tags = ([t(lang, "mail.tag.late")] if late else []) + ([t(lang, "mail.tag.resent")] if resent else [])
    subject = " ".join([*(f"[{tag}]" for tag in tags), f"{title}: {label}"])
    notes = []
    if late:
        notes.append(t(lang, "mail.late", due=fmt_instant(due, lang, period.tz)))
    if resent:
        notes.append(t(lang, "mail.resent"))
    footer = t(lang, "mail.footer", id=schedule_id if schedule_id is not None else "-")
    names = ", ".join(f.filename for f in files)
    head = [title, f"{t(lang, 'doc.period')}: {label} ({period.tz})"]
    text = "\n".join(
        [*head, "", *notes, *([""] if notes else []), *(f"{k}: {v}" for k, v in kpis), ""]
        + ([t(lang, "mail.attached", files=names)] if files else [])
        + ([t(lang, "trend.empty")] if chart is None else [])
        + ["", "-- ", footer]
    )
    esc = html.escape
    rows = "".join(
        f'<tr><td style="padding:2px 12px 2px 0">{esc(k)}</td><td style="text-align:right"><b>{esc(v)}</b></td></tr>'
        for k, v in kpis
    )
    picture = (
        f'<p><img src="cid:{{chart}}" alt="{esc(t(lang, "mail.chart"))}" style="max-width:100%"></p>'
        if chart is not None
        else f"<p>{esc(t(lang, 'trend.empty'))}</p>"
    )
    body = (
        f'<!DOCTYPE html><html lang="{lang}"><body style="font-family:Arial,sans-serif;font-size:14px">'
        f'<h2 style="margin:0 0 4px">{esc(title)}</h2><p style="margin:0 0 12px;color:#555">{esc(head[1])}</p>'
        + "".join(f'<p style="color:#8a4b00"><b>{esc(n)}</b></p>' for n in notes)
        + f"<table>{rows}</table>{picture}"
        + (f"<p>{esc(t(lang, 'mail.attached', files=names))}</p>" if files else "")
        + f'<p style="color:#777;font-size:12px">{esc(footer)}</p></body></html>'
    )
    return Report(subject=subject, text=text, html=body, chart=chart, files=files)


def message(report: Report, *, sender: str, recipients: tuple[str, ...] | list[str]) -> EmailMessage:
    """Returns the e-mail of a report: text and HTML alternatives (the chart related to the HTML by its
    Content-ID), the files attached."""
    msg = EmailMessage()
    msg["Subject"] = report.subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(report.text)
    cid = make_msgid(domain="smsreports")
    msg.add_alternative(report.html.replace("{chart}", cid[1:-1]), subtype="html")
    if report.chart is not None:
        msg.get_payload()[1].add_related(report.chart, "image", "png", cid=cid, filename="chart.png")
    for file in report.files:
        msg.add_attachment(file.data, maintype=file.mime[0], subtype=file.mime[1], filename=file.filename)
    return msg


@dataclass(frozen=True)
class Smtp:
    """Where and how e-mail is sent: host, port (None: the security's usual one), security (starttls, tls,
    none), credentials (none: no log-in), the sender address, and the timeout of each step."""

    host: str | None
    port: int | None = None
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None
    timeout_s: float = 30.0


def send(msg: EmailMessage, smtp: Smtp) -> list[str]:
    """Hands `msg` to the SMTP server (to every address of its To header); returns the addresses it refused
    while taking the others (each with its code); MailError naming why nothing was taken."""
    if not smtp.host or not smtp.sender:
        raise MailError("SMTP is not configured (SMSREPORTS_SMTP_HOST, SMSREPORTS_SMTP_FROM)")
    port = smtp.port or {"tls": 465, "starttls": 587}.get(smtp.security, 25)
    try:
        if smtp.security == "tls":
            client = smtplib.SMTP_SSL(smtp.host, port, timeout=smtp.timeout_s, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, port, timeout=smtp.timeout_s)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            refused = client.send_message(msg)
        return [f"{address} ({code})" for address, (code, _why) in refused.items()]
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:300]) from exc
