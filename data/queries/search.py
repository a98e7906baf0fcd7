"""Find one message: every message to a phone number, or the message with an id, with its
dispatch, status, reason, raw codes and timeline (created, sent, done, clicks).

Answered from the search index (`data.search_index`): the row-group ranges of each month's
index files are kept in memory per lake version, so a look-up reads one small row group
per month. Months whose index is missing or out of date, and every month when the
rollups are off (the benchmark's raw-scan baseline), are read from the raw messages.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data.db import Db
from data.ingest.phones import normalise
from data.lake import Lake
from data.pii import mask_msisdn
from data.rollups import sql_literal
from data.schema import STATUS_GROUP, Status
from data.search_index import RANGES_FILE, TABLES, fresh_months, message_key, search_dir

MAX_INPUT = 100  # characters: a phone number or a message id is never longer
SHOWN = 50  # messages a search returns at most (the newest); `SearchResult.total` counts them all
# A message id as senders and providers write them: no spaces, no quotes or brackets.
_ID_RE = re.compile(r"[\w.:@/+#=\-]+")
_LETTER_RE = re.compile(r"[^\W\d_]")
COLUMNS = [
    "message_id",
    "msisdn",
    "source",
    "dispatch_id",
    "dispatch_number",
    "dispatch_name",
    "campaign_label",
    "status",
    "status_group",
    "reason",
    "raw_status",
    "raw_error",
    "created_at",
    "sent_at",
    "done_at",
    "clicks",
]


class SearchError(ValueError):
    """The text is not something to search for; `key` names the message (i18n) saying why."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class SearchQuery:
    """What a search text can be: a phone number (E.164), a message id, or both (digits only:
    the number is searched first, the id when the number finds nothing)."""

    number: str | None
    message_id: str | None


def parse_query(text: str | None, *, region: str) -> SearchQuery:
    """Returns what `text` asks for; SearchError ("search.error.empty" or "search.error.bad") when nothing.

    A phone number in any form the ingest accepts (`data.ingest.phones.normalise` with the
    default `region`: `+48 600 100 200`, `0048600100200`, `600-100-200`...); a message id
    is a run of letters, digits and `. : @ / + # = - _` (no spaces).
    """
    text = (text or "").strip()
    if not text:
        raise SearchError("search.error.empty")
    if len(text) > MAX_INPUT:
        raise SearchError("search.error.bad")
    number = None
    if not _LETTER_RE.search(text):
        e164, _why = normalise([text], region)
        number = e164[0].as_py()
    message_id = text if _ID_RE.fullmatch(text) else None
    if number is None and message_id is None:
        raise SearchError("search.error.bad")
    return SearchQuery(number, message_id)


@dataclass(frozen=True)
class SearchResult:
    """The messages a search found, newest first (at most SHOWN; `total` counts them all).

    `by` is "number" or "id"; `value` the number (E.164, masked unless revealed) or the id
    searched. `messages` columns (COLUMNS): message_id, msisdn (masked unless revealed),
    source, dispatch_id, dispatch_number and dispatch_name (None for transactional
    messages), campaign_label, status, status_group, reason, raw_status, raw_error,
    created_at, sent_at, done_at (local time, naive; sent and done to the millisecond,
    floored), clicks (a list of (local time, is_bot), oldest first). `raw_months`: the
    months read from the raw messages (no up-to-date index).
    """

    by: str
    value: str
    messages: pd.DataFrame
    total: int
    raw_months: tuple[str, ...] = ()


# ------------------------------------------------------------------ the index's row-group ranges


@dataclass(frozen=True)
class _Ranges:
    """The row groups of one month of one index table, ordered by their key range, in numpy arrays
    (a few bytes a row group: the directory of a billion messages stays in tens of MB)."""

    mins: np.ndarray  # keys: bytes (msisdn, compared as Parquet compares them) or int64 (key)
    maxs: np.ndarray
    reach: np.ndarray  # the largest max so far: where a key's row groups can start
    files: tuple[str, ...]
    file_at: np.ndarray  # int32: index into files
    group_at: np.ndarray  # int32: row group within its file
    nulls: tuple[tuple[str, int], ...]  # row groups holding rows without a key

    def holding(self, key) -> list[tuple[str, int]]:
        """Returns the row groups whose range holds `key` (None: the rows without a key)."""
        if key is None:
            return list(self.nulls)
        if isinstance(key, str):
            key = key.encode("utf-8")
        lo = int(np.searchsorted(self.reach, key, "left"))
        hi = int(np.searchsorted(self.mins, key, "right"))
        return [(self.files[self.file_at[i]], int(self.group_at[i])) for i in range(lo, hi) if self.maxs[i] >= key]


def _ranges(folder: Path, column: str) -> _Ranges:
    """Returns the row-group ranges of one month folder of an index table (its RANGES_FILE)."""
    found = json.loads((folder / RANGES_FILE).read_text(encoding="utf-8"))
    if found.get("column") != column:
        raise ValueError(f"{folder}: ranges of {found.get('column')!r}, not {column!r}")
    groups = found["groups"]
    names = sorted({g[0] for g in groups} | {n[0] for n in found["nulls"]})
    index = {name: i for i, name in enumerate(names)}
    text = column == "msisdn"
    lows = [g[2].encode("utf-8") if text else g[2] for g in groups]
    highs = [g[3].encode("utf-8") if text else g[3] for g in groups]
    reach, top = [], None
    for high in highs:
        top = high if top is None or high > top else top
        reach.append(top)
    kind = ("S" if groups else "S1") if text else "int64"
    files = tuple(str(folder / name) for name in names)
    return _Ranges(
        np.array(lows, dtype=kind),
        np.array(highs, dtype=kind),
        np.array(reach, dtype=kind),
        files,
        np.array([index[g[0]] for g in groups], dtype="int32"),
        np.array([g[1] for g in groups], dtype="int32"),
        tuple((files[index[n[0]]], int(n[1])) for n in found["nulls"]),
    )


_DIRECTORIES: dict[str, tuple[str, dict]] = {}
_DIRECTORIES_LOCK = threading.Lock()


def _directory(db: Db) -> dict[str, dict[str, _Ranges]]:
    """Returns table -> month -> _Ranges of the fresh index months, read once per lake version."""
    snapshot = db.lake.snapshot()
    key = str(db.lake.root)
    with _DIRECTORIES_LOCK:
        cached = _DIRECTORIES.get(key)
    if cached is not None and snapshot is not None and cached[0] == snapshot:
        return cached[1]
    # The version's own folder, not the lake's link: a search still reading when the next version is
    # published reads the files these ranges describe (a replaced version is kept until the next write).
    lake = Lake(db.lake.root.resolve())
    fresh = fresh_months(lake)
    directory: dict[str, dict[str, _Ranges]] = {t: {} for t in TABLES}
    for month in sorted(fresh):
        try:
            directory["by_number"][month] = _ranges(search_dir(lake) / "by_number" / f"month={month}", "msisdn")
            directory["by_id"][month] = _ranges(search_dir(lake) / "by_id" / f"month={month}", "key")
        except (OSError, ValueError):  # a missing or unreadable index month: read that month raw
            directory["by_number"].pop(month, None)
            directory["by_id"].pop(month, None)
    if snapshot is not None:
        with _DIRECTORIES_LOCK:
            _DIRECTORIES[key] = (snapshot, directory)
    return directory


def _read(where: list[tuple[str, int]], columns: list[str], column: str, value) -> list[dict]:
    """Returns the rows (dicts of `columns`) of the row groups `where` whose `column` equals `value`
    (None: whose `column` is null)."""
    out = []
    groups: dict[str, list[int]] = {}
    for path, group in where:
        groups.setdefault(path, []).append(group)
    for path, numbers in groups.items():
        table = pq.ParquetFile(path, memory_map=True).read_row_groups(numbers, columns=columns, use_threads=False)
        keep = pc.is_null(table[column]) if value is None else pc.equal(table[column], value)
        out += table.filter(keep).to_pylist()
    return out


def _each_month(months: list[str], read) -> list[dict]:
    """Returns the rows `read(month)` gives for each month, two months at a time (pyarrow decodes
    outside the GIL: a search waits for half as many reads)."""
    if len(months) < 2:
        return [r for m in months for r in read(m)]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="search") as pool:
        return [r for rows in pool.map(read, months) for r in rows]


# ------------------------------------------------------------------ look-ups


def _from_detail(month: str, row: dict) -> dict:
    """Returns a by_number row as a message record (UTC times, aware)."""
    d = json.loads(row["detail"])
    created = row["created_at"]
    base = created.replace(microsecond=created.microsecond // 1000 * 1000)  # floored to the ms, as the offsets

    def after(ms):
        return None if ms is None else base + dt.timedelta(milliseconds=ms)

    return {
        "month": month,
        "message_id": row["message_id"],
        "msisdn": row["msisdn"],
        "created_at": created,
        "sent_at": after(d["sent_ms"]),
        "done_at": after(d["done_ms"]),
        "clicks": [(_EPOCH + dt.timedelta(milliseconds=ms), bool(bot)) for ms, bot in d["clicks"]],
        **{k: d[k] for k in ("source", "dispatch_id", "campaign_label", "status", "reason", "raw_status", "raw_error")},
    }


_NUMBER_COLUMNS = ["msisdn", "created_at", "message_id", "detail"]
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _index_by_number(directory: dict, months: list[str], number: str) -> list[dict]:
    def read(month: str) -> list[dict]:
        where = directory["by_number"][month].holding(number)
        return [_from_detail(month, r) for r in _read(where, _NUMBER_COLUMNS, "msisdn", number)]

    return _each_month(months, read)


def _index_by_id(directory: dict, months: list[str], message_id: str) -> list[dict]:
    key = message_key(message_id)

    def read(month: str) -> list[dict]:
        rows = []
        numbers = {r["msisdn"] for r in _read(directory["by_id"][month].holding(key), ["key", "msisdn"], "key", key)}
        for number in numbers:  # nearly always none or one; another id sharing the key is told apart here
            where = directory["by_number"][month].holding(number)
            rows += [
                _from_detail(month, r)
                for r in _read(where, _NUMBER_COLUMNS, "msisdn", number)
                if r["message_id"] == message_id
            ]
        return rows

    return _each_month(months, read)


def _floor_ms(ts: dt.datetime | None) -> dt.datetime | None:
    return None if ts is None else ts.replace(microsecond=ts.microsecond // 1000 * 1000)


def _raw(db: Db, months: list[str], column: str, value: str) -> list[dict]:
    """Returns the message records of `months` whose `column` (msisdn or message_id) equals `value`,
    read from the raw messages and clicks (times floored to the ms as the index keeps them)."""
    files = [f for f in db.message_files() if Path(f).parent.name.removeprefix("month=") in set(months)]
    if not files:
        return []
    assert column in ("msisdn", "message_id")  # our own names: spelled into SQL, the value is bound
    hive = "hive_partitioning=true, hive_types={'month': VARCHAR}"
    relation = "read_parquet([" + ", ".join(sql_literal(f) for f in files) + f"], {hive})"
    cur = db.cursor()
    names = [
        "month",
        "message_id",
        "msisdn",
        "created_at",
        "sent_at",
        "done_at",
        "source",
        "dispatch_id",
        "campaign_label",
        "status",
        "reason",
        "raw_status",
        "raw_error",
    ]
    found = cur.execute(f"SELECT {', '.join(names)} FROM {relation} WHERE {column} = $v", {"v": value}).fetchall()
    rows = [dict(zip(names, r)) for r in found]
    if not rows:
        return rows
    src = db.sources()
    clicks: dict[str, list] = {}
    for mid, at, bot in cur.execute(
        f"""SELECT message_id, clicked_at, is_bot FROM {src["clicks"]}
            WHERE month >= $m0 AND list_contains($ids, message_id) ORDER BY clicked_at""",
        {"m0": min(r["month"] for r in rows), "ids": [r["message_id"] for r in rows]},
    ).fetchall():
        clicks.setdefault(mid, []).append((_floor_ms(at), bool(bot)))
    for r in rows:
        r["sent_at"], r["done_at"] = _floor_ms(r["sent_at"]), _floor_ms(r["done_at"])
        r["clicks"] = clicks.get(r["message_id"], [])
    return rows


def _months(db: Db) -> list[str]:
    """Returns the lake's readable message months."""
    return sorted({Path(f).parent.name.removeprefix("month=") for f in db.message_files()})


def _search(db: Db, column: str, value: str) -> tuple[list[dict], tuple[str, ...]]:
    months = _months(db)
    directory = _directory(db) if db.use_rollups else {t: {} for t in TABLES}
    indexed = [m for m in months if m in directory["by_number"] and m in directory["by_id"]]
    raw = [m for m in months if m not in set(indexed)]
    if column == "msisdn":
        rows = _index_by_number(directory, indexed, value)
    else:
        rows = _index_by_id(directory, indexed, value)
    if raw:
        rows += _raw(db, raw, column, value)
    return rows, tuple(raw)


def find_messages(db: Db, *, query: SearchQuery, tz: str, reveal: bool, limit: int = SHOWN) -> SearchResult:
    """Returns the messages to `query.number` (or, when there is none or it found nothing, the message
    with id `query.message_id`), newest first; numbers masked (`data.pii.mask_msisdn`) unless `reveal`."""
    rows: list[dict] = []
    raw: tuple[str, ...] = ()
    by, value = "id", query.message_id or ""
    if query.number is not None:
        rows, raw = _search(db, "msisdn", query.number)
        by, value = "number", query.number if reveal else mask_msisdn(query.number)
    if not rows and query.message_id is not None:
        rows, raw = _search(db, "message_id", query.message_id)
        if rows or query.number is None:
            by, value = "id", query.message_id
    rows.sort(key=lambda r: (r["created_at"], r["message_id"]), reverse=True)
    total = len(rows)
    rows = rows[:limit]
    return SearchResult(by, value, _frame(db, rows, tz, reveal), total, raw)


def _dispatch_names(db: Db) -> dict[str, tuple[int, str]]:
    """Returns dispatch_id -> (number, name) of every dispatch (once per lake version)."""
    src = db.sources()

    def found():
        rows = db.cursor().execute(f"SELECT dispatch_id, number, name FROM {src['dispatches']}").fetchall()
        return {d: (int(n), name) for d, n, name in rows}

    return db.remember("search_dispatch_names", found)


def _frame(db: Db, rows: list[dict], tz: str, reveal: bool) -> pd.DataFrame:
    """Returns the records as the COLUMNS frame: dispatch number and name joined, local times."""
    names = _dispatch_names(db) if any(r["dispatch_id"] is not None for r in rows) else {}
    zone = ZoneInfo(tz)

    def local(ts: dt.datetime | None) -> dt.datetime | None:
        return None if ts is None else ts.astimezone(zone).replace(tzinfo=None)

    groups = {s.value: g.value for s, g in STATUS_GROUP.items()}
    records = []
    for r in rows:
        number, name = names.get(r["dispatch_id"], (None, None))
        records.append(
            (
                r["message_id"],
                r["msisdn"] if reveal else mask_msisdn(r["msisdn"]),
                r["source"],
                r["dispatch_id"],
                number,
                name,
                r["campaign_label"],
                r["status"],
                groups.get(r["status"], groups[Status.UNKNOWN.value]),
                r["reason"],
                r["raw_status"],
                r["raw_error"],
                local(r["created_at"]),
                local(r["sent_at"]),
                local(r["done_at"]),
                [(local(at), bot) for at, bot in r["clicks"]],
            )
        )
    columns = list(zip(*records)) if records else [()] * len(COLUMNS)
    return pd.DataFrame({c: pd.Series(list(v), dtype="object") for c, v in zip(COLUMNS, columns)})
