"""The SQLite stores of the data directory, all in one file: `<data_dir>/store.sqlite` (`sqlite.store_path`).

sqlite     the file: where it is, connections (WAL), write transactions, migrations
campaigns  user-made groups of dispatches, with their change log and undo
users      users, roles and the log-in rate limit
sessions   open log-in sessions (the cookie carries only their token)
audit      the access audit (append-only)
schedules  reports sent by e-mail on a schedule: schedules, their runs, the scheduler's lease
hooks      the secrets of the provider callbacks
views      saved views of the report pages (a name and the address's query)

Each module registers the migrations of its own tables when imported; importing them
all here means a store never opens with another module's tables left out.
"""

from data.store import (  # noqa: F401  (their migrations register on import)
    audit,
    campaigns,
    hooks,
    schedules,
    sessions,
    users,
    views,
)
