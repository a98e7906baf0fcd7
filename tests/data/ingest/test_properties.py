"""Property tests of every parser: any input line either becomes a valid row or is
quarantined with a reason, and no exception escapes."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.ingest import clicks as clicks_format
from data.ingest.core import normalise
from data.ingest.formats import FORMATS
from data.ingest.phones import E164_RE
from data.schema import Reason, Source, Status
from tests.data.ingest.conftest import options
from tests.data.ingest.writers import FORMATS as WRITTEN
from tests.data.ingest.writers import line, text

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEPARATORS = "&=:;, []{}\"'"


@st.composite
def mutated(draw, fmt: str) -> str:
    """A valid record of `fmt` with random damage: spans cut, characters inserted, values replaced."""
    i = draw(st.integers(1, 99999))
    value = line(
        fmt,
        i,
        status=draw(st.sampled_from([WRITTEN[fmt][2] or "x", "ENROUTE", "failed", "ZZ", ""])),
        number=draw(st.sampled_from(["+48601700001", "600 100 200", "0048600100200", "abc", "", "+1"])),
        label=draw(st.text(min_size=0, max_size=8).filter(lambda s: "\n" not in s and "\r" not in s)),
    )
    for _ in range(draw(st.integers(0, 3))):
        if not value:
            break
        at = draw(st.integers(0, len(value) - 1))
        action = draw(st.sampled_from(["cut", "insert", "replace"]))
        noise = draw(
            st.text(alphabet=st.characters(blacklist_characters="\n\r"), max_size=6) | st.sampled_from(list(SEPARATORS))
        )
        if action == "cut":
            value = value[:at] + value[at + draw(st.integers(1, 10)) :]
        elif action == "insert":
            value = value[:at] + noise + value[at:]
        else:
            value = value[:at] + noise + value[at + len(noise) :]
    return value


def any_line(fmt: str):
    return st.one_of(
        mutated(fmt),
        st.text(alphabet=st.characters(blacklist_characters="\n\r"), max_size=120),
        st.binary(max_size=80).map(lambda b: b.replace(b"\n", b"").decode("latin-1")),
    )


def check(fmt: str, lines: list[str]) -> None:
    content = text(fmt, lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"x{WRITTEN[fmt][0]}"
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
        opts = options(provider="plus")
        parsed = FORMATS[fmt].parse(path, "x", opts)
        if parsed.kind == "clicks":
            rows, issues = clicks_format.normalise(parsed, opts, 0)
        else:
            norm = normalise(parsed, opts)
            rows, issues = norm.rows, norm.issues
        issues = issues + parsed.issues
    assert all(i.reason for i in issues)
    header = 1 if WRITTEN[fmt][1] else 0
    physical = content.split("\n")[:-1]
    if physical:  # a byte-order mark opening the file is its encoding's mark, not a line's content
        physical[0] = physical[0].removeprefix("\ufeff")
    wanted = {n for n, value in enumerate(physical, start=1) if n > header and value.strip()}
    seen = set(rows["_line"].to_pylist()) | {i.line for i in issues}
    if fmt in ("canonical", "clicks", "twilio") and '"' in content:
        # a stray quote may join several physical lines into one record (CSV: canonical, clicks, a Twilio
        # export): its first line stands for them all
        assert seen or not wanted
    else:
        assert wanted <= seen, (wanted - seen, issues)
    if parsed.kind == "clicks":
        assert pc.all(pc.is_valid(rows["clicked_at"])).as_py() in (True, None)
        return
    for row in rows.to_pylist():
        assert row["status"] in {s.value for s in Status}
        assert row["reason"] is None or row["reason"] in {r.value for r in Reason}
        assert row["source"] is None or row["source"] in {s.value for s in Source}
        assert row["msisdn"] is None or re.match(E164_RE, row["msisdn"])
        assert row["encoding"] in (None, "gsm7", "ucs2")
        assert row["segments"] is None or 0 <= row["segments"] <= 255
        assert row["message_id"]
        limit = opts.now_utc() + opts.future_slack
        assert all(
            row[c] is None or dt.datetime(2000, 1, 1, tzinfo=dt.UTC) <= row[c] <= limit
            for c in ("created_at", "sent_at", "done_at")
        )


def _property(fmt: str):
    @SETTINGS
    @given(st.lists(any_line(fmt), min_size=1, max_size=4))
    def test(lines):
        check(fmt, lines)

    test.__name__ = f"test_{fmt.replace('-', '_')}_lines_become_rows_or_quarantine"
    return test


test_canonical = _property("canonical")
test_smpp_dlr = _property("smpp-dlr")
test_twilio = _property("twilio")
test_infobip = _property("infobip")
test_smsapi = _property("smsapi")
test_vonage = _property("vonage")
test_clicks = _property("clicks")
