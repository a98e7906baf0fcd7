"""Find one message: the query against an independent pandas look-up over the raw frames, the search
index it reads (and the raw messages when the index is missing or stale), and what a search text means."""

from __future__ import annotations

import json
import os
import shutil

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data.db import Db
from data.lake import Lake
from data.pii import mask_msisdn
from data.queries.search import SearchError, SearchQuery, find_messages, parse_query
from data.search_index import fresh_months, message_key, search_dir
from tests.conftest import TZ
from tests.expected import messages_found

COMPARED = [
    "message_id",
    "msisdn",
    "source",
    "dispatch_number",
    "dispatch_name",
    "campaign_label",
    "status",
    "reason",
    "raw_status",
    "raw_error",
    "created_at",
    "sent_at",
    "done_at",
    "clicks",
]


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows as plain values (NaN and NaT as None), for comparing frames built different ways."""
    out = []
    for row in frame[COMPARED].to_dict("records"):
        out.append({k: None if not isinstance(v, list) and pd.isna(v) else v for k, v in row.items()})
    return out


@pytest.fixture(scope="module")
def chosen(frames) -> dict[str, str]:
    """Numbers worth searching for: the one with most messages, one with bot and human clicks, one
    never sent to, one still pending, one of a transactional message, and one with a not-delivered reason."""
    m, c = frames["messages"], frames["clicks"]
    by_bot = c.groupby("message_id")["is_bot"].agg(["any", "all"])
    mixed = set(by_bot[by_bot["any"] & ~by_bot["all"]].index)
    pick = {
        "most": m["msisdn"].value_counts().index[0],
        "bot_and_human": m.loc[m["message_id"].isin(mixed), "msisdn"].iloc[0],
        "not_sent": m.loc[m["status"] == "not_sent", "msisdn"].dropna().iloc[0],
        "pending": m.loc[m["status"] == "pending", "msisdn"].iloc[0],
        "transactional": m.loc[m["source"] == "api", "msisdn"].iloc[0],
        "reason": m.loc[m["reason"].notna() & (m["status"] != "not_sent"), "msisdn"].iloc[0],
    }
    assert len(set(pick.values())) >= 4
    return pick


@pytest.mark.parametrize("kind", ["most", "bot_and_human", "not_sent", "pending", "transactional", "reason"])
def test_search_by_number_shows_what_the_raw_frames_hold(ctx, frames, chosen, kind):
    number = chosen[kind]
    found = find_messages(ctx.db, query=SearchQuery(number, None), tz=TZ, reveal=True)
    expected = messages_found(frames, TZ, msisdn=number)
    assert found.by == "number" and found.value == number and found.raw_months == ()
    assert found.total == len(expected) == len(found.messages) > 0
    assert records(found.messages) == records(expected)
    groups = {"delivered": "delivered", "not_sent": "not_sent", "pending": "pending"}
    assert [groups.get(s, "not_delivered") for s in expected["status"]] == list(found.messages["status_group"])


def test_clicks_keep_their_bot_flags_in_order(ctx, frames, chosen):
    found = find_messages(ctx.db, query=SearchQuery(chosen["bot_and_human"], None), tz=TZ, reveal=True)
    flags = [bot for clicks in found.messages["clicks"] for _at, bot in clicks]
    assert True in flags and False in flags
    for clicks in found.messages["clicks"]:
        assert [at for at, _ in clicks] == sorted(at for at, _ in clicks)


def test_search_by_id_finds_exactly_that_message(ctx, frames):
    m = frames["messages"]
    for message_id in list(m["message_id"].sample(5, random_state=3)) + [
        m.loc[m["source"] == "test", "message_id"].iloc[0]
    ]:
        found = find_messages(ctx.db, query=SearchQuery(None, message_id), tz=TZ, reveal=True)
        assert found.by == "id" and found.total == 1
        assert records(found.messages) == records(messages_found(frames, TZ, message_id=message_id))


def test_digits_that_are_no_ones_number_are_tried_as_an_id(ctx, frames):
    # Digits only can be a number or an id: the number first, then the id.
    message_id = frames["messages"]["message_id"].iloc[7]
    found = find_messages(ctx.db, query=SearchQuery("+48999000111", message_id), tz=TZ, reveal=False)
    assert (found.by, found.value, found.total) == ("id", message_id, 1)
    # Neither found: the answer speaks of the number (masked for a viewer).
    found = find_messages(ctx.db, query=SearchQuery("+48123450000", "123450000"), tz=TZ, reveal=False)
    assert (found.by, found.value, found.total) == ("number", "+48 123 *** *00", 0)
    assert found.messages.empty and list(found.messages.columns)[:2] == ["message_id", "msisdn"]


def test_nothing_found_keeps_the_number_masked_for_a_viewer(ctx):
    found = find_messages(ctx.db, query=SearchQuery("+48999000111", None), tz=TZ, reveal=False)
    assert (found.by, found.value, found.total) == ("number", "+48 999 *** *11", 0)


def test_viewers_get_masked_numbers_and_nothing_else_changes(ctx, frames, chosen):
    number = chosen["most"]
    full = find_messages(ctx.db, query=SearchQuery(number, None), tz=TZ, reveal=True)
    masked = find_messages(ctx.db, query=SearchQuery(number, None), tz=TZ, reveal=False)
    assert set(masked.messages["msisdn"]) == {mask_msisdn(number)} and masked.value == mask_msisdn(number)
    assert number not in masked.messages.to_string() and number.lstrip("+") not in masked.messages.to_string()
    rest = [c for c in COMPARED if c != "msisdn"]
    assert masked.messages[rest].equals(full.messages[rest])


def test_newest_first_and_at_most_limit_shown(ctx, frames, chosen):
    number = chosen["most"]
    expected = messages_found(frames, TZ, msisdn=number)
    found = find_messages(ctx.db, query=SearchQuery(number, None), tz=TZ, reveal=True, limit=3)
    assert found.total == len(expected) > 3 and len(found.messages) == 3
    assert records(found.messages) == records(expected.head(3))


def test_the_raw_scan_answers_alike(config, frames, chosen):
    raw = Db(Lake(config.lake_dir), tz=TZ, use_rollups=False)
    try:
        for kind in ("most", "transactional", "not_sent"):
            found = find_messages(raw, query=SearchQuery(chosen[kind], None), tz=TZ, reveal=True)
            assert len(found.raw_months) > 1
            assert records(found.messages) == records(messages_found(frames, TZ, msisdn=chosen[kind]))
        message_id = frames["messages"]["message_id"].iloc[123]
        found = find_messages(raw, query=SearchQuery(None, message_id), tz=TZ, reveal=True)
        assert records(found.messages) == records(messages_found(frames, TZ, message_id=message_id))
    finally:
        raw.close()


@pytest.fixture
def lake_copy(config, tmp_path) -> Lake:
    """A copy of the demo lake (a plain folder) to spoil."""
    shutil.copytree(config.lake_dir.resolve(), tmp_path / "lake")
    return Lake(tmp_path / "lake")


def test_a_stale_or_missing_index_month_is_read_raw(lake_copy, frames, chosen):
    number = chosen["most"]
    expected = records(messages_found(frames, TZ, msisdn=number))
    months = sorted(
        {ts.strftime("%Y-%m") for ts in frames["messages"].loc[frames["messages"]["msisdn"] == number, "created_at"]}
    )
    changed, missing = months[0], months[-1]
    data_file = next((lake_copy.messages_dir / f"month={changed}").glob("*.parquet"))
    os.utime(data_file, ns=(data_file.stat().st_atime_ns, data_file.stat().st_mtime_ns + 10**9))
    shutil.rmtree(search_dir(lake_copy) / "by_number" / f"month={missing}")
    assert changed not in fresh_months(lake_copy)
    db = Db(lake_copy, tz=TZ)
    try:
        found = find_messages(db, query=SearchQuery(number, None), tz=TZ, reveal=True)
        assert set(found.raw_months) == {changed, missing}
        assert records(found.messages) == expected
    finally:
        db.close()


def test_the_index_files(config, frames):
    lake = Lake(config.lake_dir)
    m = frames["messages"]
    per_month = m.groupby(m["created_at"].dt.strftime("%Y-%m")).size()
    assert fresh_months(lake) == set(per_month.index)
    for month, count in per_month.items():
        numbers, ids = (
            pa.concat_tables(
                pq.read_table(f)
                for f in sorted(
                    (search_dir(lake) / table / f"month={month}").glob("*.parquet"), key=lambda f: int(f.stem[5:])
                )
            )
            for table in ("by_number", "by_id")
        )
        assert numbers.num_rows == ids.num_rows == count
        folder = search_dir(lake) / "by_number" / f"month={month}"
        ranges = json.loads((folder / "ranges.json").read_text())
        listed = {(g[0], g[1]) for g in ranges["groups"]} | {(n[0], n[1]) for n in ranges["nulls"]}
        every = {(f.name, i) for f in folder.glob("*.parquet") for i in range(pq.read_metadata(f).num_row_groups)}
        assert listed == every and [g[2] for g in ranges["groups"]] == sorted(g[2] for g in ranges["groups"])
        values = numbers["msisdn"].to_pylist()
        assert values == sorted(values, key=lambda v: (v is None, v or ""))
        keys = ids["key"].to_pylist()
        assert keys == sorted(keys) and min(keys) >= 0
    some = m["message_id"].iloc[:50].tolist()
    got = duckdb.connect().execute(
        "SELECT id, CAST(md5_number(id) >> 97 AS INTEGER) FROM unnest($ids) t(id)", {"ids": some}
    )
    assert {i: k for i, k in got.fetchall()} == {i: message_key(i) for i in some}


@pytest.mark.parametrize(
    "text, number",
    [
        ("+48 600 100 200", "+48600100200"),
        ("0048600100200", "+48600100200"),
        ("48600100200", "+48600100200"),
        ("600-100-200", "+48600100200"),
        ("  600 100 200 ", "+48600100200"),
        ("(600) 100 200", "+48600100200"),
        ("+44 7700 900123", "+447700900123"),
    ],
)
def test_a_number_in_any_form_the_ingest_accepts(text, number):
    assert parse_query(text, region="PL").number == number


def test_the_default_region_decides_national_numbers():
    assert parse_query("030 1234567", region="DE").number == "+49301234567"
    assert parse_query("600 100 200", region="PL").number == "+48600100200"


def test_ids_and_bad_input():
    assert parse_query("msg-0f3a", region="PL") == SearchQuery(None, "msg-0f3a")
    assert parse_query("twilio:SM12ab", region="PL") == SearchQuery(None, "twilio:SM12ab")
    digits = parse_query("600100200", region="PL")
    assert digits == SearchQuery("+48600100200", "600100200")
    for text, key in [
        ("", "search.error.empty"),
        ("   ", "search.error.empty"),
        (None, "search.error.empty"),
        ("Jan Kowalski", "search.error.bad"),
        ("600 100 abc", "search.error.bad"),
        ("x" * 101, "search.error.bad"),
        ("'; DROP TABLE messages; --", "search.error.bad"),
    ]:
        with pytest.raises(SearchError) as exc:
            parse_query(text, region="PL")
        assert exc.value.key == key


def test_a_new_lake_version_is_searched_at_once(config, tmp_path, frames, chosen):
    from data.lake import transaction, write_messages
    from data.rollups import build_rollups

    shutil.copytree(config.lake_dir.parent / "lake.d", tmp_path / "lake.d", symlinks=True)
    (tmp_path / "lake").symlink_to(os.readlink(config.lake_dir))
    lake = Lake(tmp_path / "lake")
    number = chosen["pending"]
    db = Db(lake, tz=TZ)
    try:
        before = find_messages(db, query=SearchQuery(number, None), tz=TZ, reveal=True)
        # One more message to the number, imported into its newest month (a new lake version).
        m = frames["messages"]
        newest = m[m["msisdn"] == number].sort_values("created_at").iloc[-1]
        month = newest["created_at"].strftime("%Y-%m")
        rows = m[m["created_at"].dt.strftime("%Y-%m") == month].copy()
        extra = newest.copy()
        extra["message_id"] = "msg-added-in-test"
        extra["created_at"] = newest["created_at"] + pd.Timedelta(seconds=1)
        rows = pd.concat([rows, extra.to_frame().T], ignore_index=True).astype(rows.dtypes.to_dict())
        with transaction(lake) as staging:
            write_messages(staging, pa_table(rows), month=month)
            build_rollups(staging, tz=TZ, months=[month])
        after = find_messages(db, query=SearchQuery(number, None), tz=TZ, reveal=True)
        assert after.total == before.total + 1 and after.raw_months == ()
        assert after.messages["message_id"].iloc[0] == "msg-added-in-test"
    finally:
        db.close()


def pa_table(frame: pd.DataFrame):
    import pyarrow as pa

    from data.schema import MESSAGES

    return pa.Table.from_pandas(frame[MESSAGES.names], schema=MESSAGES, preserve_index=False)
