"""Building the rollups on Apache Spark (local mode, a cluster, or a Spark Connect server).

The rollups have one definition, the DuckDB SQL of `data/rollups.py`. Spark runs
that SQL translated by sqlglot (`to_spark`): sqlglot's DuckDB -> Spark translation,
plus the few DuckDB functions it leaves as they are (`_SPARK_RULES`). The result of
each rollup comes back to this process as Arrow and is written by the same code as
the DuckDB build (`data.rollups.write_rollup_months`), inside the lake transaction:
same layout, file names, column types and atomic publication whichever engine built
it. Spark never writes into the lake itself, so there are no `part-00000-*.parquet`
files or `_SUCCESS` markers to clean up, and a cluster or Spark Connect server
needs only to read the lake.

Optional: needs `requirements-spark.txt` (pyspark, sqlglot) and Java 17 or 21;
nothing here is imported unless `--engine spark` is asked for.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa
import sqlglot
from sqlglot import exp

from data import schema

DEFAULT_MASTER = "local[*]"


class SparkUnavailable(RuntimeError):
    """pyspark is not installed, or Java cannot be started."""


# ------------------------------------------------------------------ translation

# A DuckDB `INTERVAL n unit`, in microseconds (time_bucket widths of fixed length only).
_MICROS = {
    "microsecond": 1,
    "millisecond": 1_000,
    "second": 1_000_000,
    "minute": 60_000_000,
    "hour": 3_600_000_000,
    "day": 86_400_000_000,
    "week": 604_800_000_000,
}
# DuckDB functions that sqlglot's Spark dialect leaves untranslated, and Spark's name for each.
_RENAMES = {"EPOCH_US": "UNIX_MICROS"}


def _interval_micros(interval: exp.Expression) -> int:
    if not isinstance(interval, exp.Interval):
        raise ValueError(f"time_bucket width must be an INTERVAL literal, not {interval.sql('duckdb')}")
    unit = interval.text("unit").lower().removesuffix("s")
    if unit not in _MICROS:
        raise ValueError(f"time_bucket by {unit!r} has no fixed width: Spark translation unsupported")
    return int(interval.this.name) * _MICROS[unit]


def _spark_rules(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.DateBin):
        # time_bucket(INTERVAL w, ts) with DuckDB's default origin: for widths that divide a
        # day, the buckets start at whole multiples of w since the Unix epoch (UTC).
        if node.args.get("origin") or node.args.get("zone"):
            raise ValueError("time_bucket with an origin or time zone: Spark translation unsupported")
        width = _interval_micros(node.this)
        if _MICROS["day"] % width:
            raise ValueError("time_bucket width must divide a day for the Spark translation")
        micros = exp.Anonymous(this="UNIX_MICROS", expressions=[node.expression.copy()])
        bucket = exp.Mul(
            this=exp.IntDiv(this=micros, expression=exp.Literal.number(width)), expression=exp.Literal.number(width)
        )
        return exp.Anonymous(this="TIMESTAMP_MICROS", expressions=[bucket])
    if isinstance(node, exp.Anonymous) and node.name.upper() in _RENAMES:
        return exp.Anonymous(this=_RENAMES[node.name.upper()], expressions=[e.copy() for e in node.expressions])
    return node


def to_spark(sql: str) -> str:
    """Returns DuckDB `sql` translated to Spark SQL (sqlglot, plus `_spark_rules`).

    Time zone conversions (`AT TIME ZONE`, which sqlglot writes as FROM_UTC_TIMESTAMP)
    assume the Spark session's time zone is UTC; `session()` and `SparkEngine` set it.
    """
    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(_spark_rules).sql(dialect="spark")


# ------------------------------------------------------------------ sessions


def spark_path(location: str) -> str:
    """Returns the path Spark reads for a lake location: `s3://` and `s3n://` become `s3a://`
    (Hadoop's S3 connector); local folders and other URLs stay as they are."""
    return re.sub(r"^s3n?://", "s3a://", location)


def session(master: str | None = None, *, conf: dict[str, str] | None = None, app_name: str = "smsreports-rollups"):
    """Returns a SparkSession: local mode (`local[*]`) when `master` is None, a Spark Connect
    server for `sc://host:port`, otherwise the cluster manager at `master` (`spark://...`,
    `yarn`, `k8s://...`). `conf` adds Spark settings (e.g. `spark.hadoop.fs.s3a.*`)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable("pyspark is not installed: pip install -r requirements-spark.txt") from exc
    master = master or DEFAULT_MASTER
    settings = {
        # to_spark's time zone conversions and Spark's DATE casts assume UTC.
        "spark.sql.session.timeZone": "UTC",
        # month=2026-03 is a string, as DuckDB's hive_types make it.
        "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if master.startswith("local"):
        cores = os.cpu_count() or 2
        settings.update(
            {
                "spark.ui.enabled": "false",
                "spark.sql.shuffle.partitions": str(2 * cores),
                "spark.driver.memory": os.environ.get("SMSREPORTS_SPARK_DRIVER_MEMORY", "4g"),
                "spark.ui.showConsoleProgress": "false",
            }
        )
    settings.update(conf or {})
    builder = SparkSession.builder.appName(app_name)
    if master.startswith("sc://"):
        builder = builder.remote(master)
        runtime_only = {k: v for k, v in settings.items() if k.startswith("spark.sql.")}
        try:
            spark = builder.getOrCreate()
        except Exception as exc:  # pyspark raises several kinds: missing grpc packages, no server
            hint = ' (pip install "pyspark[connect]==4.3.0")' if "PACKAGE_NOT_INSTALLED" in str(exc) else ""
            raise SparkUnavailable(f"cannot reach Spark Connect at {master}: {exc}{hint}") from exc
        for key, value in runtime_only.items():
            try:
                spark.conf.set(key, value)
            except Exception:  # a static setting the server fixed at start-up
                pass
        return spark
    builder = builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # JAVA_GATEWAY_EXITED and friends
        raise SparkUnavailable(f"cannot start Spark ({master}); is Java 17+ installed? {exc}") from exc
    spark.sparkContext.setLogLevel("ERROR")
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # also when getOrCreate returned a running session
    return spark


def parse_conf(items: Iterable[str]) -> dict[str, str]:
    """Returns `KEY=VALUE` strings as a dict; ValueError names a malformed one."""
    conf = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--spark-conf takes KEY=VALUE, not {item!r}")
        conf[key.strip()] = value
    return conf


# ------------------------------------------------------------------ the engine


def _spark_schema(arrow: pa.Schema):
    from pyspark.sql import types as T

    kinds = {
        pa.string(): T.StringType(),
        pa.bool_(): T.BooleanType(),
        pa.int64(): T.LongType(),
        pa.int32(): T.IntegerType(),
        pa.float64(): T.DoubleType(),
        pa.date32(): T.DateType(),
    }
    fields = []
    for f in arrow:
        kind = T.TimestampType() if pa.types.is_timestamp(f.type) else kinds.get(f.type)
        if kind is None:
            raise TypeError(f"no Spark type for {f.name}: {f.type}")
        fields.append(T.StructField(f.name, kind, True))
    return T.StructType(fields)


@dataclass
class SparkEngine:
    """Runs the rollup SQL on `spark` for `data.rollups.build_rollups(engine=...)`.

    The raw tables become temporary views (`messages`, `clicks`) over the lake's
    Parquet files; `materialize` caches an intermediate result (the base aggregate)
    in the executors; `arrow` returns a (small) result to this process.
    """

    spark: object
    name: str = "spark"
    _views: list[str] = field(default_factory=list)
    _cached: list[object] = field(default_factory=list)

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc) -> None:
        for df in self._cached:
            df.unpersist()
        for view in self._views:
            self.spark.catalog.dropTempView(view)
        self._cached.clear()
        self._views.clear()

    def tables(self, root: str, *, has_clicks: bool) -> tuple[str, str]:
        """Registers the lake at `root` (a folder or URL) and returns the messages and clicks relations."""
        base = spark_path(root.rstrip("/"))
        messages = self.spark.read.option("basePath", f"{base}/messages").parquet(f"{base}/messages")
        messages.createOrReplaceTempView("messages")
        if has_clicks:
            clicks = self.spark.read.option("basePath", f"{base}/clicks").parquet(f"{base}/clicks")
        else:
            clicks = self.spark.createDataFrame([], _spark_schema(schema.CLICKS.append(pa.field("month", pa.string()))))
        clicks.createOrReplaceTempView("clicks")
        self._views += ["messages", "clicks"]
        return "messages", "clicks"

    def materialize(self, name: str, sql: str) -> None:
        df = self.spark.sql(to_spark(sql)).persist()
        df.createOrReplaceTempView(name)
        self._cached.append(df)
        self._views.append(name)

    def arrow(self, sql: str) -> pa.Table:
        return self.spark.sql(to_spark(sql)).toArrow()
