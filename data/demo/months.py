"""The lake's messages and clicks, generated and written month by month."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.random import PCG64, Generator

from data.demo.clicks import Clicks, clicks_table
from data.demo.ids import seed_key
from data.demo.messages import build_rows
from data.demo.plan import Plan
from data.demo.specs import Specs, api_specs, bulk_specs, concat_specs, file_order, split_specs
from data.demo.tables import Tables, make_tables
from data.demo.writer import ParquetFiles
from data.lake import CLICKS_STATISTICS, MESSAGES_STATISTICS, ROW_GROUP_ROWS, Lake

ProgressFn = Callable[[str, int, int], None]


SLICE_ROWS = 2 * ROW_GROUP_ROWS  # messages built at once (bounds the temporary arrays)


def write_months(plan: Plan, lake: Lake, seed: int, progress: ProgressFn | None) -> tuple[int, int]:
    """Generates and writes the messages and clicks, month by month.

    A month's messages are planned first (small integer arrays), put in file order
    (by dispatch_id, then created_at), then built and written slice by slice: the
    rows are never sorted, nor held for more than a slice. A background thread
    writes while the next slice is built. Messages created after the month (a
    dispatch running past its end) move to the next month before they are built;
    clicks after it are carried over.
    """
    id_key = seed_key(seed)
    tables = make_tables(plan)
    bounds = plan.month_starts
    n_months = len(plan.month_keys)
    # rank of each dispatch in the files (dispatch_id order); index -1 (no dispatch) last
    rank = np.array([d.number for d in plan.dispatches] + [len(plan.dispatches) + 1], dtype=np.int64)
    start_month = np.searchsorted(bounds, [d.start_us for d in plan.dispatches], side="right") - 1
    test_month = np.searchsorted(bounds, plan.tests["created_us"], side="right") - 1
    # a day's transactional messages are made in the month it starts (some may carry over)
    api_month = np.searchsorted(bounds, plan.day_start_us[:-1], side="right") - 1
    big = [i for i, d in enumerate(plan.dispatches) if d.kind == "big"]
    big_rng = Generator(PCG64([seed, 3]))  # its own stream and id range: the rest stays the same
    carry, big_carry = Specs.empty(), Specs.empty()
    carry_clicks = Clicks.concat([])
    seq = 0
    total_messages = total_clicks = 0

    with ParquetFiles() as out:
        for m in range(n_months):
            rng = Generator(PCG64([seed, 1, m]))
            regular = [i for i, d in enumerate(plan.dispatches) if start_month[i] == m and d.kind != "big"]
            parts: list[Specs] = [carry]
            if regular:
                parts.append(bulk_specs(rng, plan, regular, seq))
                seq += len(parts[-1])
            sel = np.flatnonzero(test_month == m)
            if sel.size:
                parts.append(
                    Specs(
                        created_us=plan.tests["created_us"][sel],
                        source=np.ones(sel.size, dtype=np.int8),
                        entity=plan.tests["entity"][sel],
                        dispatch=np.full(sel.size, -1, dtype=np.int32),
                        number=plan.staff[rng.integers(0, len(plan.staff), sel.size)],
                        seq=np.arange(seq, seq + sel.size, dtype=np.uint64),
                    )
                )
                seq += sel.size
            days = np.flatnonzero(api_month == m)
            if plan.api_per_day[days].sum():
                parts.append(api_specs(rng, plan, days, seq))
                seq += len(parts[-1])
            end = bounds[m + 1]
            specs = concat_specs(parts)
            del parts
            specs, carry = split_specs(specs, end)
            if len(specs) and int(specs.created_us.max()) >= plan.now_us:  # nothing happens after now
                raise AssertionError("messages after the moment the demo is built")
            specs = specs.take(file_order(specs, rank))
            big_specs = concat_specs(
                [big_carry] + [bulk_specs(big_rng, plan, [i], 1 << 40) for i in big if start_month[i] == m]
            )
            big_specs, big_carry = split_specs(big_specs, end)

            # The big dispatch's rows are one block in the file order: built from its own
            # stream and written in their place among the others.
            month = plan.month_keys[m]
            path = lake.messages_dir / f"month={month}" / "part-0000.parquet"
            clicks = [carry_clicks]

            n = len(specs)
            big_at = int(np.searchsorted(rank[specs.dispatch], rank[big[0]])) if len(big_specs) else -1
            for lo in range(0, n, SLICE_ROWS):
                rows, cl = build_rows(rng, tables, specs.take(slice(lo, lo + SLICE_ROWS)), id_key)
                clicks.append(cl)
                if lo <= big_at < lo + rows.num_rows:
                    if big_at > lo:
                        out.append(path, rows.slice(0, big_at - lo), MESSAGES_STATISTICS)
                    _append_rows(out, path, big_rng, tables, big_specs, id_key, clicks)
                    rows = rows.slice(big_at - lo)
                if rows.num_rows:
                    out.append(path, rows, MESSAGES_STATISTICS)
            if big_at >= n:
                _append_rows(out, path, big_rng, tables, big_specs, id_key, clicks)
            if n + len(big_specs):
                out.close(path)
            total_messages += n + len(big_specs)
            del specs, big_specs

            month_clicks, carry_clicks = Clicks.concat(clicks).split(end)
            del clicks
            if len(month_clicks):
                clicks_path = lake.clicks_dir / f"month={month}" / "part-0000.parquet"
                out.append(clicks_path, clicks_table(tables, month_clicks), CLICKS_STATISTICS)
                out.close(clicks_path)
                total_clicks += len(month_clicks)
            del month_clicks
            if progress:
                progress("messages", m + 1, n_months)
    if len(carry) or len(big_carry) or len(carry_clicks):  # nothing happens after `until`
        raise AssertionError("rows after the last month")
    return total_messages, total_clicks


def _append_rows(
    out: ParquetFiles, path: Path, rng: Generator, tables: Tables, specs: Specs, id_key: np.uint64, clicks: list[Clicks]
) -> None:
    """Builds the rows of `specs` a slice at a time and appends them to `path`; their clicks go to `clicks`."""
    for lo in range(0, len(specs), SLICE_ROWS):
        rows, cl = build_rows(rng, tables, specs.take(slice(lo, lo + SLICE_ROWS)), id_key)
        out.append(path, rows, MESSAGES_STATISTICS)
        clicks.append(cl)
