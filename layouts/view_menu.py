"""The view bar of a report page: saved views (menu, save), "copy link", the notice of a link's ignored parts,
and the stores a page's view travels in (callbacks/view_state.py fills them)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from i18n import t
from layouts.ids import View, view_query

MAX_NAMES_SHOWN = 5  # of a link's ignored arguments, in the notice


def frame(
    body: Component,
    lang: str,
    page: str,
    *,
    saved: list[dict],
    can_share: bool,
    ignored: list[str],
    query: dict,
    detail: dict | None = None,
) -> html.Div:
    """Returns a report page `body` under its view bar: `saved` views of the menu (name, href, shared),
    the notice of the link's `ignored` arguments, and the stores of the page's query (`query`) and, on the
    SMS page, of its open details dialog (`detail`: the one the link asked for)."""
    stores = [dcc.Store(id=view_query(page), data=query)]
    if page == "sms":
        stores += [dcc.Store(id=View.SMS_DETAIL, data=detail), dcc.Store(id=View.SMS_DETAIL_ASKED, data=detail)]
    return html.Div([bar(lang, saved, can_share), notice(lang, ignored), *stores, body])


def bar(lang: str, saved: list[dict], can_share: bool) -> html.Div:
    """Returns the row of saved views, "save view" and "copy link", at the top right of a report page."""
    save_form = dbc.Popover(
        dbc.PopoverBody(
            [
                dbc.Label(t(lang, "views.name"), html_for=View.NAME, className="small mb-1"),
                dbc.Input(id=View.NAME, size="sm", maxLength=80, autocomplete="off", className="mb-2"),
                dbc.Checkbox(
                    id=View.SHARE,
                    label=t(lang, "views.share"),
                    value=False,
                    className="small mb-2",
                    style=None if can_share else {"display": "none"},  # only admins share
                ),
                dbc.Button(t(lang, "views.save"), id=View.SAVE, size="sm", color="primary", n_clicks=0),
                html.Div(id=View.MESSAGE, className="small mt-2"),
            ]
        ),
        id=View.SAVE_POPOVER,
        target=View.SAVE_OPEN,
        trigger="legacy",
        placement="bottom-end",
    )
    return html.Div(
        [
            html.Span(id=View.REMOVED, className="small", role="status"),
            menu(lang, saved),
            dbc.Button(
                [html.I(className="bi bi-bookmark-plus me-1"), t(lang, "views.save_open")],
                id=View.SAVE_OPEN,
                size="sm",
                color="secondary",
                outline=True,
                n_clicks=0,
            ),
            save_form,
            copy_button(lang, View.COPY),
        ],
        id=View.BAR,
        className="d-flex justify-content-end align-items-center gap-2 mb-2 view-bar",
    )


def copy_button(lang: str, id_: str) -> dcc.Clipboard:
    """Returns a "copy link" button (callbacks/view_state.py gives it the address when clicked)."""
    return dcc.Clipboard(
        id=id_,
        children=html.Span([html.I(className="bi bi-link-45deg me-1"), t(lang, "views.copy_link")]),
        copied_children=html.Span([html.I(className="bi bi-check2 me-1"), t(lang, "views.copied")]),
        title=t(lang, "views.copy_hint"),
        className="btn btn-outline-secondary btn-sm",
    )


def with_dialog_copy(tree: Component, dialog_id: str, lang: str) -> Component:
    """Puts a "copy link" button in the footer of the dialog `dialog_id` of `tree` (a dialog covers the page's
    own button, and its link opens it again); returns `tree`."""
    for node in tree._traverse_ids():
        if node.id == dialog_id:
            footers = [c for c in node.children if isinstance(c, dbc.ModalFooter)]
            if footers:
                footers[0].children = [copy_button(lang, View.COPY_DIALOG), footers[0].children]
    return tree


def menu(lang: str, saved: list[dict]) -> dbc.DropdownMenu:
    """Returns the menu of saved views: each opens its link (own ones first, then the shared)."""
    return dbc.DropdownMenu(
        menu_items(lang, saved), id=View.MENU, label=t(lang, "views.menu"), size="sm", color="light"
    )


def menu_items(lang: str, saved: list[dict]) -> list:
    """Returns the saved views' menu entries (`saved`: id, name, href, shared, mine, removable), then an entry
    removing each view the user may remove."""
    if not saved:
        return [dbc.DropdownMenuItem(t(lang, "views.none"), disabled=True)]
    items = []
    for group, header in ((True, "views.mine"), (False, "views.shared")):
        views = [v for v in saved if v["mine"] == group]
        if views:
            items.append(dbc.DropdownMenuItem(t(lang, header), header=True))
        for v in views:
            icon = [html.I(className="bi bi-people ms-2 text-muted", title=t(lang, "views.shared_hint"))]
            items.append(dbc.DropdownMenuItem([v["name"], *(icon if v["shared"] else [])], href=v["href"]))
    removable = [v for v in saved if v.get("removable")]
    if removable:
        items += [dbc.DropdownMenuItem(divider=True), dbc.DropdownMenuItem(t(lang, "views.remove_header"), header=True)]
    for v in removable:
        items.append(
            dbc.DropdownMenuItem(
                [html.I(className="bi bi-trash me-2 text-danger"), t(lang, "views.remove", name=v["name"])],
                id={"type": View.REMOVE, "index": v["id"]},
                n_clicks=0,
            )
        )
    return items


def notice(lang: str, ignored: list[str]):
    """Returns the note that parts of the link could not be read and were ignored (None when none were)."""
    if not ignored:
        return html.Div(id=View.NOTICE)
    names = [n[:40] if n != "?" else t(lang, "views.whole_link") for n in ignored[:MAX_NAMES_SHOWN]]
    more = len(ignored) - len(names)
    text = t(lang, "views.ignored", names=", ".join(names) + (" …" if more else ""))
    return dbc.Alert(
        [html.I(className="bi bi-link-45deg me-2"), text],
        id=View.NOTICE,
        color="warning",
        dismissable=True,
        className="py-2 small",
    )


def preset(tree: Component, props: dict[str, dict]) -> Component:
    """Sets the props of the components of `tree` whose id is a key of `props` (a page drawn as a link asks);
    returns `tree`."""
    for node in [tree, *tree._traverse_ids()]:
        node_id = getattr(node, "id", None)
        if isinstance(node_id, str) and node_id in props:
            for name, value in props[node_id].items():
                setattr(node, name, value)
    return tree


def sorted_columns(columns: list[dict], sort: tuple[str, bool] | None) -> list[dict]:
    """Returns a grid's column definitions sorted by `sort` (column, descending) only, or by none."""
    out = []
    for col in columns:
        # None, not a missing key: AG Grid keeps a column's current sort when its new definition leaves `sort`
        # out, so a grid kept across back/forward went on sorting by the column it had.
        col = {**col, "sort": None, "sortIndex": None}
        if sort is not None and (col.get("colId") or col.get("field")) == sort[0]:
            col["sort"] = "desc" if sort[1] else "asc"
        out.append(col)
    return out
