"""Parquet files written on a background thread while the generator builds the next rows."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from data.lake import COMPRESSION, ROW_GROUP_ROWS, column_encoding, dictionary_columns


class ParquetFiles:
    """Writes Parquet files on a background thread, while the caller builds the next rows.

    `append(path, table, statistics)` adds row groups to the file (created on first
    use, with min/max statistics for the columns `statistics`), `close(path)`
    finishes it. At most a few tables wait in the queue (bounded memory). The files
    go into the lake's private staging copy, so they need no atomic replacing; an
    error in the thread is raised in the caller's next call.

    Tables come with dictionary columns (the writer stores their indices as they
    are) and are stored without the Arrow schema, so readers see plain strings:
    exactly the lake's schema.
    """

    def __init__(self, depth: int = 3):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="demo-writer", daemon=True)
        self._thread.start()

    def __enter__(self) -> ParquetFiles:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._queue.put(None)
        self._thread.join()
        if exc is None and self._error is not None:
            raise self._error

    def append(self, path: Path, table: pa.Table, statistics: list[str]) -> None:
        self._raise()
        self._queue.put(("append", path, (table, statistics)))

    def close(self, path: Path) -> None:
        self._raise()
        self._queue.put(("close", path, None))

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        writers: dict[Path, pq.ParquetWriter] = {}
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain until the caller stops
            op, path, arg = item
            try:
                if op == "append":
                    table, statistics = arg
                    if path not in writers:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        writers[path] = pq.ParquetWriter(
                            path,
                            table.schema,
                            compression=COMPRESSION,
                            store_schema=False,
                            use_dictionary=dictionary_columns(table.schema),
                            write_statistics=statistics,
                            column_encoding=column_encoding(table.schema),
                        )
                    writers[path].write_table(table, row_group_size=ROW_GROUP_ROWS)
                else:
                    writers.pop(path).close()
            except BaseException as e:  # handed to the caller
                self._error = e
        for w in writers.values():
            try:
                w.close()
            except Exception:
                pass
