"""Whether a lake holds data the demo did not make: `demo` must not replace imported logs by accident."""

from __future__ import annotations

import duckdb

from data.lake import Lake

DEMO_MESSAGE_ID = r"^msg-[0-9a-f]{16}$"  # data/demo/ids.py: 'msg-' and 16 hex digits


def holds_imported_data(lake: Lake) -> bool:
    """Tells whether the lake has a message whose id the demo never makes (an imported one). The scan stops at
    the first such message; a lake whose files cannot be read counts as imported (nothing is known of it)."""
    con = duckdb.connect()
    try:
        found = con.execute(
            "SELECT 1 FROM read_parquet($glob) WHERE NOT regexp_full_match(message_id, $pattern) LIMIT 1",
            {"glob": lake.messages_glob, "pattern": DEMO_MESSAGE_ID},
        ).fetchone()
        return found is not None
    except duckdb.Error:
        return True
    finally:
        con.close()
