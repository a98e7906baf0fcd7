"""The Scheduled reports page (analyst and admin roles): a form that adds a schedule, and the schedules with
their next due time and the outcome of their last run."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from babel.dates import get_day_names
from dash import html

from i18n import LOCALES, fmt_instant, t
from layouts.components import icon_button, page_heading, titled_card, warning_alert
from layouts.ids import Sched

PAGES = ("sms", "transactional")
EVERY = ("daily", "weekly", "monthly")
PERIODS = ("yesterday", "last-week", "last-month", "month-to-date")
LAST_DAY = 0  # a monthly schedule's day meaning the month's last (data/recurrence.py)
DEFAULT_VIEW = "default"  # the view choice meaning the page's default table


def weekday(lang: str, day: int) -> str:
    """Returns the name of an ISO weekday (1 Monday .. 7 Sunday) in `lang`."""
    return get_day_names("wide", locale=LOCALES[lang])[day - 1]


def day_options(lang: str, every: str | None) -> list[dict]:
    """Returns the days a schedule of `every` can be sent on: weekdays, days 1-28 and the last; none for daily."""
    if every == "weekly":
        return [{"label": weekday(lang, d), "value": str(d)} for d in range(1, 8)]
    if every == "monthly":
        return [{"label": str(d), "value": str(d)} for d in range(1, 29)] + [
            {"label": t(lang, "sched.day.last"), "value": str(LAST_DAY)}
        ]
    return []


def view_options(lang: str, views: list[tuple[int, str]]) -> list[dict]:
    """Returns the choices of the view a schedule sends: the page's default table, then `views` (id, name)."""
    return [{"label": t(lang, "sched.view.default"), "value": DEFAULT_VIEW}] + [
        {"label": name, "value": str(view_id)} for view_id, name in views
    ]


def _field(label: str, control, width: int) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small fw-semibold mb-1"), control], md=width)


def _select(id_: str, options: list[dict], value: str | None, **more) -> dbc.Select:
    return dbc.Select(id=id_, options=options, value=value, size="sm", **more)


def page(lang: str, tz: str, *, smtp_ready: bool) -> html.Div:
    """Returns the page: the form that adds a schedule, and the list its callback fills; a note when no SMTP
    server is configured (`smtp_ready` False)."""
    form = dbc.Row(
        [
            _field(
                t(lang, "sched.report"),
                _select(Sched.PAGE, [{"label": t(lang, f"sched.page.{p}"), "value": p} for p in PAGES], "sms"),
                3,
            ),
            _field(t(lang, "sched.view"), _select(Sched.VIEW, view_options(lang, []), DEFAULT_VIEW), 3),
            _field(
                t(lang, "sched.formats"),
                dbc.Checklist(
                    id=Sched.FORMATS,
                    options=[{"label": "CSV", "value": "csv"}, {"label": "DOCX", "value": "docx"}],
                    value=["csv", "docx"],
                    inline=True,
                    className="pt-1",
                ),
                2,
            ),
            _field(
                t(lang, "sched.every"),
                _select(Sched.EVERY, [{"label": t(lang, f"sched.every.{e}"), "value": e} for e in EVERY], "weekly"),
                2,
            ),
            _field(t(lang, "sched.day"), _select(Sched.DAY, day_options(lang, "weekly"), "1"), 2),
            _field(
                t(lang, "sched.hour"),
                _select(Sched.HOUR, [{"label": f"{h:02d}:00", "value": str(h)} for h in range(24)], "8"),
                1,
            ),
            _field(
                t(lang, "sched.period"),
                _select(
                    Sched.PERIOD, [{"label": t(lang, f"sched.period.{p}"), "value": p} for p in PERIODS], "last-week"
                ),
                2,
            ),
            _field(
                t(lang, "sched.to"),
                dbc.Input(id=Sched.TO, size="sm", placeholder=t(lang, "sched.to_hint"), autoComplete="off"),
                4,
            ),
            _field(
                t(lang, "sched.lang"),
                _select(Sched.LANG, [{"label": "Polski", "value": "pl"}, {"label": "English", "value": "en"}], lang),
                2,
            ),
            dbc.Col(
                icon_button("envelope-plus", t(lang, "sched.add"), id=Sched.ADD, color="primary", className="w-100"),
                md=3,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2",
    )
    return html.Div(
        [
            *page_heading(lang, t(lang, "sched.title"), tz, Sched.TIMEZONE, spacing="mb-2"),
            html.P(t(lang, "sched.hint"), className="small text-muted mb-3"),
            *([] if smtp_ready else [warning_alert(t(lang, "sched.smtp_missing"))]),
            dbc.Card(
                [
                    dbc.CardHeader(t(lang, "sched.new"), className="fw-semibold"),
                    dbc.CardBody([form, html.Div(id=Sched.MESSAGE, className="mt-2")]),
                ],
                className="mb-3",
            ),
            titled_card(
                t(lang, "sched.list"),
                [
                    icon_button(
                        "arrow-clockwise", t(lang, "sched.refresh"), id=Sched.REFRESH, color="secondary", outline=True
                    )
                ],
                html.Div(id=Sched.LIST),
            ),
        ]
    )


def done(text: str) -> dbc.Alert:
    """Returns the note that a schedule was added or removed."""
    return dbc.Alert([html.I(className="bi bi-check-circle me-2"), text], color="success", className="mb-0 py-2")


def when_text(lang: str, every: str, day: int | None, hour: int) -> str:
    """Returns when a schedule is sent, in words ("every Monday at 07:00")."""
    at = f"{hour:02d}:00"
    if every == "weekly":
        return t(lang, "sched.when.weekly", day=weekday(lang, int(day or 1)), hour=at)
    if every == "monthly":
        if day == LAST_DAY:
            return t(lang, "sched.when.monthly_last", hour=at)
        return t(lang, "sched.when.monthly", day=day, hour=at)
    return t(lang, "sched.when.daily", hour=at)


def last_text(lang: str, run: dict | None, tz: str) -> html.Span:
    """Returns the outcome of a schedule's last run (sent, late, resent, sending, retrying or failed with why)
    and its due time; "not yet" when it has none."""
    if run is None:
        return html.Span(t(lang, "sched.never"), className="text-muted")
    state = run["state"]
    if state == "sent":
        key = "sched.state.resent" if run["resent"] else "sched.state.late" if run["late"] else "sched.state.sent"
        label, color = t(lang, key), "text-success"
    elif state == "sending":
        label, color = t(lang, "sched.state.sending"), "text-muted"
    else:
        label = t(lang, f"sched.state.{'retry' if state == 'retry' else 'failed'}", error=run["error"])
        color = "text-warning" if state == "retry" else "text-danger"
    when = fmt_instant(run["due_at"], lang, tz)
    extra = f" ({t(lang, 'sched.manual')})" if run["manual"] else ""
    return html.Span(
        [
            html.Span(label, className=f"{color} fw-semibold"),
            html.Br(),
            html.Small(when + extra, className="text-muted"),
        ],
        **{"data-state": state},
    )


def schedule_table(lang: str, rows: list[dict], tz: str) -> html.Div | dbc.Table:
    """Returns the schedules (dicts: id, page, view (a saved view's name, "" for the default), formats, every, day,
    hour, period, recipients, lang, owner, next, last) as a table with a remove button on each row; times in the reporting time zone `tz`."""
    if not rows:
        return html.Div(t(lang, "sched.empty"), className="text-muted")
    columns = ("id", "report", "when", "period", "to", "owner", "next", "last")
    head = html.Thead(html.Tr([html.Th(t(lang, f"sched.col.{c}")) for c in columns] + [html.Th("")]))
    body = []
    for row in rows:
        report = f"{t(lang, 'sched.page.' + row['page'])} · {' + '.join(f.upper() for f in row['formats'])}"
        if row.get("view"):
            report += " · " + t(lang, "sched.view.named", name=row["view"])
        body.append(
            html.Tr(
                [
                    html.Td(str(row["id"])),
                    html.Td([report, html.Br(), html.Small(row["lang"].upper(), className="text-muted")]),
                    html.Td(when_text(lang, row["every"], row["day"], row["hour"])),
                    html.Td(t(lang, f"sched.period.{row['period']}")),
                    html.Td(html.Small(", ".join(row["recipients"]))),
                    html.Td(row["owner"]),
                    html.Td(fmt_instant(row["next"], lang, tz), className="text-nowrap"),
                    html.Td(last_text(lang, row["last"], tz)),
                    html.Td(
                        icon_button(
                            "trash",
                            t(lang, "sched.remove"),
                            id={"type": Sched.REMOVE, "index": row["id"]},
                            color="danger",
                            outline=True,
                        )
                    ),
                ],
                **{"data-schedule": str(row["id"])},
            )
        )
    return dbc.Table([head, html.Tbody(body)], size="sm", striped=True, hover=True, responsive=True, className="mb-0")
