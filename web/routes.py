"""Flask routes beside the Dash app: liveness, readiness, vendored CSS, streamed exports."""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import flask_bootstrap
from dash.exceptions import DependencyException
from flask import Flask, Response, abort, current_app, jsonify, request, send_from_directory, stream_with_context
from werkzeug.exceptions import RequestEntityTooLarge

from callbacks.inputs import InputRefused
from data.db import LakeUnavailable, MonthsUnreadable
from data.period import Period, with_data
from data.queries import dispatches as dispatch_queries
from data.queries import status as status_queries
from data.queries import transactional as trx_queries
from data.queries.counts import data_days
from data.spool import Spool
from i18n import fmt_date, lang_or_default, t
from i18n.labels import left_out, period_label
from reports.audit import NotRecorded, recorded
from reports.dispatches import HistoryView, dispatches_report
from reports.numbers import numbers_csv, numbers_xml, optout_numbers
from reports.transactional import file_stem, messages_csv, transactional_csv, transactional_docx
from web import security, urls
from web.context import AppContext

BOOTSTRAP_DIR = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV_TYPE = "text/csv; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"


class BadRequest(ValueError):
    """A request parameter is missing or wrong; the text says which, in the user's language."""


def _attachment(body, filename: str, content_type: str) -> Response:
    """Returns a download response, on record first (security.event: who, role, address, filter): a `started`
    row before anything is sent, its end (rows, bytes, SHA-256 of what was sent) when the body has been sent.
    A download that cannot be put on record is refused (503), and the refusal goes to the server log."""
    fmt = filename.rsplit(".", 1)[-1]
    evt = security.event("export." + (request.endpoint or "").removeprefix("export_").removesuffix("_csv"), format=fmt)
    counting = ROW_COUNTING.get(request.endpoint, "csv") if fmt == "csv" else fmt
    logger = current_app.logger

    def finish_failed(exc: Exception, done) -> None:
        logger.error("access log: the end of a download could not be recorded: %s (%s %s)", exc, done.who, done.target)

    size = len(body) if isinstance(body, bytes) else None
    try:
        body = recorded(
            [body] if isinstance(body, bytes) else body,
            evt,
            counting,
            security.audit_store().access,  # kept: the stream ends after the request
            finish_failed=finish_failed,
        )
    except NotRecorded as exc:
        logger.error("download refused, the access log cannot be written: %s (%s %s)", exc, evt.who, evt.target)
        lang = lang_or_default(request.args.get("lang"))
        return Response(t(lang, "error.audit_unwritable"), status=503, mimetype="text/plain")
    # content_type is sent as given; Flask's mimetype= would append a second "; charset=utf-8" to text/*.
    response = Response(_primed(body), content_type=content_type)
    if size is not None:
        response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "no-store"
    return response


def _primed(body: Iterator[bytes]) -> Iterator[bytes]:
    """Returns `body` with its first chunk made now, in the request: what fails before anything is sent (no
    lake, a damaged month) is answered by the error handlers, with a message and every header, rather than by
    the server's bare 500. Closing what it returns closes `body` (a client that went away: "aborted")."""
    first = next(body, _END)

    def rest() -> Iterator[bytes]:
        try:
            if first is not _END:
                yield first
            yield from body
        finally:
            body.close()

    return rest()


_END = object()


# How rows are counted in a streamed CSV: "lines" where no field can hold a line break (numbers, messages
# without their text), "csv" (line breaks outside quotes) otherwise.
ROW_COUNTING = {
    "export_numbers": "lines",
    "export_transactional_messages": "lines",
    "admin_audit_csv": "csv",
    "export_optouts": "lines",
}


def _args(parse, *extra):
    """Returns what `parse` (a web.urls parser) reads from the request's arguments; BadRequest in the user's
    language when an argument is wrong."""
    try:
        return parse(request.args, *extra)
    except urls.UrlError as exc:
        text = t(lang_or_default(request.args.get("lang")), exc.key, **exc.values) if exc.key else exc.text
        raise BadRequest(text) from None


def _numbers_scope(ctx: AppContext, query: urls.NumbersQuery, lang: str) -> dict:
    """Returns the scope of a numbers download: ids (dispatch_ids), name (for the file) and attrs (for the
    XML root): one dispatch, or every dispatch of a campaign."""
    if query.campaign is not None:
        members = ctx.store.members()
        ids = list(members.loc[members["campaign_id"] == query.campaign, "dispatch_id"])
        if not ids:
            abort(404, t(lang, "campaign.error.unknown_campaign", ids=query.campaign))
        return {"ids": ids, "name": f"campaign-{query.campaign}", "attrs": {"campaign": str(query.campaign)}}
    info = dispatch_queries.dispatch_info(ctx.db, number=query.dispatch, tz=ctx.tz)
    if info is None:
        abort(404, t(lang, "details.unknown", number=query.dispatch))
    return {"ids": info["dispatch_id"], "name": str(info["number"]), "attrs": {"dispatch": str(info["number"])}}


def _with_data(ctx: AppContext, asked: Period, lang: str) -> Period:
    """Returns the days of an export's range that can hold data (data.period.with_data, as the pages cut a
    custom range): a range of centuries is read as "all time". 404, saying what the data covers, when none can."""
    period = with_data(asked, today=ctx.today(), data_days=data_days(ctx.db))
    if period is not None:
        return period
    found = data_days(ctx.db)
    if found is None:
        abort(404, t(lang, "period.no_data_at_all", asked=period_label(asked, lang)))
    first, last = (fmt_date(d, lang) for d in found)
    abort(404, t(lang, "period.no_data", asked=period_label(asked, lang), first=first, last=last))


def register(server: Flask, ctx: AppContext) -> None:
    """Adds the routes to the Flask server of a Dash app."""

    @server.get("/health")
    def health():
        return jsonify(status="ok")

    @server.get("/ready")
    def ready():
        """Readiness: a short query on the lake and on the campaign store; 503 naming what failed."""
        checks, failed, body = {}, [], {}
        try:
            try:
                state = status_queries.lake_state(ctx.db)
            except Exception as exc:
                if not ctx.db.note_failure(exc):  # a file found unreadable only now: answer without its month
                    raise
                state = status_queries.lake_state(ctx.db)
            newest = state["newest"]
            body.update(
                messages=state["messages"],
                newest_message=newest.isoformat() if newest else None,
                left_out=ctx.db.unreadable(),
            )  # months whose files cannot be read: served without them
            checks["lake"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure to read means not ready
            checks["lake"] = str(exc) if isinstance(exc, LakeUnavailable) else f"{type(exc).__name__}: {exc}"
            failed.append("lake")
        try:
            ctx.store.schema_version()
            checks["store"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["store"] = f"{type(exc).__name__}: {exc}"
            failed.append("store")
        try:  # callbacks whose import failed (data.compactor): ready all the same, but someone should look
            body["callbacks_set_aside"] = Spool(ctx.config.data_dir).set_aside_count()
        except OSError:
            body["callbacks_set_aside"] = None
        if failed:
            return jsonify(
                ready=False, failed=failed, checks=checks, error="; ".join(f"{name}: {checks[name]}" for name in failed)
            ), 503
        return jsonify(ready=True, checks=checks, **body)

    @server.get("/vendor/bootstrap/<path:name>")
    def bootstrap_static(name: str):
        return send_from_directory(BOOTSTRAP_DIR, name, max_age=86400)

    @server.get("/export/dispatches.<fmt>")
    def export_dispatches(fmt: str):
        lang = lang_or_default(request.args.get("lang"))
        query = _args(urls.parse_dispatches, ctx.tz)
        period = _with_data(ctx, query.period, lang)
        stem = (
            f"wysylki-{period.start.isoformat()}-{period.end.isoformat()}"
            if lang == "pl"
            else f"dispatches-{period.start.isoformat()}-{period.end.isoformat()}"
        )
        if fmt not in ("csv", "docx"):
            abort(404)
        campaigns, members = ctx.campaign_frames()
        view = HistoryView(campaigns=campaigns, members=members, flt=query.flt, sort=query.sort, per=query.per)
        now = dt.datetime.now(ctx.config.tz).replace(tzinfo=None)
        sep = ctx.config.csv_separator[lang]
        body = dispatches_report(ctx.db, fmt, period=period, lang=lang, sep=sep, generated_at=now, view=view)
        if fmt == "csv":
            return _attachment(stream_with_context(body), stem + ".csv", CSV_TYPE)
        return _attachment(body, stem + ".docx", DOCX_MIME)

    @server.get("/export/transactional.<fmt>")
    def export_transactional(fmt: str):
        lang = lang_or_default(request.args.get("lang"))
        if fmt not in ("csv", "docx"):
            abort(404)
        query = _args(urls.parse_transactional, ctx.tz)
        period, source, text = _with_data(ctx, query.period, lang), query.source, query.text
        stem = file_stem("table", period, lang)
        if fmt == "csv":
            body = stream_with_context(
                transactional_csv(
                    ctx.db, period=period, lang=lang, sep=ctx.config.csv_separator[lang], source=source, text=text
                )
            )
            return _attachment(body, stem + ".csv", CSV_TYPE)
        now = dt.datetime.now(ctx.config.tz).replace(tzinfo=None)
        body = transactional_docx(ctx.db, period=period, lang=lang, generated_at=now, source=source, text=text)
        return _attachment(body, stem + ".docx", DOCX_MIME)

    @server.get("/export/transactional-messages.csv")
    def export_transactional_messages():
        lang = lang_or_default(request.args.get("lang"))
        query = _args(urls.parse_messages, ctx.tz)
        period, campaign, source = _with_data(ctx, query.period, lang), trx_queries.Campaign(query.label), query.source
        chunks = messages_csv(
            ctx.db,
            period=period,
            campaign=campaign,
            lang=lang,
            sep=ctx.config.csv_separator[lang],
            source=source,
            batch_rows=ctx.config.export_batch_rows,
        )
        return _attachment(
            stream_with_context(chunks),
            file_stem("messages", period, lang, campaign) + ".csv",
            CSV_TYPE,
        )

    @server.get("/export/numbers.<fmt>")
    def export_numbers(fmt: str):
        lang = lang_or_default(request.args.get("lang"))
        if fmt not in ("csv", "xml"):
            abort(404)
        query = _args(urls.parse_numbers)
        scope, group, reason = _numbers_scope(ctx, query, lang), query.group, query.reason
        stem = f"numbers-{scope['name']}-{group.value}" + (f"-{reason}" if reason else "")
        batch = ctx.config.export_batch_rows
        if fmt == "csv":
            chunks = numbers_csv(
                ctx.db,
                dispatch_id=scope["ids"],
                group=group,
                reason=reason,
                lang=lang,
                sep=ctx.config.csv_separator[lang],
                batch_rows=batch,
            )
            return _attachment(stream_with_context(chunks), stem + ".csv", CSV_TYPE)
        generated = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        chunks = numbers_xml(
            ctx.db,
            dispatch_id=scope["ids"],
            scope=scope["attrs"],
            group=group,
            reason=reason,
            generated_at=generated,
            batch_rows=batch,
        )
        return _attachment(stream_with_context(chunks), stem + ".xml", XML_TYPE)

    @server.get("/export/optouts.<fmt>")
    def export_optouts(fmt: str):
        """The numbers that opted out of a dispatch or campaign (analyst role; on record like every download)."""
        lang = lang_or_default(request.args.get("lang"))
        if fmt not in ("csv", "xml"):
            abort(404)
        scope = _numbers_scope(ctx, _args(urls.parse_optouts), lang)
        chunks = optout_numbers(
            ctx.db,
            dispatch_id=scope["ids"],
            fmt=fmt,
            scope=scope["attrs"],
            lang=lang,
            sep=ctx.config.csv_separator[lang],
            generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            batch_rows=ctx.config.export_batch_rows,
        )
        stem = f"numbers-{scope['name']}-optout"
        return _attachment(stream_with_context(chunks), f"{stem}.{fmt}", CSV_TYPE if fmt == "csv" else XML_TYPE)

    @server.get("/admin/audit.csv")
    def admin_audit_csv():
        """The whole access audit as CSV, oldest first (admin role; itself on record)."""
        from data.store.audit import AUDIT_COLUMNS
        from reports.csv_writer import csv_chunks

        lang = lang_or_default(request.args.get("lang"))
        header = ["id" if c == "id" else t(lang, f"admin.col.{c}") for c in AUDIT_COLUMNS]
        rows = security.user_store(ctx.config).audit_rows()
        chunks = csv_chunks(header, rows, sep=ctx.config.csv_separator[lang])
        stem = f"audit-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
        return _attachment(stream_with_context(chunks), stem + ".csv", CSV_TYPE)

    @server.errorhandler(BadRequest)
    def bad_request(exc: BadRequest):
        return security.bad_request(str(exc))

    @server.errorhandler(InputRefused)
    def input_refused(exc: InputRefused):
        return security.bad_request(str(exc))

    @server.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge):
        limit = ctx.config.max_body_bytes
        return security.bad_request(f"body over {limit} bytes", status=413, key="error.too_large")

    @server.errorhandler(MonthsUnreadable)
    def months_unreadable(exc: MonthsUnreadable):
        lang = lang_or_default(request.args.get("lang"))
        months = left_out(exc.months, lang)
        current_app.logger.warning(
            "download refused, it needs months that cannot be read: %s (%s)", months, request.path
        )
        return Response(t(lang, "error.months_unreadable", months=months), status=503, mimetype="text/plain")

    @server.errorhandler(LakeUnavailable)
    def lake_unavailable(exc: LakeUnavailable):
        lang = lang_or_default(request.args.get("lang"))
        return Response(t(lang, "error.lake", error=str(exc)), status=503, mimetype="text/plain")

    @server.errorhandler(DependencyException)
    def unknown_script(exc: DependencyException):
        # a script path Dash does not serve (a mistyped or forged one, e.g. a path traversal): not found
        lang = lang_or_default(request.args.get("lang"))
        return Response(t(lang, "error.not_found", error=request.path), status=404, mimetype="text/plain")

    @server.errorhandler(404)
    def not_found(exc):
        lang = lang_or_default(request.args.get("lang"))
        return Response(
            t(lang, "error.not_found", error=exc.description or request.path), status=404, mimetype="text/plain"
        )

    @server.errorhandler(Exception)
    def failure(exc: Exception):
        if hasattr(exc, "code") and hasattr(exc, "get_response"):  # other HTTP errors as they are
            return exc
        server.logger.error("request failed: %s", "".join(traceback.format_exception(exc)))
        lang = lang_or_default(request.args.get("lang"))
        return Response(t(lang, "error.generic", error=type(exc).__name__), status=500, mimetype="text/plain")
