"""A deterministic generator of a realistic demo lake (DESIGN.md, "The lake").

`build_demo(lake, until=..., tz=...)` writes about 18-19 months of SMS delivery logs
of a Polish retailer: bulk dispatches (marketing), test sends before them, and
transactional API traffic (order confirmations, 2FA codes, password resets,
appointment reminders), with delivery outcomes, non-delivery reasons, provider raw
codes, prices and link clicks (human and bot).

Properties the rest of the project relies on:
- Same arguments -> byte-identical Parquet files. Every random draw comes from
  numpy's PCG64 seeded from `seed` (one stream for the plan, one per month, one for
  the `big_dispatch`), and nothing reads the clock.
- Vectorized: numpy/pyarrow over slices of a month's messages; Python loops only
  per dispatch, per day, per month and per slice. No Python object per row: ids and
  phone numbers are built as bytes from integers, the other strings are dictionary
  columns. 2,000,000 messages build in a few seconds, 100,000,000 in a few minutes.
- Month by month, in bounded memory: the plan (dispatches, their sizes and times,
  messages per day, the recipients) is small and made first. Then each UTC month's
  messages are planned as integer arrays, put in file order (dispatch_id,
  created_at) and built and written a slice at a time by a background thread, while
  the next slice is built; the month's clicks are sorted and written after it. Rows
  that spill into a later month (a dispatch sent across midnight at the end of a
  month, clicks days later) are carried over, so each month partition is written
  once, whole (one file each for messages and clicks).
- The lake is built as a new version (`data.lake.transaction(fresh=True)`) with its
  rollups, published in one atomic step; a failure leaves the old lake as it was.
- "Now" is `until`: the moment the demo is built (the CLI passes the current time),
  or the end of the day when `until` is a date. Nothing happens at or after it: the
  last day's dispatch and transactional messages come before it, messages whose
  final status would come later are `pending` (all within the last three days), and
  clicks that would come later are not there.

The modules, in the order the data is made:
- catalogue: what the demo draws from (providers, operators, outcomes and raw codes,
  groups, themes and texts, transactional labels, user agents)
- columns, draws: vectorized building blocks (Arrow columns from integers; random draws)
- numbers: the recipients
- plan: the dispatches, their names and texts, test sends, transactional traffic per
  day; the lake's dispatch table
- specs: a month's messages as integer arrays, and their order in the file
- tables: the lookups and column vocabularies the rows are built from
- ids: message ids and provider message ids
- messages, clicks: the rows of a slice of messages and of their clicks
- replies: the recipients' replies (opt-outs and a few other answers), from the written messages
- writer: Parquet files written on a background thread
- months: the month-by-month loop
- build: `build_demo`, the entry point

Production code never imports this package (the ingest shares only `data.encoding`).
"""

from __future__ import annotations

from data.demo.build import DemoSummary, build_demo
from data.demo.months import ProgressFn

__all__ = ["DemoSummary", "ProgressFn", "build_demo"]
