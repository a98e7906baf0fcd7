"""Merging an import's message rows and clicks into a lake (a staging copy inside a transaction).

Messages (DESIGN.md, "The lake": one row per message, its latest known state):

- Identity. A row that names our `message_id` is that message. A row known only by
  the provider's id gets `message_id = "<provider>:<provider_message_id>"`, unless
  the lake already holds a message with that (provider, provider_message_id): then
  it is that message. The same file imported twice gives the same ids.
- Status. Of all the rows of a message (the lake's and the new ones), the winner is
  the one with a final status (anything but pending) over a non-final one; among
  finals the latest `done_at`; among non-finals the latest status time; on a tie the
  lake's row, then the later line. The winner gives status, reason, raw_status,
  raw_error and done_at.
- Every other column (number, sender, dispatch, text facts, price...) is a fact of
  the message, not of a status: the lake's value stays; an empty one is filled from
  the new rows, the earliest first (a submission's exact time beats a receipt's
  minute). `source` left empty by every row is `bulk` with a dispatch, else `api`.
- created_at (which picks the month partition) is the lake's when the message is
  there already, else the earliest created_at the new rows state, else the earliest
  time they have at all (a receipt's submit date): a later file never moves a
  message to another month.
- A month whose messages are new or changed is rewritten whole (the lake's rows of
  that month plus the new state of its messages); other months are not touched, so
  importing the same file again changes no file at all. With `by_day` (the compactor),
  only the day files (`day-DD.parquet`, UTC day) of the changed messages are: the month
  is split into day files the first time, and the lake's rows are found through the id
  index (`data.idindex`). Clicks likewise.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data import clicks as click_rules
from data import idindex, schema
from data.ingest import fields
from data.ingest.core import AUX, Issue
from data.lake import (
    DAY_FILE_FORMS,
    Lake,
    is_sorted,
    month_keys,
    month_numbers,
    replace_partition,
    write_clicks,
    write_day_file,
    write_dispatches,
    write_messages,
)
from data.rollups import sql_literal
from data.schema import TS, Status

STATUS_FIELDS = ["status", "reason", "raw_status", "raw_error", "done_at"]
ATTR_FIELDS = [c for c in schema.MESSAGES.names if c not in STATUS_FIELDS and c not in ("message_id", "created_at")]
CARRY = AUX + ["_line", "_file", "_item"]


@dataclass
class MessagesMerged:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    folded: int = 0  # records that were further updates of a message of the same import
    months: list[str] = field(default_factory=list)  # month partitions rewritten
    statuses: Counter = field(default_factory=Counter)  # status of the new and updated messages
    providers: Counter = field(default_factory=Counter)  # records per provider
    issues: list[Issue] = field(default_factory=list)
    new_dispatches: int = 0
    touched_at: pa.Array | None = None  # by_day: created_at of the changed messages, before and after


def _counts(values) -> Counter:
    """How many times each value occurs (Arrow's value_counts: no Python object per row)."""
    counts = pc.value_counts(values)
    return Counter(dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist())))


def _con(lake: Lake) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(f"SET temp_directory = {sql_literal(str(lake.root.parent / '.duckdb-tmp'))}")
    return con


def _messages_relation(lake: Lake) -> str | None:
    if not lake.month_dirs():
        return None
    return f"read_parquet({sql_literal(lake.messages_glob)}, hive_partitioning=true, hive_types={{'month': VARCHAR}})"


def _read_month(lake: Lake, month: str) -> pa.Table | None:
    folder = lake.messages_dir / f"month={month}"
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return None
    parts = [pq.read_table(f, schema=schema.MESSAGES) for f in files]
    return pa.concat_tables(parts) if len(parts) > 1 else parts[0]


def _as_messages(table: pa.Table) -> pa.Table:
    return table.select(schema.MESSAGES.names).cast(schema.MESSAGES)


_MIN = np.iinfo(np.int64).min
_MAX = np.iinfo(np.int64).max


def _np(arr) -> np.ndarray:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.to_numpy(zero_copy_only=False)


def _micros(arr, fill: int) -> np.ndarray:
    ints = pc.fill_null(pc.cast(arr, pa.int64()), fill)
    return np.asarray(_np(ints), dtype=np.int64)


def _valid(arr) -> np.ndarray:
    return np.asarray(_np(pc.is_valid(arr)), dtype=bool)


# odd 64-bit constants: multiplying by one is a bijection, so ids that differ in one word never collide
_MIX = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0x27D4EB2F165667C5,
        0x85EBCA77C2B2AE63,
        0xFF51AFD7ED558CCD,
    ],
    dtype=np.uint64,
)


def all_distinct(ids: pa.Array) -> bool:
    """True when no value of `ids` repeats.

    Ids all of one length (hex ids, UUIDs: the usual case) are hashed a machine word
    at a time and sorted with numpy, under half the time of Arrow's hash table. Only
    distinct hashes prove distinct ids: when two hashes meet (or the ids differ in
    length), Arrow counts exactly.
    """
    n = len(ids)
    if n < 2:
        return True
    if ids.null_count == 0 and pa.types.is_string(ids.type):
        offsets, data = fields.string_bytes(ids)
        width = int(offsets[1] - offsets[0])
        if 0 < width <= 8 * len(_MIX) and bool((np.diff(offsets) == width).all()):
            words = -(-width // 8)
            data = data[offsets[0] : offsets[-1]].reshape(n, width)
            padded = np.zeros((n, words * 8), dtype=np.uint8)
            padded[:, :width] = data
            word = padded.view(np.uint64)
            hashes = np.zeros(n, dtype=np.uint64)
            for i in range(words):
                hashes ^= word[:, i]
                hashes *= _MIX[i]
            hashes.sort()
            if bool((hashes[1:] != hashes[:-1]).all()):
                return True
    return len(pc.unique(ids)) == n


def reduce_rows(table: pa.Table) -> pa.Table:
    """One row per message_id of `table` (rows with `_origin` 1 = the lake's, 0 = new), by the rules above.

    Rows are ordered twice with numpy: by (message, final, status time, origin, line)
    for the status — the last row of a message wins it — and by (message, lake first,
    status time, line) for the other columns — each takes the first non-empty value.
    """
    n = table.num_rows
    ids = table["message_id"]
    codes = _np(pc.dictionary_encode(ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids).indices)
    final = np.asarray(_np(pc.fill_null(pc.not_equal(table["status"], Status.PENDING.value), False)), dtype=bool)
    done = _micros(table["done_at"], _MIN)
    event = _micros(table["_event_at"], _MIN)
    stime = np.where(final, done, event)
    origin = np.asarray(_np(pc.fill_null(table["_origin"], 0)), dtype=np.int8)
    seq = np.asarray(_np(pc.fill_null(table["_seq"], -1)), dtype=np.int64)
    order = np.lexsort((seq, origin, stime, final, codes))
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    lasts = np.r_[starts[1:], n] - 1
    winners = order[lasts]
    firsts_order = np.lexsort((seq, np.where(event == _MIN, done, event), -origin, codes))
    positions = np.arange(n)

    def first_valid(column) -> pa.Array:
        valid = _valid(column)[firsts_order]
        pos = np.where(valid, positions, n)
        first = np.minimum.reduceat(pos, starts)
        picks = np.where(first < n, firsts_order[np.minimum(first, n - 1)], winners)
        return column.take(pa.array(picks))

    out: dict[str, pa.Array] = {"message_id": ids.take(pa.array(winners))}
    for c in STATUS_FIELDS:
        out[c] = table[c].take(pa.array(winners))
    for c in ATTR_FIELDS + [c for c in CARRY if c in table.column_names]:
        out[c] = first_valid(table[c])
    created = _micros(table["created_at"], _MAX)
    has_created = created != _MAX
    given = np.asarray(_np(pc.fill_null(table["_created_given"], False)), dtype=bool)
    lake_pos = np.where((origin == 1) & has_created, positions, -1)[order]
    lake_last = np.maximum.reduceat(lake_pos, starts)
    new_given = np.minimum.reduceat(np.where((origin == 0) & given, created, _MAX)[order], starts)
    new_any = np.minimum.reduceat(np.where(origin == 0, created, _MAX)[order], starts)
    lake_value = np.where(lake_last >= 0, created[np.maximum(lake_last, 0)], _MAX)
    chosen = np.where(lake_value != _MAX, lake_value, np.where(new_given != _MAX, new_given, new_any))
    out["created_at"] = pa.array(chosen, pa.int64(), mask=chosen == _MAX).cast(TS)
    out["_origin"] = pa.array(np.maximum.reduceat(origin[order], starts), pa.int8())
    out["_seq"] = pa.array(np.maximum.reduceat(seq[order], starts), pa.int64())
    return pa.table(out)


def _equal_rows(a: pa.Table, b: pa.Table) -> np.ndarray:
    """Row-wise equality of two tables with the MESSAGES columns, aligned (nulls equal nulls)."""
    same = np.ones(a.num_rows, dtype=bool)
    for name in schema.MESSAGES.names:
        x, y = a[name], b[name]
        eq = pc.equal(x, y)
        both_null = pc.and_(pc.is_null(x), pc.is_null(y))
        eq = pc.or_(pc.fill_null(eq, False), both_null)
        same &= (
            np.asarray(eq.to_numpy(zero_copy_only=False), dtype=bool)
            if not isinstance(eq, pa.ChunkedArray)
            else np.asarray(eq.combine_chunks().to_numpy(zero_copy_only=False), dtype=bool)
        )
    return same


def merge_messages(
    lake: Lake, rows: pa.Table, *, names: list[str], raw_text, progress=None, by_day: bool = False
) -> MessagesMerged:
    """Merges normalised message rows (with working columns) into `lake`; see the module's docstring.

    `by_day` (the compactor's small, frequent merges): the lake's rows are found through the id index
    (`data.idindex`) and only the day files of the changed messages are rewritten (`_write_days`)."""
    result = MessagesMerged()
    if rows.num_rows == 0:
        return result
    total_records = rows.num_rows
    for p, count in _counts(rows["provider"]).items():
        result.providers[p or "?"] += count
    rows = rows.append_column("_origin", pa.repeat(pa.scalar(0, pa.int8()), rows.num_rows))

    # --- which of these messages does the lake hold already?
    relation = _messages_relation(lake)
    existing = None
    lake_touched = 0
    if relation is not None:
        rows, existing = _find_existing(lake, relation, rows, indexed=by_day)
        lake_touched = existing.num_rows
        if existing.num_rows:
            # a new row equal to the lake's row of its message changes nothing: drop it now
            pos = pc.index_in(rows["message_id"], value_set=existing["message_id"])
            has = pc.is_valid(pos)
            if pc.any(has).as_py():
                idx = pc.indices_nonzero(has)
                same = _equal_rows(_as_messages(rows.take(idx)), _as_messages(existing.take(pos.take(idx))))
                if same.any():
                    drop = np.zeros(rows.num_rows, dtype=bool)
                    drop[_np(idx)[same]] = True
                    rows = rows.filter(pa.array(~drop))
            still = pc.is_in(existing["message_id"], value_set=rows["message_id"])
            existing = existing.filter(still)

    # --- one row per message
    both = (
        rows
        if existing is None or existing.num_rows == 0
        else pa.concat_tables([rows, existing.select(rows.column_names)])
    )
    ids = both["message_id"].combine_chunks() if isinstance(both["message_id"], pa.ChunkedArray) else both["message_id"]
    if all_distinct(ids):  # one record per message (a first import): no codes needed, a quarter of their time
        in_multi = np.zeros(len(ids), dtype=bool)
    else:
        codes = _np(pc.dictionary_encode(ids).indices)
        in_multi = np.bincount(codes)[codes] > 1
    if in_multi.any():
        reduced = reduce_rows(both.filter(pa.array(in_multi)))
        single = both.filter(pa.array(~in_multi)).select(reduced.column_names)
        merged = pa.concat_tables([single, reduced.cast(single.schema)])
    else:
        merged = both
    rows = both  # for the quarantine below: the records of each message
    # no row said the source: bulk when there is a dispatch, else a transactional (API) message
    if merged["source"].null_count:
        merged = merged.set_column(
            merged.schema.get_field_index("source"),
            "source",
            pc.coalesce(
                merged["source"], pc.if_else(pc.is_valid(merged["dispatch_id"]), pa.scalar("bulk"), pa.scalar("api"))
            ),
        )

    # --- a message new to the lake needs a time to be placed in a month
    no_time = pc.and_(pc.is_null(merged["created_at"]), pc.equal(merged["_origin"], 0))
    if pc.any(no_time).as_py():
        lost = merged.filter(no_time)["message_id"]
        bad_rows = rows.filter(pc.and_(pc.is_in(rows["message_id"], value_set=lost), pc.equal(rows["_origin"], 0)))
        for ln, fi, it in zip(
            bad_rows["_line"].to_pylist(), bad_rows["_file"].to_pylist(), bad_rows["_item"].to_pylist()
        ):
            result.issues.append(
                Issue(
                    names[fi],
                    int(ln or 0),
                    "update of a message the lake does not have, and no time to place it",
                    raw_text(fi, int(ln or 0), it),
                    it,
                )
            )
        merged = merged.filter(pc.invert(no_time))
        total_records -= bad_rows.num_rows

    # --- new, changed, unchanged
    in_lake = pc.equal(merged["_origin"], 1)
    lake_ids = existing["message_id"] if existing is not None and existing.num_rows else pa.array([], pa.string())
    in_lake = (
        pc.fill_null(pc.is_in(merged["message_id"], value_set=lake_ids), False)
        if len(lake_ids)
        else pa.repeat(False, merged.num_rows)
    )
    changed = np.ones(merged.num_rows, dtype=bool)
    old_month: dict[str, str] = {}
    if len(lake_ids):
        idx_lake = pc.indices_nonzero(in_lake)
        now_rows = _as_messages(merged.take(idx_lake)).sort_by("message_id")
        before = existing.sort_by("message_id")
        same = _equal_rows(now_rows, _as_messages(before))
        same_ids = now_rows["message_id"].filter(pa.array(same))
        changed = pc.invert(pc.fill_null(pc.is_in(merged["message_id"], value_set=same_ids), False))
        changed = np.asarray(changed.to_numpy(zero_copy_only=False), dtype=bool)
        old_month = dict(zip(before["message_id"].to_pylist(), before["_month"].to_pylist()))
        result.unchanged = int(len(same_ids))
    result.unchanged += lake_touched - (existing.num_rows if existing is not None else 0)
    in_lake_np = np.asarray(in_lake.to_numpy(zero_copy_only=False), dtype=bool)
    result.new = int((~in_lake_np).sum())
    result.updated = int((in_lake_np & changed).sum())
    result.folded = max(total_records - result.new - result.updated - result.unchanged, 0)

    out = merged if changed.all() else merged.filter(pa.array(changed))
    if out.num_rows == 0:
        return result
    result.statuses.update(_counts(out["status"]))
    keys = month_keys(out["created_at"])
    months = set(pc.unique(keys).to_pylist())
    moved_from: dict[str, set[str]] = {}
    for mid in out["message_id"].filter(pa.array(in_lake_np[changed])).to_pylist():
        m = old_month.get(mid)
        if m is not None:
            moved_from.setdefault(m, set()).add(mid)
            months.add(m)
    _ensure_dispatches(lake, out, result)
    messages_out = _as_messages(out)
    ids_out = messages_out["message_id"]
    # the new state of each month's messages, as one contiguous slice per month
    serial = month_numbers(out["created_at"])
    if len(serial) > 1 and not (serial[1:] >= serial[:-1]).all():  # not in month order yet
        order = pc.sort_indices(keys)
        messages_out = messages_out.take(order)
        keys = keys.take(order)
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    runs = pc.run_end_encode(keys)
    ends = runs.run_ends.to_pylist()
    starts = [0] + ends[:-1]
    slices = {m: (a, b) for m, a, b in zip(runs.values.to_pylist(), starts, ends)}
    if by_day:
        old_at = None
        if existing is not None and existing.num_rows:
            old_at = existing.filter(pc.is_in(existing["message_id"], value_set=ids_out))["created_at"]
        result.touched_at = pa.concat_arrays(
            [_plain(out["created_at"].cast(TS))] + ([_plain(old_at.cast(TS))] if old_at is not None else [])
        )
    for i, month in enumerate(sorted(months)):
        a, b = slices.get(month, (0, 0))
        add = messages_out.slice(a, b - a)
        if by_day:
            _write_days(lake, month, add, ids_out, old_at)
            if progress:
                progress("write months", i + 1, len(months))
            continue
        base = _read_month(lake, month)
        if base is not None and (month in moved_from):
            base = base.filter(pc.invert(pc.is_in(base["message_id"], value_set=ids_out)))
        table = add if base is None else pa.concat_tables([base, add])
        folder = lake.messages_dir / f"month={month}"
        if table.num_rows == 0:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            write_messages(lake, table, month)
        if progress:
            progress("write months", i + 1, len(months))
    result.months = sorted(months)
    return result


def _indexed_relation(lake: Lake, message_ids: pa.Array, provider_message_ids: pa.Array) -> str | None:
    """Returns the messages files that may hold these ids (the id index) as a relation, or None when none can."""
    files, _ = idindex.candidate_files(lake, idindex.hashes(message_ids, provider_message_ids))
    if not files:
        return None
    return f"read_parquet({_list([str(f) for f in files])}, hive_partitioning=true, hive_types={{'month': VARCHAR}})"


_DAY_FILE = re.compile(r"day-\d\d\.parquet")


def _plain(arr) -> pa.Array:
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _days_of_month(ts) -> np.ndarray:
    """Returns the UTC day of the month (1-31) of each timestamp (none null)."""
    days = _micros(ts, 0).view("datetime64[us]").astype("datetime64[D]")
    return (days - days.astype("datetime64[M]")).astype(np.int64) + 1


def _write_days(lake: Lake, month: str, add: pa.Table, ids_out: pa.Array, old_at: pa.Array | None) -> None:
    """Puts `add` (the new state of messages of `month`) into the month's day files (one per UTC day of
    created_at), rewriting only the days they, or the earlier state of the changed messages, are in."""
    touched: set[int] = set()
    if old_at is not None and len(old_at):
        in_month = pc.equal(month_keys(old_at), month)
        touched.update(np.unique(_days_of_month(old_at.filter(in_month))).tolist())
    _put_days("messages", lake.messages_dir / f"month={month}", add, touched, drop_ids=ids_out)


def _is_split(files: list[Path]) -> bool:
    return all(_DAY_FILE.fullmatch(f.name) for f in files)


def _put_days(kind: str, folder: Path, add: pa.Table, touched: set[int], drop_ids: pa.Array | None = None) -> None:
    """Adds `add` (rows of `kind` of one month) to the month folder's day files (by UTC day of the month's time
    column), dropping the rows of `drop_ids` from the days written (those of `add` and `touched`). A month written
    whole (one file: a batch import, the demo) is split into day files the first time."""
    columns, sort_keys, statistics = DAY_FILE_FORMS[kind]
    ts_column = "created_at" if kind == "messages" else "clicked_at"
    indexed = kind == "messages"

    def keep(table: pa.Table) -> pa.Table:
        if drop_ids is None:
            return table
        return table.filter(pc.invert(pc.is_in(table["message_id"], value_set=drop_ids)))

    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not _is_split(files):
        whole = pa.concat_tables([keep(_read_files(files, columns)), add.select(columns.names).cast(columns)])
        days = _days_of_month(whole[ts_column])
        parts = {}
        for day in np.unique(days).tolist():
            part = whole.filter(pa.array(days == day))
            parts[f"day-{day:02d}.parquet"] = part if is_sorted(part, sort_keys) else part.sort_by(sort_keys)
        replace_partition(folder, parts, statistics)
        if indexed:
            for name, part in parts.items():
                idindex.write_index(folder / name, part)
        return
    folder.mkdir(parents=True, exist_ok=True)
    add_days = _days_of_month(add[ts_column])
    for day in sorted(set(np.unique(add_days).tolist()) | touched):
        path = folder / f"day-{day:02d}.parquet"
        part = add.filter(pa.array(add_days == day)).select(columns.names).cast(columns)
        if path.exists():
            part = pa.concat_tables([keep(pq.read_table(path, schema=columns)), part])
        if part.num_rows == 0:
            path.unlink(missing_ok=True)
            idindex.index_path(path).unlink(missing_ok=True)
            continue
        write_day_file(kind, part, path)
        if indexed:
            idindex.write_index(path, part)
    if not any(folder.glob("*.parquet")):
        shutil.rmtree(folder, ignore_errors=True)


def _read_files(files: list[Path], columns: pa.Schema) -> pa.Table:
    parts = [pq.read_table(f, schema=columns) for f in files]
    return pa.concat_tables(parts) if parts else columns.empty_table()


def _day_files_of(folder: Path, ts: pa.Array) -> list[Path]:
    """Returns the files of a month folder that hold the days of `ts` (every file, when it is not split yet)."""
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not _is_split(files):
        return files
    days = {f"day-{d:02d}.parquet" for d in np.unique(_days_of_month(ts)).tolist()}
    return [f for f in files if f.name in days]


def _find_existing(lake: Lake, relation: str, rows: pa.Table, *, indexed: bool = False) -> tuple[pa.Table, pa.Table]:
    """Gives derived ids the lake's id for the same (provider, provider_message_id); returns the lake's rows
    (`indexed`: looked up in the files the id index names, not in every file)."""
    if indexed:
        derived = rows.filter(pc.fill_null(rows["_derived"], False))
        relation = _indexed_relation(lake, rows["message_id"], derived["provider_message_id"])
        if relation is None:
            return rows, _empty_lake_rows()
    relation = relation.replace("hive_partitioning=true", "hive_partitioning=true, filename=true", 1)
    con = _con(lake)
    try:
        ids = pa.table({"message_id": pc.unique(rows["message_id"])})
        derived = rows.filter(pc.fill_null(rows["_derived"], False))
        keys = pa.table({"provider": derived["provider"], "pmid": derived["provider_message_id"]})
        con.register("ids", ids)
        con.register("pkeys", keys)
        # One scan with OR, not a UNION of two: the lake's id columns are read once (4-5x faster at 10M messages,
        # which is what a compaction of live callbacks pays on every run).
        found = con.sql(f"""
            SELECT DISTINCT m.message_id, m.provider, m.provider_message_id, m.month, m.filename FROM {relation} m
            WHERE m.message_id IN (SELECT message_id FROM ids)
               OR (m.provider, m.provider_message_id) IN (SELECT DISTINCT provider, pmid FROM pkeys)
        """).to_arrow_table()
        if found.num_rows == 0:
            return rows, _empty_lake_rows()
        # the lake's id for a (provider, provider_message_id) the import only knows by the provider's id
        by_key = found.filter(pc.is_valid(found["provider_message_id"]))
        lake_key = pc.binary_join_element_wise(by_key["provider"], by_key["provider_message_id"], "\x1f")
        row_key = pc.binary_join_element_wise(rows["provider"], rows["provider_message_id"], "\x1f")
        pos = pc.index_in(row_key, value_set=lake_key)
        lake_id = by_key["message_id"].take(pos)
        use = pc.and_(pc.fill_null(rows["_derived"], False), pc.is_valid(lake_id))
        rows = rows.set_column(
            rows.schema.get_field_index("message_id"), "message_id", pc.if_else(use, lake_id, rows["message_id"])
        )
        files = sorted(set(found["filename"].to_pylist()))
        con.register("found", found.select(["message_id", "month"]))
        existing = con.sql(f"""
            SELECT m.*, f.month AS _month FROM read_parquet({_list(files)}) m
            JOIN found f USING (message_id)
        """).to_arrow_table()
    finally:
        con.close()
    existing = existing.select(schema.MESSAGES.names + ["_month"])
    existing = pa.table(
        {
            **{n: existing[n].cast(schema.MESSAGES.field(n).type) for n in schema.MESSAGES.names},
            "_month": existing["_month"],
        }
    )
    return rows, _lake_rows(existing)


def _list(paths: list[str]) -> str:
    return "[" + ", ".join(sql_literal(p) for p in paths) + "]"


def _lake_rows(existing: pa.Table) -> pa.Table:
    n = existing.num_rows
    cols = {name: existing[name] for name in existing.column_names}
    cols["segments"] = existing["segments"].cast(pa.int64())
    for name in AUX:
        cols[name] = pa.nulls(n, pa.int64() if name == "dispatch_number" else pa.string())
    cols.update(
        {
            "_line": pa.nulls(n, pa.int64()),
            "_item": pa.nulls(n, pa.string()),
            "_file": pa.nulls(n, pa.int32()),
            "_event_at": pa.nulls(n, TS),
            "_derived": pa.repeat(False, n) if n else pa.array([], pa.bool_()),
            "_known": pa.repeat(True, n) if n else pa.array([], pa.bool_()),
            "_created_given": pa.repeat(True, n) if n else pa.array([], pa.bool_()),
            "_seq": pa.repeat(pa.scalar(-1, pa.int64()), n) if n else pa.array([], pa.int64()),
            "_origin": pa.repeat(pa.scalar(1, pa.int8()), n) if n else pa.array([], pa.int8()),
        }
    )
    return pa.table(cols)


def _empty_lake_rows() -> pa.Table:
    empty = pa.table({**{f.name: pa.array([], f.type) for f in schema.MESSAGES}, "_month": pa.array([], pa.string())})
    return _lake_rows(empty)


# --------------------------------------------------------------------------- dispatches


def read_dispatches(lake: Lake) -> pa.Table:
    if lake.dispatches_file.exists():
        return pq.read_table(lake.dispatches_file, schema=schema.DISPATCHES)
    return schema.DISPATCHES.empty_table()


def ensure_dispatches_file(lake: Lake) -> None:
    """The app needs a dispatches table, even an empty one, to read a lake."""
    if not lake.dispatches_file.exists():
        write_dispatches(lake, schema.DISPATCHES.empty_table())


def _ensure_dispatches(lake: Lake, out: pa.Table, result: MessagesMerged) -> None:
    """Adds a dispatch for every dispatch_id of bulk messages that the dispatches table lacks."""
    is_bulk = pc.fill_null(pc.equal(out["source"], "bulk"), False)
    if not pc.any(is_bulk).as_py():
        return
    have = read_dispatches(lake)
    known = pa.array(have["dispatch_id"].to_pylist() or [""], pa.string())
    unknown = pc.and_(is_bulk, pc.invert(pc.fill_null(pc.is_in(out["dispatch_id"], value_set=known), False)))
    if not pc.any(unknown).as_py():
        return
    cols = ["sender", "text", "dispatch_name", "dispatch_number", "recipient_group", "description"]
    # per dispatch: the earliest time, and the first value of each column in time order (numpy: no string sort);
    # rows picked by their position in `out` (no filtered copy of its columns)
    rows = np.flatnonzero(_np(unknown))
    encoded = pc.dictionary_encode(out["dispatch_id"].take(pa.array(rows)))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    codes = _np(encoded.indices)
    created = _micros(out["created_at"], _MAX)[rows]
    order = np.lexsort((created, codes))
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    n = len(rows)
    firsts: list[dict] = [
        {"dispatch_id": d} for d in encoded.dictionary.take(pa.array(sorted_codes[starts])).to_pylist()
    ]
    for f, when in zip(firsts, out["created_at"].take(pa.array(rows[order[starts]])).to_pylist()):
        f["created_at"] = when
    for c in cols:
        pos = np.where(_valid(out[c])[rows][order], np.arange(n), n)
        first = np.minimum.reduceat(pos, starts)
        values = out[c].take(pa.array(rows[np.where(first < n, order[np.minimum(first, n - 1)], 0)])).to_pylist()
        for f, ok, v in zip(firsts, first < n, values):
            f[c] = v if ok else None
    firsts.sort(key=lambda f: (f["created_at"], f["dispatch_id"]))
    numbers = set(n for n in have["number"].to_pylist() if n is not None)
    next_number = max(numbers, default=0) + 1
    added = []
    for d in firsts:
        number = d.get("dispatch_number")
        if number is None or number in numbers:
            while next_number in numbers:
                next_number += 1
            number = next_number
        numbers.add(number)
        added.append(
            {
                "dispatch_id": d["dispatch_id"],
                "number": int(number),
                "name": d.get("dispatch_name") or d["dispatch_id"],
                "description": d.get("description"),
                "message_text": d.get("text") or "",
                "recipient_group": d.get("recipient_group") or "",
                "sender": d.get("sender") or "",
                "created_at": d["created_at"],
            }
        )
    table = pa.concat_tables([have, pa.Table.from_pylist(added, schema=schema.DISPATCHES)])
    write_dispatches(lake, table)
    result.new_dispatches = len(added)


# --------------------------------------------------------------------------- clicks


@dataclass
class ClicksMerged:
    new: int = 0
    unchanged: int = 0  # already in the lake
    duplicates: int = 0  # repeated within the import
    bots: int = 0
    months: list[str] = field(default_factory=list)  # clicks partitions rewritten
    message_months: set[str] = field(default_factory=set)  # messages' months that got new clicks
    touched_at: pa.Array | None = None  # created_at of the messages that got new clicks
    issues: list[Issue] = field(default_factory=list)


def merge_clicks(
    lake: Lake, clicks: pa.Table, *, names: list[str], raw_text, links: pa.Table | None = None, by_day: bool = False
) -> ClicksMerged:
    """Resolves click rows to messages, marks bots (data/clicks.py) and merges them into the lake.

    `clicks` columns: message_id, provider, provider_message_id, link_id (one of them
    set), clicked_at, user_agent, _line, _file, _item. `links` maps link_id to
    message_id or provider_message_id (+ provider).
    """
    result = ClicksMerged()
    n = clicks.num_rows
    if n == 0:
        return result
    relation = _messages_relation(lake)
    link_mid = pa.nulls(n, pa.string())
    link_pmid = pa.nulls(n, pa.string())
    link_prov = pa.nulls(n, pa.string())
    if links is not None and links.num_rows:
        pos = pc.index_in(clicks["link_id"], value_set=links["link_id"])
        link_mid = links["message_id"].take(pos)
        link_pmid = links["provider_message_id"].take(pos)
        link_prov = links["provider"].take(pos)
    mid = pc.coalesce(clicks["message_id"], link_mid)
    pmid = pc.coalesce(clicks["provider_message_id"], link_pmid)
    prov = pc.coalesce(clicks["provider"], link_prov)
    work = pa.table({"mid": mid, "pmid": pmid, "prov": prov, "i": pa.array(np.arange(n, dtype=np.int64))})
    if by_day and relation is not None:  # only the files the id index names
        relation = _indexed_relation(lake, mid, pc.if_else(pc.is_null(mid), pmid, pa.scalar(None, pa.string())))
    found = pa.table(
        {
            "i": pa.array([], pa.int64()),
            "message_id": pa.array([], pa.string()),
            "status": pa.array([], pa.string()),
            "done_at": pa.array([], TS),
            "created_at": pa.array([], TS),
            "matches": pa.array([], pa.int64()),
        }
    )
    if relation is not None:
        con = _con(lake)
        try:
            con.register("work", work)
            found = con.sql(f"""
                WITH hits AS (
                    SELECT w.i, m.message_id, m.status, m.done_at, m.created_at FROM work w
                    JOIN {relation} m ON m.message_id = w.mid
                    UNION ALL
                    SELECT w.i, m.message_id, m.status, m.done_at, m.created_at FROM work w
                    JOIN {relation} m ON w.mid IS NULL AND m.provider_message_id = w.pmid
                         AND (w.prov IS NULL OR m.provider = w.prov)
                )
                SELECT i, any_value(message_id) AS message_id, any_value(status) AS status,
                       any_value(done_at) AS done_at, any_value(created_at) AS created_at,
                       count(DISTINCT message_id) AS matches
                FROM hits GROUP BY i
            """).to_arrow_table()
        finally:
            con.close()
    pos = pc.index_in(work["i"], value_set=found["i"])
    message_id = found["message_id"].take(pos)
    matches = pc.fill_null(found["matches"].take(pos), 0)
    status = found["status"].take(pos)
    done_at = found["done_at"].take(pos).cast(TS)
    created_at = found["created_at"].take(pos).cast(TS)
    ambiguous = pc.greater(matches, 1)
    unknown = pc.is_null(message_id)
    has_link = pc.is_valid(clicks["link_id"])
    reason = pc.if_else(
        ambiguous,
        pa.scalar("the provider's id matches more than one message; give the provider"),
        pc.if_else(
            unknown,
            pc.if_else(
                pc.and_(has_link, pc.and_(pc.is_null(mid), pc.is_null(pmid))),
                pa.scalar("unknown short-link id (not in --links)"),
                pa.scalar("unknown message id"),
            ),
            pa.scalar(None, pa.string()),
        ),
    )
    bad = pc.is_valid(reason)
    if pc.any(bad).as_py():
        idx = pc.indices_nonzero(bad)
        for ln, fi, it, why in zip(
            clicks["_line"].take(idx).to_pylist(),
            clicks["_file"].take(idx).to_pylist(),
            clicks["_item"].take(idx).to_pylist(),
            reason.take(idx).to_pylist(),
        ):
            result.issues.append(Issue(names[fi], int(ln or 0), why, raw_text(fi, int(ln or 0), it), it))
    good = pc.invert(bad)
    clicked_at = clicks["clicked_at"].filter(good)
    ua = clicks["user_agent"].filter(good)
    delivered = pc.fill_null(pc.equal(status.filter(good), Status.DELIVERED.value), False)
    seconds = pc.divide(
        pc.cast(pc.subtract(pc.cast(clicked_at, pa.int64()), pc.cast(done_at.filter(good), pa.int64())), pa.float64()),
        1e6,
    )
    seconds = pc.if_else(delivered, seconds, pa.scalar(None, pa.float64()))
    is_bot = click_rules.bot_click_mask(ua, seconds)
    new = pa.table(
        {
            "message_id": message_id.filter(good),
            "clicked_at": clicked_at,
            "user_agent": ua,
            "is_bot": pa.array(is_bot, pa.bool_()),
        },
        schema=schema.CLICKS,
    )
    created = created_at.filter(good)
    # one row per distinct click event (message, time, user agent)
    key = _click_key(new)
    uniq_idx = _first_occurrence(key)
    result.duplicates = new.num_rows - len(uniq_idx)
    new = new.take(uniq_idx)
    created = created.take(uniq_idx)
    keys = month_keys(new["clicked_at"])
    written, touched = [], []
    for month in sorted(set(pc.unique(keys).to_pylist())):
        sel = pc.equal(keys, month)
        add = new.filter(sel)
        add_created = created.filter(sel)
        if by_day:  # the days of these clicks only: a click's key holds its time, so a repeat is in its day's file
            base = _read_files(_day_files_of(lake.clicks_dir / f"month={month}", add["clicked_at"]), schema.CLICKS)
        else:
            base = _read_clicks_month(lake, month)
        if base is not None and base.num_rows:
            seen = pc.is_in(_click_key(add), value_set=_click_key(base))
            fresh = pc.invert(pc.fill_null(seen, False))
        else:
            fresh = pa.repeat(True, add.num_rows)
        add = add.filter(fresh)
        add_created = add_created.filter(fresh)
        result.unchanged += int(pc.sum(pc.cast(pc.invert(fresh), pa.int64())).as_py() or 0)
        if add.num_rows == 0:
            continue
        result.new += add.num_rows
        result.bots += int(pc.sum(pc.cast(add["is_bot"], pa.int64())).as_py() or 0)
        result.message_months.update(pc.unique(month_keys(add_created)).to_pylist())
        touched.append(_plain(add_created))
        if by_day:
            _put_days("clicks", lake.clicks_dir / f"month={month}", add, set())
        else:
            write_clicks(lake, add if base is None else pa.concat_tables([base, add]))
        written.append(month)
    result.months = written
    result.touched_at = pa.concat_arrays(touched) if touched else None
    return result


def _click_key(t: pa.Table) -> pa.Array:
    ts = pc.cast(pc.cast(t["clicked_at"], pa.int64()), pa.string())
    arr = pc.binary_join_element_wise(t["message_id"], ts, pc.fill_null(t["user_agent"], "\x00"), "\x1f")
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _first_occurrence(key: pa.Array) -> pa.Array:
    encoded = pc.dictionary_encode(key)
    idx = np.asarray(encoded.indices.to_numpy(zero_copy_only=False))
    _, first = np.unique(idx, return_index=True)
    return pa.array(np.sort(first))


def _read_clicks_month(lake: Lake, month: str) -> pa.Table | None:
    folder = lake.clicks_dir / f"month={month}"
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return None
    parts = [pq.read_table(f, schema=schema.CLICKS) for f in files]
    return pa.concat_tables(parts) if len(parts) > 1 else parts[0]
