"""The id index: which messages files may hold a message, without reading the lake's id columns.

Beside each messages file `X.parquet` lies `_ids-X.parquet.npy` (the "_" keeps it out of readers of the
folder, as Parquet tools skip such names): the sorted 64-bit hashes
(pandas' `hash_array`, SipHash with a fixed key: stable across runs and versions) of
"i" + message_id and "q" + provider_message_id of its rows, headed by the file's size and
modification time (a file replaced by a later write no longer matches its index, which is
then built again). A look-up (`candidate_files`) hashes the ids it is after and binary-searches
each file's array; only the files with a hit are read. The arrays are memory-mapped, so a file
whose index has no hit costs a few pages, and a compaction reads what its callbacks need, not
the month. An index is built when missing (the first compaction after a batch import or
after the demo builder pays one read of those files' id columns); write inside a lake
transaction only (the files are new files in the staging copy, never changed in place).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data.lake import Lake

PREFIX = "_ids-"
_HEADER = 2  # size, mtime_ns of the indexed file


def index_path(path: Path) -> Path:
    """Returns where the id index of messages file `path` lives."""
    return path.with_name(f"{PREFIX}{path.name}.npy")


def _hash(prefix: str, values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    values = values.drop_null()
    if len(values) == 0:
        return np.empty(0, dtype=np.uint64)
    joined = pc.binary_join_element_wise(pa.repeat(pa.scalar(prefix), len(values)), values.cast(pa.string()), "")
    return pd.util.hash_array(joined.to_numpy(zero_copy_only=False), categorize=False)


def hashes(message_ids: pa.Array | pa.ChunkedArray, provider_message_ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Returns the sorted distinct hashes of these message ids and provider message ids."""
    return np.unique(np.concatenate([_hash("i", message_ids), _hash("q", provider_message_ids)]))


def write_index(path: Path, table: pa.Table) -> None:
    """Writes the id index of messages file `path`, whose rows are `table` (atomically)."""
    st = path.stat()
    body = hashes(table["message_id"], table["provider_message_id"])
    out = np.concatenate([np.array([st.st_size, st.st_mtime_ns], dtype=np.uint64), body])
    final = index_path(path)
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as fh:
        np.save(fh, out, allow_pickle=False)
    os.replace(tmp, final)


def _read_index(path: Path) -> np.ndarray | None:
    try:
        st = path.stat()
        found = np.load(index_path(path), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if found.dtype != np.uint64 or len(found) < _HEADER:
        return None
    if int(found[0]) != st.st_size or int(found[1]) != st.st_mtime_ns:
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
            write_index(path, pq.read_table(path, columns=["message_id", "provider_message_id"]))
            built += 1
            found = _read_index(path)
        if found is None or len(found) == 0:
            continue
        pos = np.searchsorted(found, wanted)
        pos = np.minimum(pos, len(found) - 1)
        if bool((found[pos] == wanted).any()):
            out.append(path)
    return out, built
