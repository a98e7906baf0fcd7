"""A link is the view: a report page drawn as its address's query string asks, the address kept in step with
what the page shows (one history entry per change, so back and forward step through views), "copy link",
and saved views. The query string's format: callbacks/view_query.py.

How it goes: the shell's route draws a page through `page_body`, its controls set as the link asks (a bare
address, as the navbar links give, draws the page as before: period and granularity kept in the session).
Each page's `*_search` callback writes the query string of what the page shows into its store, and a
clientside callback (assets/view_state.js) puts it in the address bar: replacing the entry for the page's
first state, pushing one for each change after. An address change the page did not write (back, forward, a
saved view) draws the page again from it (callbacks/shell.py compares it with View.LAST)."""

from __future__ import annotations

import datetime as dt
import logging

from dash import ALL, ClientsideFunction, Input, Output, State, no_update
from dash import ctx as dash_ctx

from callbacks import inputs
from callbacks import sms as sms_callbacks
from callbacks.context import PageContext
from callbacks.view_query import (
    CONTROL_RE,
    LABEL_PREFIX,
    MAX_SMS_OPEN,
    MAX_TEXT,
    MAX_TRX_OPEN,
    NO_LABEL_KEY,
    PAGES,
    PATHS,
    SMS,
    TRX,
    TRX_SORTABLE,
    View,
    build,
    parse,
    sort_value,
)
from choices import Granularity, Preset
from data.queries.history import SORTABLE
from i18n import lang_or_default, t
from layouts import sms, transactional, view_menu
from layouts.ids import Camp, Shell, Sms, Trx, view_query
from layouts.ids import View as ViewIds

PRESETS = {p.value for p in Preset}
log = logging.getLogger(__name__)


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: object) -> str:
    """Returns a filter text as a link can carry it (control characters out, at most MAX_TEXT characters)."""
    if not isinstance(value, str):
        return ""
    value = value.encode("utf-8", "ignore").decode("utf-8")  # a lone surrogate (a forged request) cannot be sent
    return CONTROL_RE.sub("", value).strip()[:MAX_TEXT].strip()


def _sendable(value: str) -> bool:
    """Tells whether a text can go into an address (no lone surrogate, which only a forged request holds)."""
    try:
        value.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _period(preset: object, start: object, end: object) -> dict:
    preset = preset if inputs.text(preset) in PRESETS else None
    if preset != Preset.CUSTOM:
        return {"preset": preset}
    start, end = _day(start), _day(end)
    return {"preset": preset, "start": start, "end": end} if start and end else {"preset": preset}


def _grain(value: object) -> str | None:
    return value if inputs.text(value) in {g.value for g in Granularity} - {Granularity.AUTO.value} else None


def grid_sort(column_state: object, columns: list[str], fallback: str | None) -> str | None:
    """Returns the grid's sort as a link writes it, from AG Grid's column state; `fallback` (the sort the page
    was drawn with) while the grid has not said yet."""
    if not isinstance(column_state, list) or not column_state:
        return fallback
    states = sorted((c for c in inputs.records(column_state) if c.get("sort")), key=lambda c: c.get("sortIndex") or 0)
    for col in states:
        if col.get("colId") in columns:
            return sort_value(col["colId"], col["sort"] == "desc")
    return "none"


def sms_view(
    *,
    preset=None,
    start=None,
    end=None,
    text=None,
    since=None,
    until=None,
    per_campaign=False,
    column_state=None,
    grain=None,
    expanded=None,
    detail=None,
    fallback_sort: str | None = None,
) -> View:
    """Returns the View of what the SMS page's controls hold (each value as the browser sent it)."""
    detail = inputs.record(detail) or {}
    sort = grid_sort(column_state, SORTABLE, fallback_sort)
    return View(
        page=SMS,
        **_period(preset, start, end),
        grain=_grain(grain),
        text=_text(text),
        sort=None if sort == "-sent_at" else sort,
        since=_day(since),
        until=_day(until),
        per_campaign=per_campaign is True,
        expanded=tuple(dict.fromkeys(i for i in inputs.integers(expanded) if 0 <= i < 10**18))[:MAX_SMS_OPEN],
        dispatch=inputs.whole(detail.get("dispatch")),
        campaign=inputs.whole(detail.get("campaign")) if detail.get("dispatch") is None else None,
    )


def trx_view(
    *,
    preset=None,
    start=None,
    end=None,
    text=None,
    source=None,
    open_keys=None,
    grain=None,
    column_state=None,
    fallback_sort: str | None = None,
) -> View:
    """Returns the View of what the transactional page's controls hold (each value as the browser sent it)."""
    keys = [
        k
        for k in inputs.texts(open_keys)
        if _sendable(k)
        and (k == NO_LABEL_KEY or (k.startswith(LABEL_PREFIX) and len(k) > len(LABEL_PREFIX)))
        and len(k) <= MAX_TEXT
        and not CONTROL_RE.search(k)
    ]
    sort = grid_sort(column_state, TRX_SORTABLE, fallback_sort)
    return View(
        page=TRX,
        **_period(preset, start, end),
        grain=_grain(grain),
        text=_text(text),
        sort=None if sort == "none" else sort,
        source=source if inputs.text(source) in ("test", "api") else None,
        open_rows=tuple(dict.fromkeys(keys))[-MAX_TRX_OPEN:],
    )


def drawn_props(view: View) -> dict[str, dict]:
    """Returns the props a page's controls are drawn with for `view` (by component id): the link's values,
    and the session's memories (granularity, open campaigns) switched off, so the link decides."""
    day = lambda d: d.isoformat() if d else None  # noqa: E731
    grain = {"value": view.grain or Granularity.AUTO.value, "persistence": False}
    if view.page == SMS:
        return {
            Camp.FILTER_TEXT: {"value": view.text},
            Camp.FILTER_RANGE: {"start_date": day(view.since), "end_date": day(view.until)},
            Camp.FILTER_PANEL: {"is_open": bool(view.text or view.since or view.until)},
            Camp.PER_CAMPAIGN: {"value": view.per_campaign},
            Camp.EXPANDED: {"data": list(view.expanded), "storage_type": "memory"},
            Sms.TREND_GRAIN: grain,
        }
    return {
        Trx.FILTER_TEXT: {"value": view.text},
        Trx.FILTER_SOURCE: {"value": view.source or "all"},
        Trx.OPEN: {"data": list(view.open_rows)},
        Trx.TREND_GRAIN: grain,
    }


def saved_entries(ctx: PageContext, page: str, owner: str) -> list[dict]:
    """Returns the menu entries of the views `owner` sees on `page` (id, name, href, shared, mine, removable: theirs,
    and for an admin the shared ones); none when the store cannot be read (the page shows without them)."""
    from data.store.sqlite import store_path
    from data.store.views import ViewStore

    try:
        store = ViewStore(store_path(ctx.config.data_dir), timeout_s=ctx.config.store_timeout_s)
        found = store.visible(owner, page)
    except Exception:  # noqa: BLE001 - a store busy or unreadable: the page without its menu rather than no page
        log.warning("saved views cannot be read", exc_info=True)
        return []
    admin = ctx.can("users")
    return [
        {
            "id": v.id,
            "name": v.name,
            "href": PATHS[v.page] + v.query,
            "shared": v.shared,
            "mine": v.owner.lower() == owner.lower(),
            "removable": v.owner.lower() == owner.lower() or (v.shared and admin),
        }
        for v in found
    ]


def owner_of(account: dict | None) -> str:
    """Returns whose saved views a request sees: the account's name (local mode: "local")."""
    return account["name"] if account else "local"


def page_body(
    ctx: PageContext,
    page: str,
    lang: str,
    stored_period: dict | None,
    search: str | None,
    account: dict | None,
    path: str | None = None,
):
    """Returns a report page drawn as the query string `search` asks (with its view bar and the notice of what
    of the link was ignored); `path` is the address it is drawn for."""
    view, ignored = parse(search, page)
    bare = not (isinstance(search, str) and search.strip("?"))
    period = view.period or stored_period
    if page == SMS:
        body = sms.page(lang, ctx.tz, period, can_change=account is None or account.get("campaigns", True))
    else:
        body = transactional.page(lang, ctx.tz, period)
    if not bare:
        view_menu.preset(body, drawn_props(view))
    if page == SMS:
        view_menu.with_dialog_copy(body, Sms.DETAILS, lang)
    sort = view.sort_column if view.sort is not None else None
    if sort is not None or view.sort == "none":
        grid = Sms.GRID if page == SMS else Trx.GRID
        found = next((n for n in body._traverse_ids() if n.id == grid), None)
        if found is not None:
            view_menu.preset(body, {grid: {"columnDefs": view_menu.sorted_columns(found.columnDefs, sort)}})
    detail = None
    if view.dispatch is not None:
        detail = {"dispatch": view.dispatch}
    elif view.campaign is not None:
        detail = {"campaign": view.campaign}
    return view_menu.frame(
        body,
        lang,
        page,
        saved=saved_entries(ctx, page, owner_of(account)),
        can_share=bool(account is None or account.get("admin")),
        ignored=ignored,
        query={"search": None, "sort": view.sort, "drawn": (path or PATHS[page]) + (search or "")},
        detail=detail,
    )


def kept_sort(current: object) -> str | None:
    """Returns the sort a page's query store keeps while its grid is drawn (None when it keeps none)."""
    sort = (inputs.record(current) or {}).get("sort")
    return sort if isinstance(sort, str) else None


def written(view: View, current: object, triggered: bool) -> dict:
    """Returns what a page's query store holds for `view`: its query string, whether it is the page's first
    (replacing the address rather than adding a history entry), the sort to keep while the grid is drawn, and
    the address the page was drawn for (a write of a page already replaced is dropped: assets/view_state.js)."""
    current = inputs.record(current) or {}
    drawn = current.get("drawn") if isinstance(current.get("drawn"), str) else None
    return {"search": build(view), "initial": not triggered, "sort": view.sort or current.get("sort"), "drawn": drawn}


def save_view(ctx: PageContext, *, name, share, path, search, lang) -> tuple[str, object]:
    """Saves the page's view under `name` for the current account (shared with everyone when `share` and the
    account is an admin); returns (message, menu entries or no_update)."""
    from data.store.sqlite import StoreError, store_path
    from data.store.views import ViewError, ViewStore

    lang = lang_or_default(lang)
    page = PAGES.get(path if isinstance(path, str) else "")
    if page is None:
        return t(lang, "views.error.bad_view"), no_update
    view, _ignored = parse(search if isinstance(search, str) else "", page)
    account = ctx.account_view()
    owner = owner_of(account)
    shared = share is True and ctx.can("users")
    try:
        store = ViewStore(store_path(ctx.config.data_dir), timeout_s=ctx.config.store_timeout_s)
        saved = store.save(owner, name if isinstance(name, str) else "", page, build(view), shared=shared)
    except (ViewError, StoreError) as exc:  # a bad name, or the store busy or read-only: nothing saved
        return t(lang, exc.key, **exc.values), no_update
    ctx.record("view.save", outcome="ok", target=PATHS[page], filter={"name": saved.name, "shared": shared})
    key = "views.saved_shared" if shared else "views.saved"
    return t(lang, key, name=saved.name), view_menu.menu_items(lang, saved_entries(ctx, page, owner))


def remove_view(ctx: PageContext, *, view_id, path, lang) -> tuple[str, object]:
    """Removes saved view `view_id` of the page at `path` when the account may (their own; an admin also a
    shared one); returns (message, menu entries or no_update)."""
    from data.store.sqlite import StoreError, store_path
    from data.store.views import ViewError, ViewStore

    lang = lang_or_default(lang)
    page = PAGES.get(path if isinstance(path, str) else "")
    owner = owner_of(ctx.account_view())
    if page is None or not isinstance(view_id, int) or isinstance(view_id, bool):
        return t(lang, "views.error.gone"), no_update
    try:
        store = ViewStore(store_path(ctx.config.data_dir), timeout_s=ctx.config.store_timeout_s)
        found = next((v for v in store.visible(owner, page) if v.id == view_id), None)
        if found is None:
            return t(lang, "views.error.gone"), view_menu.menu_items(lang, saved_entries(ctx, page, owner))
        mine = found.owner.lower() == owner.lower()
        if not mine and not (found.shared and ctx.can("users")):
            return t(lang, "views.error.not_yours"), no_update
        removed = store.remove(found.id, None if found.shared and not mine else found.owner)
    except (ViewError, StoreError) as exc:  # the store busy or read-only: nothing removed
        return t(lang, exc.key, **exc.values), no_update
    if removed:
        ctx.record("view.remove", outcome="ok", target=PATHS[page], filter={"name": found.name, "shared": found.shared})
    key = "views.removed" if removed else "views.error.gone"
    return t(lang, key, name=found.name), view_menu.menu_items(lang, saved_entries(ctx, page, owner))


def register(app, ctx: PageContext) -> None:
    """Registers the view callbacks of both report pages on `app`."""

    app.clientside_callback(
        ClientsideFunction(namespace="view", function_name="write"),
        Output(Shell.URL, "search"),
        Output(Shell.URL, "href"),
        Output(ViewIds.LAST, "data"),
        Input(view_query(ALL), "data"),
        prevent_initial_call=True,
    )
    for copy in (ViewIds.COPY, ViewIds.COPY_DIALOG):
        app.clientside_callback(
            ClientsideFunction(namespace="view", function_name="href"),
            Output(copy, "content"),
            Input(copy, "n_clicks"),
            prevent_initial_call=True,
        )

    @app.callback(
        Output(view_query(SMS), "data"),
        Input(Sms.PERIOD_PRESET, "value"),
        Input(Sms.PERIOD_RANGE, "start_date"),
        Input(Sms.PERIOD_RANGE, "end_date"),
        Input(Camp.FILTER_TEXT, "value"),
        Input(Camp.FILTER_RANGE, "start_date"),
        Input(Camp.FILTER_RANGE, "end_date"),
        Input(Camp.PER_CAMPAIGN, "value"),
        Input(Sms.GRID, "columnState"),
        Input(Sms.TREND_GRAIN, "value"),
        Input(Camp.EXPANDED, "data"),
        Input(ViewIds.SMS_DETAIL, "data"),
        State(view_query(SMS), "data"),
    )
    def sms_search(preset, start, end, text, since, until, per, columns, grain, expanded, detail, current):
        view = sms_view(
            preset=preset,
            start=start,
            end=end,
            text=text,
            since=since,
            until=until,
            per_campaign=per,
            column_state=columns,
            grain=grain,
            expanded=expanded,
            detail=detail,
            fallback_sort=kept_sort(current),
        )
        return written(view, current, dash_ctx.triggered_id is not None)

    @app.callback(
        Output(view_query(TRX), "data"),
        Input(Trx.PERIOD_PRESET, "value"),
        Input(Trx.PERIOD_RANGE, "start_date"),
        Input(Trx.PERIOD_RANGE, "end_date"),
        Input(Trx.FILTER_TEXT, "value"),
        Input(Trx.FILTER_SOURCE, "value"),
        Input(Trx.OPEN, "data"),
        Input(Trx.TREND_GRAIN, "value"),
        Input(Trx.GRID, "columnState"),
        State(view_query(TRX), "data"),
    )
    def trx_search(preset, start, end, text, source, open_keys, grain, columns, current):
        view = trx_view(
            preset=preset,
            start=start,
            end=end,
            text=text,
            source=source,
            open_keys=open_keys,
            grain=grain,
            column_state=columns,
            fallback_sort=kept_sort(current),
        )
        return written(view, current, dash_ctx.triggered_id is not None)

    @app.callback(
        Output(ViewIds.SMS_DETAIL, "data"),
        Input(Sms.GRID, "cellClicked"),
        Input(Sms.DETAILS, "is_open"),
        prevent_initial_call=True,
    )
    def track_details(cell, is_open):
        if dash_ctx.triggered_id == Sms.DETAILS:
            return no_update if is_open else None
        cell = inputs.record(cell)
        number, campaign = sms_callbacks.clicked_dispatch(cell), sms_callbacks.clicked_campaign(cell)
        if number is not None:
            return {"dispatch": number}
        if campaign is not None:
            return {"campaign": campaign}
        return no_update

    @app.callback(
        Output(Sms.DETAILS, "is_open", allow_duplicate=True),
        Output(Sms.DETAILS_TITLE, "children", allow_duplicate=True),
        Output(Sms.DETAILS_BODY, "children", allow_duplicate=True),
        Input(ViewIds.SMS_DETAIL_ASKED, "data"),
        State(Shell.LANG, "data"),
        prevent_initial_call="initial_duplicate",
    )
    def open_asked(asked, lang):
        asked = inputs.record(asked) or {}
        number, campaign = inputs.whole(asked.get("dispatch")), inputs.whole(asked.get("campaign"))
        can_download = ctx.can("numbers")
        if number is not None:
            title, body = sms_callbacks.details(ctx, number=number, lang=lang, can_download=can_download)
        elif campaign is not None:
            title, body = sms_callbacks.campaign_details(
                ctx, campaign_id=campaign, lang=lang, can_download=can_download
            )
        else:
            return no_update, no_update, no_update
        return True, title, body

    @app.callback(
        Output(ViewIds.MESSAGE, "children"),
        Output(ViewIds.MENU, "children"),
        Input(ViewIds.SAVE, "n_clicks"),
        State(ViewIds.NAME, "value"),
        State(ViewIds.SHARE, "value"),
        State(Shell.URL, "pathname"),
        State(Shell.URL, "search"),
        State(Shell.LANG, "data"),
        prevent_initial_call=True,
    )
    def save(_n, name, share, path, search, lang):
        return save_view(ctx, name=name, share=share, path=path, search=search, lang=lang)

    @app.callback(
        Output(ViewIds.REMOVED, "children"),
        Output(ViewIds.MENU, "children", allow_duplicate=True),
        Input({"type": ViewIds.REMOVE, "index": ALL}, "n_clicks"),
        State(Shell.URL, "pathname"),
        State(Shell.LANG, "data"),
        prevent_initial_call=True,
    )
    def remove(_clicks, path, lang):
        trigger = dash_ctx.triggered_id
        if not isinstance(trigger, dict) or not dash_ctx.triggered or not dash_ctx.triggered[0].get("value"):
            return no_update, no_update  # the entries of a menu just drawn: no click
        return remove_view(ctx, view_id=trigger.get("index"), path=path, lang=lang)
