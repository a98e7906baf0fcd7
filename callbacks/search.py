"""Callbacks of "find one message" on the SMS page: thin wrappers over `search`."""

from __future__ import annotations

from dash import Input, Output, State, no_update
from dash import ctx as dash_ctx

from callbacks import inputs
from callbacks.context import PageContext
from callbacks.notices import failure_alert
from data.pii import mask_msisdn
from data.queries.search import SearchError, find_messages, parse_query
from i18n import lang_or_default, t
from layouts import search as layout
from layouts.ids import Search, Shell


def search(ctx: PageContext, *, text: str | None, lang: str | None) -> tuple[str, object, dict]:
    """Returns (title, body, record) for a search text: the results dialog's title and body, and
    what the access record gets (the keyword arguments of `ctx.record("search", ...)`).

    Numbers are shown in full to roles that may download numbers (analyst, admin),
    masked to viewers. The access record never holds a searched number in full (`searched`)."""
    lang = lang_or_default(lang)
    try:
        query = parse_query(text, region=ctx.config.default_region)
    except SearchError as exc:
        return layout.title(None, lang), layout.error(t(lang, exc.key)), {"outcome": "invalid", "detail": exc.key}
    reveal = ctx.can("numbers")
    try:
        try:
            found = find_messages(ctx.db, query=query, tz=ctx.tz, reveal=reveal)
        except Exception as exc:  # noqa: BLE001
            if not ctx.db.note_failure(exc):  # a lake file found unreadable: search again without its month
                raise
            found = find_messages(ctx.db, query=query, tz=ctx.tz, reveal=reveal)
    except Exception as exc:  # noqa: BLE001 - the dialog shows a readable message instead of a traceback
        record = {"outcome": "failed", "filter": searched(query), "detail": type(exc).__name__}
        return layout.title(None, lang), failure_alert(exc, lang, "search"), record
    body = layout.results(
        found.messages,
        total=found.total,
        by=found.by,
        value=found.value,
        lang=lang,
        masked=not reveal,
        slow_months=list(found.raw_months) if ctx.db.use_rollups else None,
    )
    return layout.title(found.value, lang), body, {"filter": {**searched(query), "by": found.by}, "rows": found.total}


def searched(query) -> dict[str, str]:
    """Returns what a search asked for, as the access record keeps it: a phone number masked
    (`data.pii.mask_msisdn`, as a viewer sees it: country, first three and last two digits)
    and a message id as typed (an id is no personal data without the lake behind it)."""
    if query.number is not None:
        return {"number": mask_msisdn(query.number)}
    return {"message_id": query.message_id or ""}


def register(app, ctx: PageContext) -> None:
    """Registers the search's callback on `app`."""

    @app.callback(
        Output(Search.MODAL, "is_open"),
        Output(Search.TITLE, "children"),
        Output(Search.BODY, "children"),
        Input(Search.BUTTON, "n_clicks"),
        Input(Search.TEXT, "n_submit"),
        Input(Search.CLOSE, "n_clicks"),
        State(Search.TEXT, "value"),
        State(Shell.LANG, "data"),
        prevent_initial_call=True,
    )
    def run_search(_clicks, _submits, _close, text, lang):
        if dash_ctx.triggered_id == Search.CLOSE:
            return False, no_update, no_update
        title, body, record = search(ctx, text=inputs.text(text), lang=lang)
        ctx.record("search", **{"filter": {}, **record})  # every search is on the access record
        return True, title, body
