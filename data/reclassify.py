"""Stored clicks judged again by today's bot rule (`python app.py clicks reclassify`).

A click's `is_bot` is decided when it is imported (data/clicks.py). When the rule changes (a new
version of the maintained crawler list, or of our own list), the stored clicks keep the verdicts
of the rule they were imported under; this applies the current rule to every stored click, with
the same evidence the import uses: the user agent, and the time from the delivery of its message
(done_at of a delivered message, as the lake has it now). Months whose verdicts changed are
rewritten, and the rollups of the messages' months they touch rebuilt, in one lake transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data import clicks as click_rules
from data import schema
from data.lake import Lake, month_keys, transaction, write_clicks
from data.rollups import build_rollups, read_state, sql_literal
from data.schema import Status


@dataclass
class MonthChange:
    """What reclassifying did to one month of clicks (UTC month of the click time)."""

    clicks: int  # stored clicks
    now_bots: int  # were people, are bots now
    now_people: int  # were bots, are people now

    @property
    def changed(self) -> int:
        """Returns how many clicks of the month changed verdict."""
        return self.now_bots + self.now_people


@dataclass
class Reclassified:
    """The outcome: per click month, and the messages' months whose rollups were rebuilt."""

    months: dict[str, MonthChange] = field(default_factory=dict)
    rollup_months: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        """Returns how many stored clicks changed verdict in all."""
        return sum(m.changed for m in self.months.values())


class _Unchanged(Exception):
    """Raised inside the transaction when no verdict changed: the copy is discarded, the lake stays as it was."""


def reclassify_clicks(lake: Lake, *, tz: str) -> Reclassified:
    """Applies the current bot rule to every stored click; returns what changed (nothing: the lake is untouched).

    `tz` is the reporting time zone, which the rebuilt rollups use (all months are rebuilt when the rollups
    were made for another one, as `ingest` does).
    """
    result = Reclassified()
    try:
        with transaction(lake) as staging:
            table = _judged(staging)
            if table is None:
                raise _Unchanged
            keys = month_keys(table["clicked_at"])
            touched: set[str] = set()
            for month in sorted(pc.unique(keys).to_pylist()):
                part = table.filter(pc.equal(keys, month))
                old = np.asarray(part["is_bot"].to_numpy(zero_copy_only=False), dtype=bool)
                new = np.asarray(part["new_is_bot"].to_numpy(zero_copy_only=False), dtype=bool)
                result.months[month] = MonthChange(len(part), int((new & ~old).sum()), int((old & ~new).sum()))
                if (old != new).any():
                    changed = pa.array(old != new)
                    touched.update(m for m in pc.unique(part["message_month"].filter(changed)).to_pylist() if m)
                    write_clicks(
                        staging, part.set_column(part.schema.get_field_index("is_bot"), "is_bot", pa.array(new))
                    )
            if result.changed == 0:
                raise _Unchanged
            state = read_state(staging)
            if state is not None and touched:
                if state.get("tz") == tz:
                    build_rollups(staging, tz=tz, months=sorted(touched))
                    result.rollup_months = sorted(touched)
                else:
                    build_rollups(staging, tz=tz)
                    result.rollup_months = sorted(m.name.removeprefix("month=") for m in staging.month_dirs())
    except _Unchanged:
        pass
    return result


def _judged(lake: Lake) -> pa.Table | None:
    """Returns every stored click with its current verdict (`new_is_bot`) and its message's month, or None when the
    lake has no clicks."""
    if not any(lake.clicks_dir.glob("month=*/*.parquet")):
        return None
    clicks = f"read_parquet({sql_literal(lake.clicks_glob)}, hive_partitioning=false)"
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"SET temp_directory = {sql_literal(str(lake.root.parent / '.duckdb-tmp'))}")
        if lake.month_dirs():
            messages = (
                f"read_parquet({sql_literal(lake.messages_glob)}, hive_partitioning=true, "
                "hive_types={'month': VARCHAR})"
            )
            found = f"""
                SELECT c.message_id, c.clicked_at, c.user_agent, c.is_bot, m.month AS message_month,
                       CASE WHEN m.status = {sql_literal(Status.DELIVERED.value)}
                            THEN (epoch_us(c.clicked_at) - epoch_us(m.done_at)) / 1e6 END AS seconds
                FROM {clicks} c
                LEFT JOIN (SELECT message_id, status, done_at, month FROM {messages}
                           WHERE message_id IN (SELECT message_id FROM {clicks})) m USING (message_id)
            """
        else:
            found = f"""SELECT message_id, clicked_at, user_agent, is_bot, NULL::VARCHAR AS message_month,
                               NULL::DOUBLE AS seconds FROM {clicks}"""
        table = con.sql(found).to_arrow_table()
    finally:
        con.close()
    verdict = click_rules.bot_click_mask(table["user_agent"], table["seconds"])
    out = pa.table(
        {
            "message_id": table["message_id"],
            "clicked_at": table["clicked_at"].cast(schema.TS),
            "user_agent": table["user_agent"],
            "is_bot": table["is_bot"],
            "new_is_bot": pa.array(verdict, pa.bool_()),
            "message_month": table["message_month"],
        }
    )
    return out
