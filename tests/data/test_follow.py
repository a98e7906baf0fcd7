"""`ingest --follow`: a growing receipt log into the spool, through rotation, truncation and restarts."""

from __future__ import annotations

import os

import pyarrow.parquet as pq
from typer.testing import CliRunner

from cli import cli
from data.compactor import compact
from data.follow import Follower
from data.ingest.core import Options
from data.lake import Lake
from data.spool import read_segment
from tests.conftest import TZ
from tests.faults.conftest import copy_data


def receipt(n: int, stat: str = "DELIVRD") -> bytes:
    return f"id:{n:010d} sub:001 dlvrd:001 submit date:2611191000 done date:2611191001 stat:{stat} err:000 text:x\n".encode()


def spooled_lines(data_dir) -> list[bytes]:
    out = []
    for path in sorted((data_dir / "spool").glob("*.open")) + sorted((data_dir / "spool").glob("*.ready")):
        for entry in read_segment(path)[0]:
            assert entry.provider == "smpp-dlr" and "provider=kannel" in entry.content_type
            out += entry.body.splitlines(keepends=True)
    return out


def test_follow_survives_restart_rotation_and_truncation(demo_dir, tmp_path):
    data_dir = copy_data(demo_dir, tmp_path / "data")
    log = tmp_path / "bearerbox.log"
    log.write_bytes(receipt(1) + receipt(2) + receipt(3)[:20])  # the gateway is mid-line
    follower = Follower(data_dir, log, "kannel")
    follower.step()
    assert spooled_lines(data_dir) == [receipt(1), receipt(2)]
    follower.close()

    with open(log, "ab") as fh:
        fh.write(receipt(3)[20:] + receipt(4))
    follower = Follower(data_dir, log, "kannel")  # a restart: it goes on where it was
    follower.step()
    assert spooled_lines(data_dir) == [receipt(n) for n in (1, 2, 3, 4)]

    os.rename(log, tmp_path / "bearerbox.log.1")  # rotation; the gateway still writes one line to the old file
    with open(tmp_path / "bearerbox.log.1", "ab") as fh:
        fh.write(receipt(5))
    log.write_bytes(receipt(6))
    follower.step()
    assert spooled_lines(data_dir)[4:] == [receipt(5), receipt(6)]

    with open(log, "r+b") as fh:  # copytruncate
        fh.truncate(0)
    log.write_bytes(receipt(7, "UNDELIV"))
    follower.step()
    follower.step()  # nothing new: nothing spooled twice
    follower.close()
    assert spooled_lines(data_dir)[6:] == [receipt(7, "UNDELIV")]

    done = compact(data_dir, options=Options(tz=TZ), report_tz=TZ)
    assert done.summary.quarantined == 0
    found = {}
    for path in Lake(data_dir / "lake").messages_dir.glob("month=*/*.parquet"):
        for row in pq.read_table(path, columns=["provider", "provider_message_id", "status"]).to_pylist():
            if row["provider"] == "kannel":
                found[row["provider_message_id"]] = row["status"]
    assert found == {f"{n:010d}": "delivered" for n in range(1, 7)} | {"0000000007": "undelivered"}


def test_follow_needs_one_smpp_dlr_file(tmp_path):
    env = {"SMSREPORTS_DATA_DIR": str(tmp_path / "d"), "SMSREPORTS_TIMEZONE": TZ}
    result = CliRunner().invoke(cli, ["ingest", "--follow", str(tmp_path / "a.log")], env=env)
    assert result.exit_code == 2 and "--format smpp-dlr" in result.stderr
