"""The id index: which messages files may hold a message, without reading the lake's id columns.

Beside each messages file `X.parquet` lies `_ids-X.parquet.npy` (the "_" keeps it out of readers of the
folder, as Parquet tools skip such names): the sorted 64-bit hashes
(the top half of the MD5) of "i" + message_id and "q" + provider_message_id of its rows, headed by the index format and the file's size and
modification time (a file replaced by a later write no longer matches its index, which is
then built again). A look-up (`candidate_files`) hashes the ids it is after and binary-searches
each file's (memory-mapped) array; only the files with a hit are read, so a compaction reads the
rows its callbacks need, not every month's ids. An index is built when missing (the first compaction after a batch import or
after the demo builder pays one read of those files' id columns); write inside a lake
transaction only (the files are new files in the staging copy, never changed in place).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from data.lake import Lake

PREFIX = "_ids-"
FORMAT = 1
_HEADER = 3  # FORMAT, then the size and mtime_ns of the indexed file


def index_path(path: Path) -> Path:
    """Returns where the id index of messages file `path` lives."""
    return path.with_name(f"{PREFIX}{path.name}.npy")


# The top 64 bits of the MD5 of a prefixed id (MD5: a fixed algorithm, so an index stays valid across versions
# of DuckDB), computed by DuckDB a vector at a time: building a file's index costs one read of its id columns.
_HASHES = """
    SELECT CAST(md5_number('i' || message_id) >> 64 AS UBIGINT) AS i,
           CAST(md5_number('q' || provider_message_id) >> 64 AS UBIGINT) AS q
    FROM {rel}
"""


def _hashes_of(rel: str, table: pa.Table | None = None) -> np.ndarray:
    con = duckdb.connect(":memory:")
    try:
        if table is not None:
            con.register("ids", table)
        found = con.sql(_HASHES.format(rel=rel)).to_arrow_table()
    finally:
        con.close()
    # sorted in numpy: DuckDB's DISTINCT and ORDER BY took 5x as long as the hashing
    parts = [_plain(found[c]).drop_null().to_numpy(zero_copy_only=False) for c in ("i", "q")]
    out = np.concatenate([np.asarray(p, dtype=np.uint64) for p in parts])
    out.sort()  # then the repeats dropped: np.unique took 10x as long
    return out[np.r_[True, out[1:] != out[:-1]]] if len(out) else out


def hashes(message_ids: pa.Array | pa.ChunkedArray, provider_message_ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Returns the sorted distinct hashes of these message ids and provider message ids."""
    n = max(len(message_ids), len(provider_message_ids))
    pad = n - len(provider_message_ids)
    table = pa.table(
        {
            "message_id": pa.concat_arrays(
                [_plain(message_ids).cast(pa.string()), pa.nulls(n - len(message_ids), pa.string())]
            ),
            "provider_message_id": pa.concat_arrays(
                [_plain(provider_message_ids).cast(pa.string()), pa.nulls(pad, pa.string())]
            ),
        }
    )
    return _hashes_of("ids", table)


def _plain(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def write_index(path: Path, table: pa.Table | None = None) -> None:
    """Writes the id index of messages file `path`, whose rows are `table` (None: read from the file), atomically."""
    st = path.stat()
    if table is None:
        body = _hashes_of(f"read_parquet('{_quoted(path)}')")
    else:
        body = hashes(table["message_id"], table["provider_message_id"])
    out = np.concatenate([np.array([FORMAT, st.st_size, st.st_mtime_ns], dtype=np.uint64), body])
    final = index_path(path)
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as fh:
        np.save(fh, out, allow_pickle=False)
    os.replace(tmp, final)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _read_index(path: Path) -> np.ndarray | None:
    try:
        st = path.stat()
        found = np.load(index_path(path), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if found.dtype != np.uint64 or len(found) < _HEADER:
        return None
    if int(found[0]) != FORMAT or int(found[1]) != st.st_size or int(found[2]) != st.st_mtime_ns:
        return None
    return found[_HEADER:]


def candidate_files(lake: Lake, wanted: np.ndarray) -> tuple[list[Path], int]:
    """Returns the messages files that may hold one of `wanted` (hashes from `hashes`), and how many
    indexes were missing and built now."""
    out, built = [], 0
    if len(wanted) == 0:
        return out, built
    for path in sorted(lake.messages_dir.glob("month=*/*.parquet")):
        found = _read_index(path)
        if found is None:
            write_index(path)
            built += 1
            found = _read_index(path)
        if found is None or len(found) == 0:
            continue
        pos = np.searchsorted(found, wanted)
        pos = np.minimum(pos, len(found) - 1)
        if bool((found[pos] == wanted).any()):
            out.append(path)
    return out, built
