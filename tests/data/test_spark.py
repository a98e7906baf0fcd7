"""Spark builds the same rollups as DuckDB: the translated SQL means the same, and the files
are identical (layout, names, types, rows and their order), so the dashboard cannot tell.

Runs when pyspark (requirements-spark.txt, installed by `make test`) and Java 17+ are
there; one local SparkSession (local[2]) serves every test of the run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("pyspark", reason="pyspark not installed (pip install -r requirements-spark.txt)")
pytest.importorskip("sqlglot", reason="sqlglot not installed (pip install -r requirements-spark.txt)")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip(
        "no Java: Spark needs a JDK/JRE 17+ (.ci/run installs openjdk-17-jre-headless)", allow_module_level=True
    )

from data.db import Db  # noqa: E402
from data.demo import build_demo  # noqa: E402
from data.lake import Lake, transaction, write_clicks, write_dispatches, write_messages  # noqa: E402
from data.period import Period  # noqa: E402
from data.queries import sms as sms_queries  # noqa: E402
from data.rollups import (  # noqa: E402
    NAMES,
    DuckDBEngine,
    base_sql,
    build_rollups,
    click_delay_sql,
    read_state,
    rollup_sql,
    sql_literal,
)
from data.schema import CLICKS, DISPATCHES, MESSAGES  # noqa: E402
from data.spark import SparkEngine, parse_conf, session, spark_path, to_spark  # noqa: E402
from tests.data.test_rollups import awkward_clicks, awkward_messages, dispatch_rows  # noqa: E402

# slow: a JVM of its own, ~40 s in all
pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]
TZ = "Europe/Warsaw"


@pytest.fixture(scope="session")
def spark():
    # Small data: few partitions, and a JVM tuned to start fast rather than to run long.
    s = session(
        "local[2]",
        conf={
            "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "2",
            "spark.driver.memory": "1g",
            "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        },
    )
    yield s
    s.stop()


@pytest.fixture(scope="module")
def awkward(tmp_path_factory) -> Lake:
    lake = Lake(tmp_path_factory.mktemp("spark-awkward") / "lake")
    with transaction(lake, fresh=True) as staging:
        write_messages(staging, pa.Table.from_pylist(awkward_messages(), schema=MESSAGES))
        write_clicks(staging, pa.Table.from_pylist(awkward_clicks(), schema=CLICKS))
        write_dispatches(staging, pa.Table.from_pylist(dispatch_rows(), schema=DISPATCHES))
    return lake


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([(c, "ascending", "at_end") for c in table.column_names])


def _same_types(spark_result: pa.Table, duck_result: pa.Table) -> pa.Table:
    # Arrow from Spark: timestamps in the session zone (UTC), strings as string; DuckDB's may say Etc/UTC.
    fixed = pa.schema(
        [
            pa.field(f.name, pa.timestamp("us", tz="UTC") if pa.types.is_timestamp(f.type) else f.type)
            for f in duck_result.schema
        ]
    )
    return spark_result.cast(fixed), duck_result.cast(fixed)


def _both(spark, lake: Lake, sql_of) -> tuple[pa.Table, pa.Table]:
    root = str(lake.root)
    with DuckDBEngine() as duck:
        m, c = duck.tables(root, has_clicks=True)
        want = duck.arrow(sql_of(m, c))
    with SparkEngine(spark) as eng:
        m, c = eng.tables(root, has_clicks=True)
        got = eng.arrow(sql_of(m, c))
    return _same_types(got, want)


ZONES = ("Europe/Warsaw", "Asia/Kathmandu", "America/St_Johns")


def test_translated_base_and_click_delay_mean_the_same(spark, awkward):
    # Zones 1:00, 5:45 and -3:30 off UTC (DST on both sides) test the 15-minute-bucket trick;
    # one query per definition covers the three (fewer Spark jobs, a shorter test).
    for definition in (base_sql, click_delay_sql):

        def sql_of(m, c, definition=definition):
            return " UNION ALL ".join(
                f"SELECT {sql_literal(tz)} AS zone, * FROM ({definition(messages=m, clicks=c, tz=tz)})" for tz in ZONES
            )

        got, want = _both(spark, awkward, sql_of)
        assert want.num_rows > 0 and set(want["zone"].to_pylist()) == set(ZONES)
        assert _sorted(got).equals(_sorted(want)), to_spark(sql_of("messages", "clicks"))


# optout_daily is never translated: DuckDB builds it in this process whatever the engine (rollups._optout_table)
@pytest.mark.parametrize("name", [n for n in NAMES if n != "optout_daily"])
def test_each_translated_rollup_means_the_same(spark, awkward, name):
    got, want = _both(spark, awkward, lambda m, c: rollup_sql(name, messages=m, clicks=c, tz=TZ))
    assert want.num_rows > 0
    assert _sorted(got).equals(_sorted(want))


def test_translation_rules():
    sql = to_spark(
        "SELECT time_bucket(INTERVAL 15 minutes, t) AS b, epoch_us(t) AS us, t AT TIME ZONE 'Asia/Tokyo' AS l,"
        " count(*) FILTER (WHERE x) AS n FROM r GROUP BY ALL ORDER BY b"
    )
    assert "TIMESTAMP_MICROS(UNIX_MICROS(t) DIV 900000000 * 900000000)" in sql
    assert "UNIX_MICROS(t) AS us" in sql and "FROM_UTC_TIMESTAMP(t, 'Asia/Tokyo')" in sql
    assert "GROUP BY ALL" in sql and "ORDER BY b NULLS LAST" in sql  # DuckDB sorts NULLs last, Spark first
    for bad in ("SELECT time_bucket(INTERVAL 1 month, t) FROM r", "SELECT time_bucket(INTERVAL 7 minutes, t) FROM r"):
        with pytest.raises(ValueError):
            to_spark(bad)
    assert spark_path("s3://bucket/lake") == "s3a://bucket/lake" and spark_path("/var/lake") == "/var/lake"
    assert parse_conf(["spark.a=1", "b=x=y"]) == {"spark.a": "1", "b": "x=y"}
    with pytest.raises(ValueError):
        parse_conf(["nokey"])


def _files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


def test_both_engines_build_identical_rollup_files(spark, tmp_path):
    lake = Lake(tmp_path / "lake")
    build_demo(lake, messages=6_000, seed=5, until=dt.date(2026, 11, 20), tz=TZ)  # rollups by DuckDB
    duck_dir = tmp_path / "by-duckdb"
    shutil.copytree(lake.rollups_dir, duck_dir)
    duck_answers = sms_queries.period_summary(
        Db(lake, tz=TZ), period=Period(dt.date(2026, 1, 1), dt.date(2026, 11, 20), TZ)
    )
    with transaction(lake) as staging:
        figures = build_rollups(staging, tz=TZ, engine=SparkEngine(spark))
    assert figures["engine"] == "spark"
    duck, sparked = _files(duck_dir), _files(lake.rollups_dir)
    assert list(sparked) == list(duck)  # same folders and file names, no _SUCCESS, no part-00000-*
    assert {n for n in NAMES} <= {k.split("/")[0] for k in duck}
    for rel, path in duck.items():
        if rel == "_state.json":
            a, b = json.loads(path.read_text()), json.loads(sparked[rel].read_text())
            a.pop("built_at"), b.pop("built_at")
            assert a == b
            continue
        assert rel.endswith("/part-0.parquet")
        want, got = pq.read_table(path, partitioning=None), pq.read_table(sparked[rel], partitioning=None)
        assert got.schema.equals(want.schema, check_metadata=True), rel
        assert got.equals(want), rel  # row for row, in the same order
        assert pq.ParquetFile(sparked[rel]).metadata.row_group(0).column(0).compression == "ZSTD"
    # The dashboard reads them alike (its DuckDB sees the same column types).
    fast = Db(lake, tz=TZ)
    assert fast.rollup_status().fresh
    answers = sms_queries.period_summary(fast, period=Period(dt.date(2026, 1, 1), dt.date(2026, 11, 20), TZ))
    for part in (0, 1):
        pd.testing.assert_series_equal(answers[part], duck_answers[part])
    pd.testing.assert_frame_equal(answers[2], duck_answers[2])
    glob = str(lake.rollups_dir / "dispatch_daily" / "month=*" / "*.parquet")
    duck_glob = str(duck_dir / "dispatch_daily" / "month=*" / "*.parquet")
    assert (
        duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{glob}', hive_partitioning=true)").fetchall()
        == duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{duck_glob}', hive_partitioning=true)").fetchall()
    )


def test_spark_rebuilds_one_month_alone(spark, tmp_path):
    lake = Lake(tmp_path / "lake")
    with transaction(lake, fresh=True) as staging:
        write_messages(staging, pa.Table.from_pylist(awkward_messages(), schema=MESSAGES))
        write_clicks(staging, pa.Table.from_pylist(awkward_clicks(), schema=CLICKS))
        write_dispatches(staging, pa.Table.from_pylist(dispatch_rows(), schema=DISPATCHES))
        build_rollups(staging, tz=TZ)
    march = lake.rollups_dir / "daily" / "month=2026-03" / "part-0.parquet"
    may = lake.rollups_dir / "daily" / "month=2026-05" / "part-0.parquet"
    march_inode, may_before = os.stat(march).st_ino, pq.read_table(may)
    with transaction(lake) as staging:
        figures = build_rollups(staging, tz=TZ, months=["2026-05"], engine=SparkEngine(spark))
    assert figures["months"] == 1 and read_state(lake)["months"].keys() == {"2026-03", "2026-05"}
    assert os.stat(march).st_ino == march_inode  # untouched
    assert pq.read_table(may).equals(may_before)


def test_cli_rollup_with_spark(spark, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli import cli

    lake = Lake(tmp_path / "lake")
    with transaction(lake, fresh=True) as staging:
        write_messages(staging, pa.Table.from_pylist(awkward_messages(), schema=MESSAGES))
        write_dispatches(staging, pa.Table.from_pylist(dispatch_rows(), schema=DISPATCHES))
    monkeypatch.setenv("SMSREPORTS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SMSREPORTS_TIMEZONE", TZ)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["rollup", "--engine", "spark", "--spark-master", "local[2]", "--spark-conf", "spark.sql.shuffle.partitions=2"],
    )
    assert result.exit_code == 0, result.output
    assert "rollups rebuilt by spark" in result.output
    assert Db(lake, tz=TZ).rollup_status().fresh
    assert spark.sql("SELECT 1 AS x").collect()[0].x == 1  # the command did not stop a session it did not start
    bad = runner.invoke(cli, ["rollup", "--engine", "spark", "--spark-conf", "novalue"])
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.output


def test_cli_ingest_with_spark_builds_the_same_rollups(spark, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli import cli

    sample = Path(__file__).resolve().parents[1] / "samples" / "ingest" / "canonical.csv"
    runner = CliRunner()
    built = {}
    for engine in ("duckdb", "spark"):
        data_dir = tmp_path / engine
        monkeypatch.setenv("SMSREPORTS_DATA_DIR", str(data_dir))
        monkeypatch.setenv("SMSREPORTS_TIMEZONE", TZ)
        args = ["ingest", str(sample), "--format", "canonical", "--engine", engine]
        if engine == "spark":
            args += ["--spark-master", "local[2]", "--spark-conf", "spark.sql.shuffle.partitions=2"]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        lake = Lake(data_dir / "lake")
        assert Db(lake, tz=TZ).rollup_status().fresh
        built[engine] = {
            rel: pq.read_table(p, partitioning=None)
            for rel, p in _files(lake.rollups_dir).items()
            if rel != "_state.json"
        }
    assert list(built["spark"]) == list(built["duckdb"]) and built["duckdb"]
    for rel, table in built["duckdb"].items():
        assert built["spark"][rel].equals(table), rel
    bad = CliRunner().invoke(cli, ["ingest", str(sample), "--spark-master", "local[2]"])
    assert bad.exit_code == 2 and "need --engine spark" in bad.output
