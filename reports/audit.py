"""The access record of a download: `started` before its first byte, then rows, bytes and SHA-256 of what
was sent, written when the stream ends.

Both the web routes and the command line's exports wrap their file in `recorded`: it puts the download on
the access log (data.store.audit.AccessAudit) before anything is sent, refusing it (NotRecorded) when the
log cannot be written, and tallies the stream (`audited`) whose end completes the record."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from reports.docx import table_rows


class NotRecorded(RuntimeError):
    """The access log cannot be written, so the download must not be served; the text says why."""


def recorded(
    chunks: Iterable[bytes],
    evt: Any,
    counting: str,
    log: Any,
    *,
    finish_failed: Callable[[Exception, Any], None] | None = None,
) -> Iterator[bytes]:
    """Records `evt` as started on `log` (an AccessAudit) and returns `chunks` tallied by `audited`, whose end
    records the outcome (ok, failed, aborted) with `ref` to the start. NotRecorded, before any byte, when the
    start cannot be written. A failure to record the end goes to `finish_failed` (the bytes are sent by then)."""
    try:
        started = log.start(evt)
    except Exception as exc:  # noqa: BLE001 - whatever stops the write (full disk, read-only, locked) refuses
        raise NotRecorded(f"{type(exc).__name__}: {exc}") from exc

    def finish(done: Any) -> None:
        try:
            log.finish(started, done)
        except Exception as exc:
            if finish_failed is None:
                raise
            finish_failed(exc, done)

    return audited(chunks, evt, counting, finish)


def audited(chunks: Iterable[bytes], evt: Any, counting: str, record: Callable[[Any], None]) -> Iterator[bytes]:
    """Yields `chunks` while counting rows ("lines", "csv", "xml" or "docx"), bytes and SHA-256; when the stream
    ends calls `record` with `evt` completed: outcome ok, failed (an error midway: the download breaks) or
    aborted (the client went away)."""
    digest, size, rows, quoted, outcome, detail = hashlib.sha256(), 0, 0, False, "failed", ""
    document: list[bytes] = []  # a DOCX is counted once whole (it is one small body)
    try:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            if counting == "docx":
                document.append(chunk)
            elif counting == "lines":
                rows += chunk.count(b"\n")
            elif counting == "xml":
                rows += chunk.count(b"</recipient>") + chunk.count(b"</message>")
            elif counting == "csv":
                pieces = chunk.split(b'"')
                for i, piece in enumerate(pieces):
                    if i:
                        quoted = not quoted
                    if not quoted:
                        rows += piece.count(b"\n")
            yield chunk
        outcome = "ok"
    except GeneratorExit:
        outcome = "aborted"
        raise
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        if counting in ("lines", "csv"):
            rows = max(rows - 1, 0)  # the header line
        elif counting == "docx" and outcome == "ok":
            rows = table_rows(b"".join(document))
        record(
            replace(
                evt,
                outcome=outcome,
                rows=rows if counting in ("lines", "csv", "xml", "docx") else None,
                bytes=size,
                sha256=digest.hexdigest(),
                detail=detail,
            )
        )
