"""The demo lake generator (data/demo/): determinism, shape and realism of the data."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from data import schema
from data.clicks import is_bot_click
from data.demo import DemoSummary, build_demo
from data.demo import build as demo_build
from data.demo import months as demo_months
from data.demo import plan as demo_plan
from data.encoding import sms_encoding
from data.lake import Lake
from data.schema import Reason, Status

UNTIL = date(2026, 11, 20)
TZ = "Europe/Warsaw"
MESSAGES = 30_000
BIG = 5_000


def _build(root: Path, **kw) -> DemoSummary:
    args = dict(messages=MESSAGES, seed=7, until=UNTIL, tz=TZ)
    args.update(kw)
    return build_demo(Lake(root), **args)


def _files(root: Path) -> dict[str, str]:
    # The data files; the rollups' state record holds build times and file signatures.
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "lake"
    calls: list[tuple[str, int, int]] = []
    summary = _build(root, big_dispatch=BIG, progress=lambda *a: calls.append(a))
    return root, summary, calls


@pytest.fixture(scope="module")
def db(built):
    root, _, _ = built
    lake = Lake(root)
    con = duckdb.connect()
    con.execute(f"SET TimeZone='{TZ}'")
    con.execute(f"CREATE VIEW m AS SELECT * FROM read_parquet('{lake.messages_glob}', hive_partitioning=true)")
    con.execute(f"CREATE VIEW c AS SELECT * FROM read_parquet('{lake.clicks_glob}', hive_partitioning=true)")
    con.execute(f"CREATE VIEW d AS SELECT * FROM read_parquet('{lake.dispatches_file}')")
    return con


def q(con, sql: str):
    return con.execute(sql).fetchall()


def one(con, sql: str):
    return con.execute(sql).fetchone()[0]


# --------------------------------------------------------------------------- #
# The build
# --------------------------------------------------------------------------- #


def test_summary_and_progress(built, db):
    root, s, calls = built
    assert s.messages == MESSAGES + BIG == one(db, "SELECT count(*) FROM m")
    assert s.clicks == one(db, "SELECT count(*) FROM c")
    assert s.dispatches == one(db, "SELECT count(*) FROM d") == one(db, "SELECT count(DISTINCT dispatch_id) FROM m")
    assert s.last_day == UNTIL
    assert s.first_day == date(2025, 5, 1)
    assert s.months == 19
    stages = [c for c in calls if c[0] == "messages"]
    assert stages[-1][1] == stages[-1][2] >= 19
    assert [c[1] for c in stages] == list(range(1, len(stages) + 1))
    assert Lake(root).exists()


def test_same_seed_same_bytes_other_seed_other_data(built, tmp_path):
    root, _, _ = built
    again = tmp_path / "again"
    _build(again, big_dispatch=BIG)
    assert _files(again) == _files(root)

    other = tmp_path / "other"
    _build(other, big_dispatch=BIG, seed=8)
    a = pq.read_table(Lake(root).messages_dir, columns=["message_id", "msisdn"])
    b = pq.read_table(Lake(other).messages_dir, columns=["message_id", "msisdn"])
    assert len(set(a["message_id"].to_pylist()) & set(b["message_id"].to_pylist())) == 0
    assert a["msisdn"].to_pylist()[:100] != b["msisdn"].to_pylist()[:100]


# What a small lake holds, row by row, in file order. Computed once on the generator
# before it was split into a package (data/demo.py -> data/demo/): a change here means
# the same arguments no longer give the same data.
PINNED_DIGEST = "b67f6f1d4dd6d4a7750186c5e051b4ad5a1b7c40d40d09783d6fde6ec8c9b4da"


def _content_digest(root: Path) -> str:
    h = hashlib.sha256()
    lake = Lake(root)
    paths = sorted(
        [*lake.messages_dir.glob("month=*/*.parquet"), *lake.clicks_dir.glob("month=*/*.parquet"), lake.dispatches_file]
    )
    for path in paths:
        h.update(str(path.relative_to(root)).encode())
        t = pq.read_table(path)
        for name, col in zip(t.column_names, t.columns):
            if pa.types.is_timestamp(col.type):
                col = col.cast(pa.int64())
            h.update(name.encode())
            h.update(repr(col.to_pylist()).encode())
    return h.hexdigest()


def test_same_arguments_same_data_as_pinned(tmp_path):
    root = tmp_path / "pinned"
    build_demo(Lake(root), messages=5_000, seed=7, until=UNTIL, tz=TZ, big_dispatch=1_000, with_rollups=False)
    assert _content_digest(root) == PINNED_DIGEST


def test_span_in_local_days(db):
    first, last = q(db, "SELECT min(created_at)::date, max(created_at)::date FROM m")[0]
    assert first == date(2025, 5, 1)
    assert last == UNTIL
    months = one(db, "SELECT count(DISTINCT strftime(created_at, '%Y-%m')) FROM m")
    assert months >= 18
    # nothing after the end of `until` (local)
    end = datetime(2026, 11, 21, tzinfo=ZoneInfo(TZ))
    for col, table in [("created_at", "m"), ("sent_at", "m"), ("done_at", "m"), ("clicked_at", "c")]:
        assert one(db, f"SELECT max({col}) FROM {table}") < end
    # transactional traffic on (nearly) every day
    days = one(db, "SELECT count(DISTINCT created_at::date) FROM m WHERE source = 'api'")
    assert days >= 0.95 * ((UNTIL - date(2025, 5, 1)).days + 1)


def test_dispatches(db):
    n = one(db, "SELECT count(*) FROM d")
    assert 20 <= n <= 300
    rows = q(
        db, "SELECT number, dispatch_id, created_at, name, message_text, recipient_group, sender FROM d ORDER BY number"
    )
    assert [r[0] for r in rows] == list(range(1, n + 1))
    assert [r[1] for r in rows] == [f"d-{i:06d}" for i in range(1, n + 1)]
    created = [r[2] for r in rows]
    assert created == sorted(created)  # numbered in creation order
    assert all(r[3] and r[4] and r[5] and re.fullmatch(r"[A-Z0-9.]{3,11}", r[6]) for r in rows)
    assert any("fala" in r[3] for r in rows)
    # each dispatch is created before its first message
    late = one(
        db,
        """SELECT count(*) FROM d JOIN (SELECT dispatch_id, min(created_at) AS first FROM m
                      WHERE source = 'bulk' GROUP BY 1) USING (dispatch_id) WHERE d.created_at > first""",
    )
    assert late == 0


def test_bulk_share_and_sizes(db):
    bulk = one(db, "SELECT count(*) FROM m WHERE source = 'bulk' AND dispatch_id IN (SELECT dispatch_id FROM d) ") - BIG
    assert 0.88 * MESSAGES <= bulk <= 0.92 * MESSAGES
    sizes = [r[0] for r in q(db, "SELECT count(*) FROM m WHERE source = 'bulk' GROUP BY dispatch_id")]
    assert max(sizes) > 5 * min(sizes)  # a long tail
    assert q(db, "SELECT DISTINCT source FROM m ORDER BY 1") == [("api",), ("bulk",), ("test",)]
    assert one(db, "SELECT count(*) FROM m WHERE (source = 'bulk') <> (dispatch_id IS NOT NULL)") == 0
    labels = {r[0] for r in q(db, "SELECT DISTINCT campaign_label FROM m WHERE source = 'api'")}
    assert labels == {"reset-hasla", "potwierdzenie-zamowienia", "kod-2fa", "przypomnienie-wizyty", None}
    assert one(db, "SELECT count(*) FROM m WHERE source <> 'api' AND campaign_label IS NOT NULL") == 0
    # test sends come from the dispatches' senders
    assert one(db, "SELECT count(*) FROM m WHERE source = 'test' AND sender NOT IN (SELECT sender FROM d)") == 0


def test_special_dispatches(db):
    spans = q(
        db,
        """SELECT dispatch_id, min(created_at) AS a, max(created_at) AS b FROM m
                     WHERE source = 'bulk' GROUP BY 1""",
    )
    tz = ZoneInfo(TZ)
    # across local midnight
    assert sum(a.astimezone(tz).date() != b.astimezone(tz).date() for _, a, b in spans) >= 2
    # across two calendar months, both in local time and in the UTC partitions
    assert any(
        (a.astimezone(tz).year, a.astimezone(tz).month) != (b.astimezone(tz).year, b.astimezone(tz).month)
        for _, a, b in spans
    )
    assert (
        one(
            db,
            "SELECT max(n) FROM (SELECT count(DISTINCT month) AS n FROM m WHERE source = 'bulk' GROUP BY dispatch_id)",
        )
        == 2
    )
    # across a DST change (the UTC offset differs between its first and last message)
    assert any(a.astimezone(tz).utcoffset() != b.astimezone(tz).utcoffset() for _, a, b in spans)


def test_statuses_and_reasons(db):
    statuses = {r[0] for r in q(db, "SELECT DISTINCT status FROM m")}
    assert statuses == {s.value for s in Status}
    reasons = {r[0] for r in q(db, "SELECT DISTINCT reason FROM m WHERE reason IS NOT NULL")}
    assert reasons == {r.value for r in Reason}
    delivered = one(db, "SELECT avg((status = 'delivered')::int) FROM m")
    assert 0.93 <= delivered <= 0.97
    # reason null exactly when delivered or pending
    assert one(db, "SELECT count(*) FROM m WHERE (reason IS NULL) <> (status IN ('delivered', 'pending'))") == 0
    pairs = set(q(db, "SELECT DISTINCT status, reason FROM m WHERE reason IS NOT NULL"))
    assert ("not_sent", "invalid_number") in pairs
    assert ("expired", "expired_validity") in pairs and ("unknown", "no_dlr") in pairs
    assert {s for s, r in pairs if r == "invalid_number"} == {"not_sent"}
    assert {r for s, r in pairs if s == "expired"} == {"expired_validity"}
    assert {r for s, r in pairs if s == "rejected"} <= {"carrier_filtered", "sender_compliance", "barred_or_opted_out"}
    assert {r for s, r in pairs if s == "failed"} <= {"platform_error", "routing_error", "network_error"}
    # times
    assert (
        one(db, "SELECT count(*) FROM m WHERE status = 'not_sent' AND (sent_at IS NOT NULL OR done_at IS NOT NULL)")
        == 0
    )
    assert (
        one(
            db,
            "SELECT count(*) FROM m WHERE status NOT IN ('not_sent', 'pending') AND (sent_at IS NULL OR done_at IS NULL)",
        )
        == 0
    )
    assert one(db, "SELECT count(*) FROM m WHERE sent_at < created_at OR done_at < sent_at") == 0
    assert one(db, "SELECT min(epoch(done_at) - epoch(sent_at)) FROM m WHERE status = 'expired'") >= 48 * 3600
    # raw values are there and consistent per provider
    assert one(db, "SELECT count(*) FROM m WHERE raw_status IS NULL") == 0
    assert (
        one(
            db,
            """SELECT max(n) FROM (SELECT count(DISTINCT (status, reason)) AS n FROM m
                      GROUP BY provider, raw_status, raw_error)""",
        )
        <= 2
    )  # twilio 'sent' = unknown/pending
    assert q(db, "SELECT DISTINCT raw_status, raw_error FROM m WHERE provider = 'smsapi' AND status = 'delivered'") == [
        ("DELIVRD", "000")
    ]
    assert {r[0] for r in q(db, "SELECT DISTINCT provider FROM m")} == {"smsapi", "infobip", "twilio"}


def test_operators_have_their_own_failure_profiles(db):
    ops = {r[0] for r in q(db, "SELECT DISTINCT operator FROM m WHERE operator IS NOT NULL AND country = 'PL'")}
    assert ops == {"Orange", "Play", "Plus", "T-Mobile", "Heyah", "Plush", "Virgin Mobile"}
    share = dict(
        q(
            db,
            "SELECT operator, count(*) / sum(count(*)) OVER () FROM m "
            "WHERE operator IS NOT NULL AND country = 'PL' GROUP BY 1",
        )
    )
    assert all(share[o] > 0.15 for o in ("Orange", "Play", "Plus", "T-Mobile"))
    assert all(share[o] < 0.05 for o in ("Heyah", "Plush", "Virgin Mobile"))
    rate = dict(
        q(
            db,
            """SELECT operator, avg(coalesce(reason = 'carrier_filtered', false)::int) FROM m
                         WHERE operator IN ('Play', 'Orange', 'Plus') GROUP BY 1""",
        )
    )
    assert rate["Play"] > 2 * rate["Orange"] and rate["Play"] > 2 * rate["Plus"]


def test_pending_only_in_the_last_three_days(db):
    assert one(db, "SELECT count(*) FROM m WHERE status = 'pending'") > 0
    assert one(db, "SELECT min(created_at)::date FROM m WHERE status = 'pending'") >= UNTIL - timedelta(days=2)
    assert (
        one(db, "SELECT count(*) FROM m WHERE status = 'pending' AND (done_at IS NOT NULL OR reason IS NOT NULL)") == 0
    )


def test_unique_ids(db):
    assert one(db, "SELECT count(*) - count(DISTINCT message_id) FROM m") == 0
    assert one(db, "SELECT count(*) - count(DISTINCT (provider, provider_message_id)) FROM m") == 0
    assert (
        one(
            db,
            """SELECT count(*) FROM (SELECT dispatch_id, msisdn FROM m WHERE source = 'bulk'
                      GROUP BY ALL HAVING count(*) > 1)""",
        )
        == 0
    )


def test_numbers(db):
    rows = q(db, "SELECT DISTINCT msisdn, status = 'not_sent', reason FROM m WHERE country = 'PL'")
    for msisdn, not_sent, reason in rows:
        assert msisdn.startswith("+48")
        num = phonenumbers.parse(msisdn)
        if not_sent:
            assert not phonenumbers.is_valid_number(num), msisdn
        else:
            assert re.fullmatch(r"\+48\d{9}", msisdn), msisdn
            assert phonenumbers.is_valid_number(num), msisdn
            expected = (
                phonenumbers.PhoneNumberType.FIXED_LINE
                if reason == "landline_unsupported"
                else phonenumbers.PhoneNumberType.MOBILE
            )
            assert phonenumbers.number_type(num) == expected, msisdn
    invalid = one(db, "SELECT avg(coalesce(reason IN ('invalid_number', 'landline_unsupported'), false)::int) FROM m")
    assert 0.003 <= invalid <= 0.012
    # a few recipients abroad: valid mobile numbers of their country, on its network, a little less often delivered
    abroad = q(db, "SELECT DISTINCT msisdn, country, operator FROM m WHERE country <> 'PL'")
    assert {c for _m, c, _o in abroad} == {"UA", "DE", "CZ", "GB"}
    for msisdn, country, operator in abroad:
        num = phonenumbers.parse(msisdn)
        assert phonenumbers.region_code_for_number(num) == country and phonenumbers.is_valid_number(num), msisdn
        assert operator in {"Kyivstar", "Telekom", "O2 CZ", "EE"}
    share = one(db, "SELECT avg((country <> 'PL')::int) FROM m")
    assert 0.005 <= share <= 0.02
    home, away = q(
        db,
        "SELECT avg((status = 'delivered')::int) FROM m WHERE status <> 'not_sent' GROUP BY country = 'PL' ORDER BY country = 'PL' DESC",
    )
    assert away[0] < home[0] - 0.02


def test_segments_encoding_and_price(db):
    rows = q(
        db,
        """SELECT d.message_text, any_value(m.encoding), any_value(m.segments),
                           count(DISTINCT (m.encoding, m.segments)) FROM d JOIN m USING (dispatch_id) GROUP BY 1""",
    )
    assert {r[1] for r in rows} == {"gsm7", "ucs2"}
    assert any(r[2] >= 2 for r in rows)
    for text, encoding, segments, variants in rows:
        assert variants == 1
        assert sms_encoding(text) == (encoding, segments)
        assert (encoding == "ucs2") == bool(re.search("[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ–]", text))
    lo, hi = q(
        db,
        "SELECT min(price / segments), max(price / segments) FROM m "
        "WHERE status <> 'not_sent' AND currency = 'PLN' AND country = 'PL'",
    )[0]
    assert 0.06 <= lo <= hi <= 0.16
    # twilio bills in EUR; a message without a final receipt has no price yet
    assert q(db, "SELECT DISTINCT currency FROM m ORDER BY 1") == [("EUR",), ("PLN",)]
    assert q(db, "SELECT DISTINCT provider FROM m WHERE currency = 'EUR'") == [("twilio",)]
    unknown = q(db, "SELECT DISTINCT status FROM m WHERE price IS NULL ORDER BY 1")
    assert unknown and set(unknown) <= {("pending",), ("unknown",)}


def test_clicks(db):
    assert one(db, "SELECT count(*) FROM c WHERE message_id NOT IN (SELECT message_id FROM m)") == 0
    linked = "SELECT message_id FROM m JOIN d USING (dispatch_id) WHERE d.message_text LIKE '%https://%'"
    api_linked = "SELECT message_id FROM m WHERE campaign_label IN ('reset-hasla', 'potwierdzenie-zamowienia', 'przypomnienie-wizyty')"
    assert (
        one(db, f"SELECT count(*) FROM c WHERE message_id NOT IN ({linked}) AND message_id NOT IN ({api_linked})") == 0
    )
    statuses = {r[0] for r in q(db, "SELECT DISTINCT m.status FROM c JOIN m USING (message_id)")}
    assert statuses == {"delivered", "unknown"}
    assert one(db, "SELECT count(*) FROM c JOIN m USING (message_id) WHERE c.clicked_at <= m.sent_at") == 0
    assert (
        one(
            db,
            """SELECT count(*) FROM c JOIN m USING (message_id)
                      WHERE m.status = 'delivered' AND c.clicked_at <= m.done_at""",
        )
        == 0
    )
    # shares among delivered messages with a link
    human, bot_only, delivered = q(
        db,
        f"""
        WITH per AS (SELECT message_id, bool_or(NOT is_bot) AS h, bool_or(is_bot) AS b FROM c GROUP BY 1)
        SELECT count(*) FILTER (WHERE h), count(*) FILTER (WHERE b AND NOT h),
               (SELECT count(*) FROM m WHERE status = 'delivered' AND (message_id IN ({linked}) OR message_id IN ({api_linked})))
        FROM per JOIN m USING (message_id) WHERE m.status = 'delivered'""",
    )[0]
    assert 0.03 <= human / delivered <= 0.12
    assert 0.015 <= bot_only / delivered <= 0.06
    # some messages are clicked more than once
    assert (
        one(db, "SELECT count(*) FROM (SELECT message_id FROM c WHERE NOT is_bot GROUP BY 1 HAVING count(*) > 1)") > 0
    )


def test_is_bot_follows_the_rule(db):
    rows = q(
        db,
        """SELECT c.user_agent, c.is_bot, m.status,
                           CASE WHEN m.status = 'delivered' THEN epoch(c.clicked_at) - epoch(m.done_at) END
                    FROM c JOIN m USING (message_id)""",
    )
    assert rows
    for ua, is_bot, status, secs in rows:
        assert is_bot == is_bot_click(ua, secs), (ua, status, secs)
    kinds = {(is_bot, secs is not None and secs <= 10) for _, is_bot, _, secs in rows}
    assert (True, True) in kinds and (True, False) in kinds and (False, False) in kinds


def test_sorted_within_files(built):
    root, _, _ = built
    for path in Lake(root).messages_dir.glob("month=*/*.parquet"):
        t = pq.read_table(path, columns=["dispatch_id", "created_at"])
        ids = t["dispatch_id"].to_pylist()
        ts = t["created_at"].cast(pa.int64()).to_pylist()
        keys = [(d is None, d or "", c) for d, c in zip(ids, ts)]  # nulls last
        assert keys == sorted(keys), path
        assert pq.read_schema(path).field("created_at").type == schema.TS


def _assert_sorted_files(root: Path) -> None:
    for path in Lake(root).messages_dir.glob("month=*/*.parquet"):
        t = pq.read_table(path, columns=["dispatch_id", "created_at"])
        ids = t["dispatch_id"].to_pylist()
        ts = t["created_at"].cast(pa.int64()).to_pylist()
        keys = [(d is None, d or "", c) for d, c in zip(ids, ts)]  # nulls last
        assert keys == sorted(keys), path
    for path in Lake(root).clicks_dir.glob("month=*/*.parquet"):
        t = pq.read_table(path, columns=["message_id", "clicked_at"])
        keys = list(zip(t["clicked_at"].to_pylist(), t["message_id"].to_pylist()))
        assert keys == sorted(keys), path


def test_the_lake_schema_in_every_file(built):
    root, _, _ = built
    lake = Lake(root)
    for folder, want in [(lake.messages_dir, schema.MESSAGES), (lake.clicks_dir, schema.CLICKS)]:
        paths = sorted(folder.glob("month=*/*.parquet"))
        assert paths
        for path in paths:
            assert pq.read_schema(path).remove_metadata() == want, path


def test_built_in_slices(tmp_path, monkeypatch):
    # Months are built and written a slice at a time; the big dispatch's rows (another
    # random stream) go in their place among the others. Small slices: many of them.
    monkeypatch.setattr(demo_months, "SLICE_ROWS", 700)
    root = tmp_path / "sliced"
    s = _build(root, messages=20_000, big_dispatch=3_000)
    assert s.messages == 23_000
    _assert_sorted_files(root)
    assert sum(pq.ParquetFile(p).metadata.num_rows for p in Lake(root).messages_dir.glob("month=*/*.parquet")) == 23_000
    again = tmp_path / "again"
    _build(again, messages=20_000, big_dispatch=3_000)
    assert _files(again) == _files(root)


def test_big_dispatch(db):
    big = q(
        db,
        """SELECT dispatch_id, count(*), avg((status = 'delivered')::int), min(created_at)::date
                   FROM m WHERE source = 'bulk' GROUP BY 1 HAVING count(*) = ?""".replace("?", str(BIG)),
    )
    assert len(big) == 1
    dispatch_id, n, delivered, day = big[0]
    assert delivered > 0.95
    assert UNTIL - timedelta(days=6) <= day < UNTIL
    text = one(db, f"SELECT message_text FROM d WHERE dispatch_id = '{dispatch_id}'")
    assert "https://" in text
    assert one(db, f"SELECT count(*) FROM c JOIN m USING (message_id) WHERE dispatch_id = '{dispatch_id}'") > 0


def test_big_dispatch_leaves_the_rest_alone(built, tmp_path):
    root, _, _ = built
    plain = tmp_path / "plain"
    s = _build(plain)
    assert s.messages == MESSAGES
    cols = ["message_id", "msisdn", "status", "created_at"]
    a = pq.read_table(Lake(root).messages_dir, columns=cols).filter(
        pc.field("message_id").isin(pq.read_table(Lake(plain).messages_dir, columns=["message_id"])["message_id"])
    )
    b = pq.read_table(Lake(plain).messages_dir, columns=cols)
    assert a.num_rows == b.num_rows == MESSAGES
    assert a.sort_by("message_id").equals(b.sort_by("message_id"))


def test_small_lakes_have_enough_dispatches(tmp_path):
    s = _build(tmp_path / "small", messages=20_000, until=date(2026, 3, 2))
    assert s.dispatches >= 20
    assert s.months >= 18
    assert demo_plan._n_dispatches(2_000_000) in range(150, 301)


def _assert_only_published_versions(data_dir: Path) -> None:
    # The lake is a symlink to its current version; one previous version is kept for
    # readers still scanning it; nothing else (no staging) is left behind.
    assert sorted(p.name for p in data_dir.iterdir()) == [".lake.lock", "lake", "lake.d"]
    versions = {p.name for p in (data_dir / "lake.d").iterdir() if p.is_dir()}
    assert Path(os.readlink(data_dir / "lake")).name in versions
    assert len(versions) <= 2


def test_replaces_an_existing_lake_whole(tmp_path):
    root = tmp_path / "lake"
    (root / "messages" / "month=1999-01").mkdir(parents=True)
    (root / "messages" / "month=1999-01" / "part-0000.parquet").write_bytes(b"old")
    (root / "stale.txt").write_text("old")
    _build(root, messages=5_000)
    assert not (root / "stale.txt").exists()
    assert not (root / "messages" / "month=1999-01").exists()
    _assert_only_published_versions(tmp_path)


def test_a_failed_build_leaves_the_old_lake(tmp_path, monkeypatch):
    root = tmp_path / "lake"
    _build(root, messages=5_000)
    before = _files(root)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(demo_build, "write_dispatches", boom)
    with pytest.raises(OSError, match="disk full"):
        _build(root, messages=5_000, seed=99)
    assert _files(root) == before
    _assert_only_published_versions(tmp_path)


def test_the_time_zone_is_required(tmp_path):
    with pytest.raises(TypeError):
        build_demo(Lake(tmp_path / "x"), messages=5_000, until=UNTIL)  # type: ignore[call-arg]
    assert not (tmp_path / "x").exists()


def test_rejects_tiny_sizes(tmp_path):
    with pytest.raises(ValueError):
        _build(tmp_path / "x", messages=10)
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- #
# Built at a moment: nothing after it
# --------------------------------------------------------------------------- #

MOMENT = datetime(2026, 11, 20, 12, 10, tzinfo=ZoneInfo(TZ))


def _latest(root: Path) -> dict[str, datetime]:
    lake = Lake(root)
    con = duckdb.connect()
    m = f"read_parquet('{lake.messages_glob}', hive_partitioning=true)"
    c = f"read_parquet('{lake.clicks_glob}', hive_partitioning=true)"
    d = f"read_parquet('{lake.dispatches_file}')"
    return {
        "created_at": one(con, f"SELECT max(created_at) FROM {m}"),
        "sent_at": one(con, f"SELECT max(sent_at) FROM {m}"),
        "done_at": one(con, f"SELECT max(done_at) FROM {m}"),
        "clicked_at": one(con, f"SELECT max(clicked_at) FROM {c}"),
        "dispatch created_at": one(con, f"SELECT max(created_at) FROM {d}"),
        "api": one(con, f"SELECT max(created_at) FROM {m} WHERE source = 'api'"),
        "bulk": one(con, f"SELECT max(created_at) FROM {m} WHERE source = 'bulk'"),
    }


@pytest.fixture(scope="module")
def at_noon(tmp_path_factory):
    root = tmp_path_factory.mktemp("noon") / "lake"
    return root, _build(root, messages=20_000, until=MOMENT)


def test_nothing_after_the_moment_the_demo_is_built(at_noon):
    root, s = at_noon
    latest = _latest(root)
    for what in ("created_at", "sent_at", "done_at", "clicked_at", "dispatch created_at"):
        assert latest[what] < MOMENT, what
    # the day goes on until then: transactional traffic this morning, the day's dispatch before noon
    assert MOMENT - timedelta(hours=1) < latest["api"] < MOMENT
    assert latest["bulk"].astimezone(ZoneInfo(TZ)).date() == MOMENT.date()
    assert s.messages == 20_000  # as many as asked for, all before the moment
    assert s.last_day == MOMENT.date() and s.built_at == MOMENT
    con = duckdb.connect()
    m = f"read_parquet('{Lake(root).messages_glob}', hive_partitioning=true)"
    assert one(con, f"SELECT count(*) FROM {m} WHERE status = 'pending'") > 0


def test_the_same_moment_gives_the_same_lake(at_noon, tmp_path):
    root, _ = at_noon
    again = tmp_path / "again"
    _build(again, messages=20_000, until=MOMENT.replace(tzinfo=None))  # naive: local time in tz
    assert _files(again) == _files(root)


def test_a_moment_just_after_midnight(tmp_path):
    moment = datetime(2026, 11, 20, 0, 20, tzinfo=ZoneInfo(TZ))
    root = tmp_path / "lake"
    s = _build(root, messages=5_000, until=moment)
    assert s.messages == 5_000 and s.last_day == moment.date()
    latest = _latest(root)
    assert max(v for v in latest.values() if v is not None) < moment


def test_a_date_is_the_end_of_that_day(tmp_path):
    s = _build(tmp_path / "lake", messages=5_000)
    assert s.built_at == datetime(2026, 11, 21, tzinfo=ZoneInfo(TZ))
    midnight = _build(tmp_path / "midnight", messages=5_000, until=datetime(2026, 11, 21, tzinfo=ZoneInfo(TZ)))
    assert midnight.last_day == UNTIL
    assert _files(tmp_path / "midnight") == _files(tmp_path / "lake")
