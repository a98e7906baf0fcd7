"""Grouping callbacks of the SMS reports page: thin wrappers over `grouping_action` and friends."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from dash import Input, Output, State, no_update
from dash import ctx as dash_ctx
from dash.exceptions import PreventUpdate

from callbacks import inputs
from callbacks import period as period_callbacks
from callbacks.context import PageContext
from data.period import PeriodError, parse_day
from data.queries import dispatches as dispatch_queries
from data.queries.history import HistoryFilter
from data.queries.history_page import history_page
from data.store.campaigns import CampaignError
from i18n import fmt_int, lang_or_default, t
from layouts import campaigns as view
from layouts.components import error_alert, warning_alert
from layouts.ids import Camp, Shell, Sms

log = logging.getLogger(__name__)
WHO = "local"  # who changes campaigns when no one is logged in (tests, local mode)

ACTIONS = {
    Camp.GROUP: "group",
    Camp.UNGROUP: "ungroup",
    Camp.ADD: "add",
    Camp.REMOVE: "remove",
    Camp.FILTER_GROUP: "group_filtered",
    Camp.CONFIRM_OK: "confirmed",
    Camp.UNDO: "undo",
}


def history_filter(text: str | None, start: str | None, end: str | None) -> HistoryFilter:
    """Returns the filter of the panel's inputs (PeriodError for a malformed date)."""
    return HistoryFilter((text or "").strip(), parse_day(start), parse_day(end))


def filter_or_none(text: str | None, start: str | None, end: str | None) -> HistoryFilter | None:
    """Returns the panel's filter, or None while one of its dates is malformed (the panel says so)."""
    try:
        return history_filter(text, start, end)
    except PeriodError:
        return None


def _selected(rows: list[dict] | None, kind: str) -> list[dict]:
    return [r for r in rows or [] if r.get("kind") == kind]


def _result(**changes) -> dict:
    out = {"changed": False, "message": None, "toast": None, "confirm": None, "pending": None}
    out.update(changes)
    return out


@dataclass(frozen=True)
class Request:
    """What a grouping action is asked with: the ticked rows, the target campaign, the filtered dispatches (and
    how many more matches are inside campaigns), the new campaign's name and rule, the action waiting for
    confirmation, and who asks."""

    lang: str
    selected: list[dict]
    target: int | None
    filtered_ids: list[str]
    grouped_matches: int
    name: str | None
    rule: HistoryFilter | None
    pending: dict | None
    who: str


def grouping_action(
    ctx: PageContext,
    *,
    action: str,
    lang: str,
    selected: list[dict] | None = None,
    target: int | None = None,
    filtered_ids: list[str] | None = None,
    grouped_matches: int = 0,
    name: str | None = None,
    rule: HistoryFilter | None = None,
    pending: dict | None = None,
    who: str = WHO,
) -> dict:
    """Carries out one grouping action (a key of HANDLERS) and returns what the page shows next.

    Keys: changed (the table must be read again, and the ticks are cleared), message
    (an alert), toast (text of the undo notice), confirm (body of the move
    confirmation: every dispatch the action will put into the campaign, those leaving
    another campaign marked), pending (the action waiting for that confirmation). `who`
    is recorded as the author of the change. "group_filtered" takes the filtered
    dispatches that are in no campaign (`filtered_ids`, less any the store has in one);
    `grouped_matches` more matches inside campaigns stay there, and the notice says so.
    """
    lang = lang_or_default(lang)
    handler = HANDLERS.get(action)
    if handler is None:
        return _result()
    req = Request(lang, selected or [], target, filtered_ids or [], max(0, grouped_matches), name, rule, pending, who)
    try:
        return handler(ctx, req)
    except CampaignError as exc:
        return _result(message=error_alert(t(lang, exc.key, **exc.values)))
    except Exception as exc:  # noqa: BLE001 - a readable message, never a traceback
        log.error("grouping failed", exc_info=exc)
        return _result(message=error_alert(t(lang, "error.generic", error=f"{type(exc).__name__}: {exc}")))


def _confirmed(ctx: PageContext, req: Request) -> dict:
    plan = _pending_plan(req.pending)
    if plan is None:
        return _result()
    known = dispatch_queries.dispatch_numbers(ctx.db, dispatch_ids=plan["ids"]) if plan["ids"] else {}
    plan["ids"] = [i for i in plan["ids"] if i in known]  # ids a forged request made up are not grouped
    if not plan["ids"]:
        return _result(message=warning_alert(t(req.lang, "camp.select_dispatches")))
    return _perform(ctx, req.lang, plan, move=True, who=req.who)


def _pending_plan(pending: object) -> dict | None:
    """Returns the plan waiting for confirmation (`_plan` keeps it in the page), or None when the page sent
    something else (a forged request): an action, dispatch ids, and a name or a target campaign."""
    from data.store.campaigns import Rule

    if not isinstance(pending, dict) or pending.get("action") not in ("group", "add"):
        return None
    plan = {
        "action": pending["action"],
        "ids": inputs.texts(pending.get("ids")),
        "name": inputs.text(pending.get("name")) or "",
        "target": inputs.whole(pending.get("target")),
    }
    if (plan["action"] == "add" and plan["target"] is None) or (plan["action"] == "group" and not plan["name"]):
        return None
    rule = pending.get("rule")
    if rule is not None:
        try:
            Rule.from_json(rule)
        except (TypeError, ValueError, KeyError, AttributeError):
            return None
        plan["rule"] = rule
    return plan


def _undo(ctx: PageContext, req: Request) -> dict:
    undone = ctx.store.undo(who=req.who)
    if undone is None:
        return _result(message=warning_alert(t(req.lang, "camp.nothing_to_undo")))
    return _result(changed=True, toast=t(req.lang, "camp.undid", what=view.change_text(req.lang, undone)))


def _group_selected(ctx: PageContext, req: Request) -> dict:
    ids = _dispatch_ids(req.selected)
    return _plan(
        ctx, req, ids, {"action": "group", "ids": ids, "name": t(req.lang, "camp.default_name"), "target": None}
    )


def _add_selected(ctx: PageContext, req: Request) -> dict:
    ids = _dispatch_ids(req.selected)
    return _plan(
        ctx, req, ids, {"action": "add", "ids": ids, "name": t(req.lang, "camp.default_name"), "target": req.target}
    )


def _group_filtered(ctx: PageContext, req: Request) -> dict:
    matches = [i for i in req.filtered_ids if isinstance(i, str)]
    members = set(ctx.store.members()["dispatch_id"])
    ids = [i for i in matches if i not in members]
    kept = max(req.grouped_matches, len(matches) - len(ids))
    if not ids:
        key = "camp.filtered_all_grouped" if kept else "camp.filtered_none"
        return _result(message=warning_alert(t(req.lang, key, count=fmt_int(kept, req.lang))))
    out = _plan(
        ctx,
        req,
        ids,
        {
            "action": "group",
            "ids": ids,
            "name": (req.name or "").strip() or t(req.lang, "camp.default_name"),
            "rule": req.rule.rule().to_json() if req.rule is not None else None,
        },
    )
    if kept and out["toast"]:
        out["toast"] += " · " + t(req.lang, "camp.filtered_kept", count=fmt_int(kept, req.lang))
    return out


def _dispatch_ids(selected: list[dict]) -> list[str]:
    return [r["dispatch_id"] for r in _selected(selected, "dispatch") if isinstance(r.get("dispatch_id"), str)]


def _plan(ctx: PageContext, req: Request, ids: list[str], plan: dict) -> dict:
    """Groups or adds `ids` as `plan` says, after asking to confirm when some are in another campaign; the
    confirmation lists every dispatch that will go into the campaign, the plan exactly those."""
    known = dispatch_queries.dispatch_numbers(ctx.db, dispatch_ids=ids) if ids else {}
    ids = list(dict.fromkeys(i for i in ids if i in known))  # ids a forged request made up are not grouped
    if not ids:
        return _result(message=warning_alert(t(req.lang, "camp.select_dispatches")))
    into = plan.get("target") if plan["action"] == "add" else None
    if plan["action"] == "add":
        campaigns = ctx.store.campaigns().set_index("id")
        if into is None or into not in campaigns.index:
            return _result(message=warning_alert(t(req.lang, "camp.select_target")))
        members = ctx.store.members()
        inside = set(members.loc[members["campaign_id"] == into, "dispatch_id"])
        ids = [i for i in ids if i not in inside]  # already there: nothing to add, nothing to count
        if not ids:
            return _result(message=warning_alert(t(req.lang, "camp.already_in_target")))
        into_name, new = campaigns.loc[into, "name"], False
    else:
        into_name, new = plan["name"], True
    plan = {**plan, "ids": ids}
    moves = ctx.store.conflicts(ids, into=into)
    if not moves.empty:
        names = {r.get("dispatch_id"): r.get("name") for r in req.selected}  # the rows' names, for reading only
        leaving = dict(zip(moves["dispatch_id"], moves["name"]))
        items = [{"number": known[i], "name": names.get(i) or "", "from": leaving.get(i)} for i in ids]
        return _result(confirm=view.confirm_body(req.lang, into=into_name, new=new, items=items), pending=plan)
    return _perform(ctx, req.lang, plan, move=False, who=req.who, numbers=[known[i] for i in ids])


def _ungroup(ctx: PageContext, req: Request) -> dict:
    ids = [
        r["campaign_id"]
        for r in _selected(req.selected, "campaign")
        if inputs.integer(r.get("campaign_id")) is not None
    ]
    if not ids:
        return _result(message=warning_alert(t(req.lang, "camp.select_campaigns")))
    freed = ctx.store.ungroup(ids, who=req.who)
    return _result(
        changed=True, toast=view.change_text(req.lang, {"action": "ungroup", "campaigns": ids, "dispatches": freed})
    )


def _remove(ctx: PageContext, req: Request) -> dict:
    ids = [
        r["dispatch_id"]
        for r in _selected(req.selected, "dispatch")
        if r.get("campaign_id") is not None and isinstance(r.get("dispatch_id"), str)
    ]
    if not ids:
        return _result(message=warning_alert(t(req.lang, "camp.select_dispatches")))
    ids = list(dict.fromkeys(ids))
    ctx.store.remove(ids, who=req.who)
    known = dispatch_queries.dispatch_numbers(ctx.db, dispatch_ids=ids)
    toast = view.change_text(req.lang, {"action": "remove", "dispatches": len(ids)})
    return _result(
        changed=True, toast=f"{toast} · {view.numbers_text(req.lang, [known[i] for i in ids if i in known])}"
    )


HANDLERS = {
    "confirmed": _confirmed,
    "undo": _undo,
    "group": _group_selected,
    "add": _add_selected,
    "group_filtered": _group_filtered,
    "ungroup": _ungroup,
    "remove": _remove,
}


def _perform(
    ctx: PageContext, lang: str, plan: dict, *, move: bool, who: str = WHO, numbers: list[int] | None = None
) -> dict:
    """Carries out a planned group or add; the notice names the dispatches' `numbers` (read again when not given)."""
    from data.store.campaigns import Rule

    store = ctx.store
    ids = [i for i in plan.get("ids") or [] if isinstance(i, str)]
    if numbers is None:  # a confirmed plan comes back from the browser: only dispatches of the lake
        known = dispatch_queries.dispatch_numbers(ctx.db, dispatch_ids=ids) if ids else {}
        ids = [i for i in ids if i in known]
        numbers = [known[i] for i in ids]
        if not ids:
            return _result(message=warning_alert(t(lang, "camp.select_dispatches")))
    if plan["action"] == "add":
        store.add(int(plan["target"]), ids, who=who, move=move)
        toast = view.change_text(lang, {"action": "add", "dispatches": len(ids)})
    else:
        cid = store.group(ids, name=plan["name"], who=who, move=move, rule=Rule.from_json(plan.get("rule")))
        name = store.campaigns().set_index("id").loc[cid, "name"]
        toast = view.change_text(lang, {"action": "group", "dispatches": len(ids), "name": name})
    return _result(changed=True, toast=f"{toast} · {view.numbers_text(lang, numbers)}")


def rename_in_place(ctx: PageContext, *, changes: list[dict] | None, lang: str, who: str = WHO) -> dict:
    """Saves a campaign name or description edited in the table; returns grouping_action's keys."""
    lang = lang_or_default(lang)
    for change in changes or []:
        row = change.get("data") or {}
        if not isinstance(row, dict) or row.get("kind") != "campaign":
            continue
        try:
            cid = inputs.whole(row.get("campaign_id"))
            if cid is None:  # not a campaign's id (a forged request)
                raise KeyError(row.get("campaign_id"))
            if change.get("colId") == "name":
                ctx.store.rename(cid, name=str(change.get("value") or ""), who=who)
                return _result(
                    changed=True,
                    toast=view.change_text(lang, {"action": "rename", "name": str(change.get("value")).strip()}),
                )
            if change.get("colId") == "message_text":
                current = ctx.store.campaigns().set_index("id").loc[cid, "name"]
                ctx.store.rename(cid, name=current, description=str(change.get("value") or ""), who=who)
                return _result(changed=True)
        except CampaignError as exc:
            return _result(changed=True, message=error_alert(t(lang, exc.key, **exc.values)))
        except KeyError:
            return _result(
                changed=True,
                message=error_alert(t(lang, "campaign.error.unknown_campaign", ids=str(row.get("campaign_id"))[:40])),
            )
    return _result()


def filtered_matches(rows: list[dict] | None) -> tuple[list[str], int]:
    """Returns what "Group filtered" is asked with from the grid's rows (the period's dispatches matching the filter):
    the dispatches in no campaign, and how many matches are inside campaigns (their rows' counts)."""
    free, grouped = [], 0
    for r in rows or []:
        if r.get("kind") == "dispatch" and r.get("parent_id") is None and isinstance(r.get("dispatch_id"), str):
            free.append(r["dispatch_id"])
        elif r.get("kind") == "campaign":
            grouped += inputs.integer(r.get("dispatches")) or 0
    return free, grouped


def period_rows(
    ctx: PageContext, preset: str | None, start: str | None, end: str | None, flt: HistoryFilter
) -> list[dict]:
    """Returns the history rows of the period the page shows narrowed by `flt` (one per campaign, and the
    dispatches in none), from which "Group filtered" takes its matches (the grid holds only a block of them);
    none when the period cannot be read."""
    try:
        period = period_callbacks.resolve(ctx, preset, start, end).period
        if period is None:
            return []
        campaigns, members = ctx.campaign_frames()
        return history_page(ctx.db, period=period, campaigns=campaigns, members=members, flt=flt).rows
    except Exception:  # noqa: BLE001 - no lake, or a file found unreadable: the page's report says so
        log.warning("the period's dispatches could not be read for grouping", exc_info=True)
        return []


def change_log(ctx: PageContext, *, lang: str | None, limit: int = 50):
    """Returns the change log's body: the newest grouping changes, times in the reporting time zone."""
    lang = lang_or_default(lang)
    log_rows = ctx.store.audit(limit=limit)
    return view.audit_table(lang, log_rows, ctx.tz) if not log_rows.empty else t(lang, "camp.audit_empty")


def toggled(expanded: list[int] | None, cell: dict | None) -> list[int] | None:
    """Returns the open campaigns after a click on a campaign row's +/- cell (None: not such a click)."""
    row_id = str(cell.get("rowId", "")) if cell else ""
    cid = inputs.whole(row_id[1:]) if row_id.startswith("c") else None
    if not cell or cell.get("colId") != "toggle" or cid is None:
        return None
    current = set(expanded or [])
    return sorted(current ^ {cid})


def register(app, ctx: PageContext) -> None:
    """Registers the grouping callbacks on `app`."""

    @app.callback(
        Output(Camp.CHANGES, "data"),
        Output(Camp.MESSAGE, "children"),
        Output(Camp.TOAST, "is_open"),
        Output(Camp.TOAST_TEXT, "children"),
        Output(Camp.CONFIRM, "is_open"),
        Output(Camp.CONFIRM_BODY, "children"),
        Output(Camp.PENDING, "data"),
        Output(Sms.GRID, "selectedRows"),
        Input(Camp.GROUP, "n_clicks"),
        Input(Camp.UNGROUP, "n_clicks"),
        Input(Camp.ADD, "n_clicks"),
        Input(Camp.REMOVE, "n_clicks"),
        Input(Camp.FILTER_GROUP, "n_clicks"),
        Input(Camp.CONFIRM_OK, "n_clicks"),
        Input(Camp.CONFIRM_CANCEL, "n_clicks"),
        Input(Camp.UNDO, "n_clicks"),
        Input(Sms.GRID, "cellValueChanged"),
        State(Sms.GRID, "selectedRows"),
        State(Sms.PERIOD_PRESET, "value"),
        State(Sms.PERIOD_RANGE, "start_date"),
        State(Sms.PERIOD_RANGE, "end_date"),
        State(Camp.ADD_TARGET, "value"),
        State(Camp.FILTER_TEXT, "value"),
        State(Camp.FILTER_RANGE, "start_date"),
        State(Camp.FILTER_RANGE, "end_date"),
        State(Camp.FILTER_NAME, "value"),
        State(Camp.FILTER_RULE, "value"),
        State(Camp.PENDING, "data"),
        State(Camp.CHANGES, "data"),
        State(Shell.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_action(*args):
        (
            _g,
            _u,
            _a,
            _r,
            _f,
            _ok,
            _cancel,
            _undo,
            edited,
            selected,
            preset,
            period_start,
            period_end,
            target,
            text,
            start,
            end,
            name,
            save_rule,
            pending,
            changes,
            lang,
        ) = args
        edited, selected, pending = inputs.records(edited), inputs.records(selected), inputs.record(pending)
        target, changes, lang = inputs.integer(target), inputs.integer(changes), inputs.text(lang)
        text, start, end, name = inputs.text(text), inputs.text(start), inputs.text(end), inputs.text(name)
        trigger = dash_ctx.triggered_id
        if trigger == Camp.CONFIRM_CANCEL:
            return no_update, None, no_update, no_update, False, None, None, no_update
        if trigger != Sms.GRID and trigger not in ACTIONS:  # none of its buttons fired: a forged request
            raise PreventUpdate
        account = ctx.account()
        who = account.name if account else WHO
        if trigger == Sms.GRID:
            action = "rename"
            out = rename_in_place(ctx, changes=edited, lang=lang, who=who)
        else:
            flt = None
            try:
                flt = history_filter(text, start, end)
            except PeriodError as exc:
                return (
                    no_update,
                    error_alert(t(lang, exc.key, **exc.values)),
                    no_update,
                    no_update,
                    no_update,
                    no_update,
                    no_update,
                    no_update,
                )
            filtered, grouped = ([], 0)
            if trigger == Camp.FILTER_GROUP:
                shown = period_rows(ctx, *map(inputs.text, (preset, period_start, period_end)), flt)
                filtered, grouped = filtered_matches(shown)
            action = ACTIONS[trigger]
            out = grouping_action(
                ctx,
                action=action,
                lang=lang,
                selected=selected,
                target=target,
                filtered_ids=filtered,
                grouped_matches=grouped,
                name=name,
                rule=flt if save_rule and flt.active else None,
                pending=pending,
                who=who,
            )
        if out["changed"] and not out["message"]:  # a change was made: on record with who, role and address
            ctx.record(
                f"campaign.{action}",
                detail=out["toast"] or "",
                filter={"selected": [r.get("row_id") for r in selected or []][:200]},
            )
        return (
            (changes or 0) + 1 if out["changed"] else no_update,
            out["message"],
            out["toast"] is not None,
            out["toast"] or no_update,
            out["confirm"] is not None,
            out["confirm"],
            out["pending"],
            # A change was made: no tick survives it, so the next action takes only what is ticked after it.
            [] if out["changed"] and action != "rename" else no_update,
        )

    for panel, button in ((Camp.FILTER_PANEL, Camp.FILTER_TOGGLE), (Camp.AUDIT, Camp.AUDIT_TOGGLE)):

        @app.callback(
            Output(panel, "is_open"), Input(button, "n_clicks"), State(panel, "is_open"), prevent_initial_call=True
        )
        def toggle(_n, is_open):
            return not is_open

    @app.callback(
        Output(Camp.AUDIT_BODY, "children"),
        Output(Camp.ADD_TARGET, "options"),
        Input(Camp.CHANGES, "data"),
        Input(Camp.AUDIT, "is_open"),
        State(Shell.LANG, "data"),
    )
    def refresh_lists(_changes, audit_open, lang):
        lang = lang_or_default(lang)
        campaigns = ctx.store.campaigns()
        options = [{"label": f"{r.name} ({r.members})", "value": int(r.id)} for r in campaigns.itertuples()]
        if not audit_open:
            return no_update, options
        return change_log(ctx, lang=lang), options

    @app.callback(
        Output(Camp.EXPANDED, "data"),
        Input(Sms.GRID, "cellClicked"),
        State(Camp.EXPANDED, "data"),
        prevent_initial_call=True,
    )
    def expand(cell, expanded):
        result = toggled(inputs.integers(expanded), inputs.record(cell))
        return no_update if result is None else result
