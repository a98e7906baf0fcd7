"""The fast paths of the ingest give exactly what the slow, general paths give for the same input.

- smpp-dlr: the split kernels (Kannel's current layout, receipts in the standard
  order) against the regular expressions and the tolerant per-line parser alone, and
  run over blocks of lines against the whole file at once;
- text lines kept as byte ranges against the decoder's per-line path;
- `fields.lower`/`upper` (only when some byte would change) against Arrow's case mapping;
- `merge.all_distinct` (ids of one length hashed and sorted with numpy) against a set;
- the lake writer's month keys (numpy) and its check that a month is in order already
  (then it is not sorted) against Arrow's strftime and sort.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.ingest import fields
from data.ingest.core import normalise
from data.ingest.merge import all_distinct
from data.ingest.smpp_dlr import _split_fields, _split_in_blocks, parse_lines
from data.ingest.textio import decode, lines_of
from data.lake import is_sorted, month_keys
from data.schema import TS
from tests.data.ingest.conftest import SAMPLES, options

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KANNEL = (
    "2025-10-14 09:00:09 Receive DLR [SMSC:plus] [SVC:sklep] [ACT:] [BINF:] [FID:{id}] [META:?smpp?dlr_err={err}&] "
    "[from:{number}] [to:SKLEP] [flags:-1:-1:-1:-1:1] [msg:114:id:{id} sub:001 dlvrd:001 submit date:2510140900 "
    "done date:2510140901 stat:{stat} err:{err} text:{text}] [udh:0:]"
)
SENT = (
    "2025-10-14 09:00:01 Sent SMS [SMSC:plus] [SVC:sklep] [ACT:] [BINF:] [FID:{id}] [META:] [from:SKLEP] "
    "[to:{number}] [flags:-1:0:-1:0:19] [msg:26:{text}] [udh:0:]"
)
AWKWARD = [
    KANNEL.format(id="1A2B3C01", number="48601200001", stat="DELIVRD", err="000", text="Promocja -20%"),
    KANNEL.format(id="1A2B3C02", number="601 200 002", stat="UNDELIV", err="00B", text="Zażółć gęślą"),  # local number
    KANNEL.format(id="1A2B3C03", number="0048601200003", stat="UNDELIV", err="0x0D", text="x"),  # hex err
    KANNEL.format(id="1A2B3C04", number="+48601200004", stat="FOOBAR", err="999", text="x"),  # unknown status
    KANNEL.format(id="1A2B3C05", number="48601200005", stat="EXPIRED", err="000", text="with [brackets] inside"),
    KANNEL.format(id="1A2B3C06", number="48601200006", stat="REJECTD", err="000", text="a] [b"),
    KANNEL.format(id="1A2B3C07", number="abc", stat="DELIVRD", err="000", text="not a number"),
    KANNEL.format(id="1A2B3C08", number="48601200008", stat="DELIVRD", err="000", text="").replace(" text:]", "]"),
    KANNEL.format(id="1A2B3C09", number="48601200009", stat="DELIVRD", err="000", text="x").replace(
        "2025-10-14 09:00:09", "2025-10-14 09:00:09.250"
    ),  # fractional seconds: another layout
    KANNEL.format(id="1A2B3C10", number="48601200010", stat="DELIVRD", err="000", text="x").replace(
        "submit date:2510140900", "submit date:251014090012"
    ),  # 12-digit date
    KANNEL.format(id="1A2B3C11", number="48601200011", stat="DELIVRD", err="000", text="x").replace(
        "done date:2510140901", "done date:25101409"
    ),  # bad date
    SENT.format(id="1A2B3C12", number="+48601200012", text="Promocja -20% na wszystko!"),
    SENT.format(id="1A2B3C13", number="601200013", text="tekst [z nawiasem]").replace("Sent SMS", "FAILED Send SMS"),
    SENT.format(id="", number="+48601200014", text="STOP").replace("Sent SMS", "Receive SMS"),
    "id:0000000101 sub:001 dlvrd:001 submit date:2510141000 done date:2510141001 stat:DELIVRD err:000 text:Hello",
    "id:0000000102 sub:001 dlvrd:000 submit date:251014100000 done date:251014100512 stat:REJECTD err:00B text:Hello",
    "stat:UNDELIV err:0x0D id:0000000104 submit_date:2510141000 done_date:2510141002",  # other order
    "ID:0000000105 Sub:001 Dlvrd:000 Submit Date:2510141000 Done Date:2510141003 State:UNDELIV Error:001 Text:Hello",
    "<14>Oct 14 10:01:07 smsc01 dlr[2231]: received deliver_sm id:0000000109 sub:001 dlvrd:001 submit date:2510141000 "
    "done date:2510141001 stat:DELIVRD err:000 text:Hello",
    "[id:0000000111 sub:001 dlvrd:001 submit date:2510141000 done date:2510141001 stat:DELIVRD err:000]",
    "id:0000000112 sub:001 dlvrd:001 submit date:2510141000 done date:2510141001 stat:DELIVRD err:0x0B",
    "id=9e2a6f52-0001&message_status=DELIVRD&level=3&id_smsc=3a2b0001&subdate=2510141000&donedate=2510141001&err=000",
    "id:0000000113 sub:001 dlvrd:001 submit date:2510141000 done date:2510141001 err:000",  # no stat
    "stat:DELIVRD err:000",  # no id
    # receipts inside longer lines: after `=`, in quotes; Jasmin's log lines (the id in a bracketed field)
    "2025-10-14 10:01:05 [DLR] short_message=id:0000000114 sub:001 dlvrd:001 submit date:2510141000 "
    "done date:2510141001 stat:DELIVRD err:000 text:HOLA",
    "2025-10-14 10:01:05 [DLR] short_message='id:0000000115 sub:001 dlvrd:001 submit date:2510141000 "
    "done date:2510141001 stat:UNDELIV err:001'",
    "2025-10-14 10:01:05 INFO     2214 DLR [cid:smsc1] [smpp-msgid:0000000116] [status:DELIVRD] "
    "[submit date:2510141000] [done date:2510141001] [sub/dlvrd messages:001/001] [err:000] [content:b'x']",
    "2025-10-14 10:00:02 INFO     2214 SMS-MT [cid:smsc1] [queue-msgid:0b5e7c8e] [smpp-msgid:0000000117] "
    "[status:CommandStatus.ESME_ROK] [prio:0] [dlr:x] [validity:none] [from:b'SKLEP'] [to:b'48601200017'] "
    "[content:b'x']",
    "2025-10-14 10:02:00 INFO     2214 SMS-MO [cid:smsc1] [queue-msgid:9d2c] [status:CommandStatus.ESME_ROK] "
    "[prio:0] [validity:none] [from:b'48601200009'] [to:b'SKLEP'] [content:b'STOP']",
    # one bad time among good ones: the others are used
    "id:0000000118 sub:001 dlvrd:001 submit date:2510141000 done date:1234567890 stat:DELIVRD err:000",
    "id:0000000119 sub:001 dlvrd:001 submit date:2510141000 done date:9912312359 stat:DELIVRD err:000",
    "just a log line",
    "",
    "   ",
]


def records(data: bytes, fast: bool) -> tuple[list[dict], list[tuple]]:
    lines = lines_of(data, "t.log")
    parsed = parse_lines(lines, "t.log", options(provider="plus"), fast=fast)
    rows = normalise(parsed, options(provider="plus"))
    issues = sorted((i.line, i.reason, i.raw) for i in parsed.issues + rows.issues)
    table = rows.rows.drop_columns(["_seq"]) if "_seq" in rows.rows.column_names else rows.rows
    return table.sort_by("_line").to_pylist(), issues


def both(data: bytes) -> None:
    fast_rows, fast_issues = records(data, True)
    slow_rows, slow_issues = records(data, False)
    assert fast_rows == slow_rows
    assert fast_issues == slow_issues


def test_smpp_fast_and_slow_paths_agree_on_awkward_lines():
    both(("\n".join(AWKWARD) + "\n").encode("utf-8"))


def test_smpp_paths_agree_on_crlf_bom_cp1250_and_a_truncated_last_line():
    text = "\r\n".join(AWKWARD)  # CRLF, and no newline after the last line
    both(text.encode("utf-8"))
    both(b"\xef\xbb\xbf" + text.encode("utf-8") + b"\r\n")  # UTF-8 with a BOM
    both(text.encode("cp1250", "replace") + b"\r\n")  # Windows-1250 (the Polish letters)
    cut = "\n".join(AWKWARD[:3]) + "\n" + AWKWARD[0][:150]  # a receipt cut off in the middle
    both(cut.encode("utf-8"))


def test_smpp_paths_agree_on_the_samples():
    for name in ("smpp_kannel.log", "smpp_receipts.log", "jasmin_dlr.log"):
        both((SAMPLES / name).read_bytes())


@SETTINGS
@given(
    st.lists(
        st.sampled_from(AWKWARD) | st.text(alphabet=st.characters(blacklist_characters="\n\r"), max_size=60),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_smpp_paths_agree_on_any_lines(lines, newline, final_newline):
    both((newline.join(lines) + (newline if final_newline else "")).encode("utf-8", "surrogatepass"))


def test_smpp_split_in_blocks_is_the_split_of_the_whole():
    text, closed = lines_of(
        ("\r\n".join(AWKWARD + [SENT.format(id="1", number="48601200001", text="x")])).encode(), "x"
    ).with_endings()
    whole, k_whole, r_whole = _split_fields(text, closed)
    blocks, k_blocks, r_blocks = _split_in_blocks(text, closed, block=3)
    assert k_blocks.equals(k_whole) and r_blocks.equals(r_whole)
    assert {k: v.to_pylist() for k, v in blocks.items()} == {k: v.to_pylist() for k, v in whole.items()}


@SETTINGS
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_characters="\n\r", blacklist_categories=("Cs",)), max_size=20),
        max_size=10,
    ),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.booleans(),
)
def test_lines_as_byte_ranges_are_the_decoded_lines(lines, newline, final_newline, bom):
    data = (b"\xef\xbb\xbf" if bom else b"") + (
        newline.join(lines) + (newline if final_newline and lines else "")
    ).encode("utf-8")
    got = lines_of(data, "t")
    text, _, _ = decode(data)
    expected = text.split("\n")
    if expected and expected[-1] == "" and len(expected) > 1:
        expected = expected[:-1]
    elif expected == [""]:
        expected = []
    expected = [e[:-1] if e.endswith("\r") else e for e in expected]
    binary = {i + 1 for i, e in enumerate(expected) if any(ord(c) < 32 and c != "\t" or ord(c) == 127 for c in e)}
    assert set(got.binary) == binary
    assert [v for i, v in enumerate(got.lines.to_pylist(), 1) if i not in binary] == [
        e for i, e in enumerate(expected, 1) if i not in binary
    ]
    assert [got.text(i) for i in range(1, len(expected) + 1) if i not in binary] == [
        e for i, e in enumerate(expected, 1) if i not in binary
    ]
    assert got.blank == sum(1 for i, e in enumerate(expected, 1) if i not in binary and not e.strip(" \t\f\v"))


@SETTINGS
@given(
    st.lists(
        st.none() | st.text(max_size=6) | st.sampled_from(["", " ", "\u00a0x", "x\t", "ś", " a b ", "Ab", "ab"]),
        max_size=12,
    )
)
def test_case_mapping_like_arrow(values):
    arr = pa.array(values, pa.string())
    expected = fields.text(arr)
    assert fields.lower(arr).to_pylist() == pc.utf8_lower(expected).to_pylist()
    assert fields.upper(arr).to_pylist() == pc.utf8_upper(expected).to_pylist()
    if len(arr) > 2:
        assert fields.lower(arr.slice(1)).to_pylist() == pc.utf8_lower(expected.slice(1)).to_pylist()
        assert fields.upper(arr.slice(1)).to_pylist() == pc.utf8_upper(expected.slice(1)).to_pylist()


@SETTINGS
@given(
    st.lists(
        st.text(alphabet="ab\x00ś", min_size=1, max_size=3)
        | st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
        max_size=40,
    ),
    st.integers(min_value=0, max_value=3),
    st.booleans(),
)
def test_all_distinct_is_a_set_count(values, shift, with_null):
    arr = pa.array(["x"] * shift + values + ([None] if with_null else []), pa.string()).slice(shift)
    expected = len(set(arr.to_pylist())) == len(arr)
    assert all_distinct(arr) == expected
    same_length = [v.ljust(5, "-")[:5] for v in values]  # all one width: the hashed path
    assert all_distinct(pa.array(same_length, pa.string())) == (len(set(same_length)) == len(same_length))


def test_all_distinct_on_many_ids_of_one_width():
    ids = [f"msg-{i * 7919 % 1_000_003:016x}" for i in range(50_000)]
    assert all_distinct(pa.array(ids))
    assert not all_distinct(pa.array(ids + [ids[12_345]]))


@SETTINGS
@given(
    st.lists(
        st.none()
        | st.datetimes(
            min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2040, 12, 31), timezones=st.just(dt.UTC)
        ),
        max_size=12,
    )
)
def test_month_keys_are_strftime(times):
    arr = pa.array(times, TS)
    assert month_keys(arr).to_pylist() == pc.strftime(arr, format="%Y-%m").to_pylist()


@SETTINGS
@given(
    st.lists(st.tuples(st.none() | st.sampled_from(["a", "b", "ab", "ś"]), st.none() | st.integers(0, 3)), max_size=10),
    st.booleans(),
)
def test_is_sorted_when_sort_changes_nothing(rows, presort):
    keys = [("d", "ascending"), ("t", "ascending")]
    table = pa.table(
        {
            "d": pa.array([d for d, _ in rows], pa.string()),
            "t": pa.array([t for _, t in rows], pa.int64()),
            "row": pa.array(range(len(rows)), pa.int64()),
        }
    )
    if presort:
        table = table.sort_by(keys)
    assert is_sorted(table, keys) == table.sort_by(keys)["row"].equals(table["row"])
