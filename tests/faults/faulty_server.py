"""`python -m tests.faults.faulty_server serve ...`: the app's CLI with a numbers download that runs out
of disk space midway (what DuckDB spilling to a full temp directory would do), for test_disk_full.py, or
that stalls after its first chunk (a worker to kill mid-download), for test_audit_faults.py.

Only downloads of the dispatch named by SMSREPORTS_FAULT_DISPATCH fail, and of SMSREPORTS_FAULT_STALL
stall; the others stream whole.
"""

from __future__ import annotations

import errno
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cli import cli  # noqa: E402
from web import routes  # noqa: E402

_real_numbers_csv = routes.numbers_csv


def _numbers_csv_failing(db, *, dispatch_id, **kwargs):
    """Yields the first chunk of the real CSV, then fails as a full disk does."""
    chunks = _real_numbers_csv(db, dispatch_id=dispatch_id, **kwargs)
    if dispatch_id == os.environ.get("SMSREPORTS_FAULT_STALL"):
        yield next(chunks)
        time.sleep(3600)  # until the worker is killed
    if dispatch_id != os.environ.get("SMSREPORTS_FAULT_DISPATCH"):
        yield from chunks
        return
    yield next(chunks)
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


routes.numbers_csv = _numbers_csv_failing

if __name__ == "__main__":
    sys.exit(cli())
