"""The transactional exports: the campaign table as CSV and DOCX, a campaign's messages as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import docx
import duckdb
import pytest

from data.lake import Lake
from data.period import Period
from data.queries.transactional import Campaign
from reports.transactional import campaign_table, messages_csv, transactional_csv, transactional_docx
from tests.conftest import TZ, UNTIL

PERIOD = Period(dt.date(2026, 9, 1), UNTIL, TZ)


def read_csv(chunks, sep: str) -> list[list[str]]:
    data = b"".join(chunks)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=sep))


def independent_counts(lake: Lake, period: Period, source: str | None = None) -> dict[str | None, dict[str, int]]:
    """Per campaign label: delivered, clicked (messages with a human click) and clicked_raw, straight
    from the lake's messages and clicks files with a fresh DuckDB connection (no rollups, no app code)."""
    lo, hi = period.bounds_utc()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(
        """
        SELECT m.campaign_label,
               count(*) FILTER (WHERE m.status = 'delivered') AS delivered,
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM read_parquet($clicks) c
                                              WHERE c.message_id = m.message_id AND NOT c.is_bot)) AS clicked,
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM read_parquet($clicks) c WHERE c.message_id = m.message_id)) AS clicked_raw
        FROM read_parquet($messages) m
        WHERE m.source IN ('test', 'api') AND ($source IS NULL OR m.source = $source)
          AND m.created_at >= $lo AND m.created_at < $hi
        GROUP BY m.campaign_label
        """,
        {"messages": lake.messages_glob, "clicks": lake.clicks_glob, "source": source, "lo": lo, "hi": hi},
    ).fetchall()
    con.close()
    return {label: {"delivered": d, "clicked": c, "clicked_raw": r} for label, d, c, r in rows}


def pct(text: str) -> float | None:
    return None if text == "" else float(text.replace(",", "."))


@pytest.mark.parametrize("lang,sep,source", [("pl", ";", None), ("en", ",", "api"), ("en", ",", "test")])
def test_csv_clicked_and_ctr_equal_an_independent_query(ctx, demo_dir, lang, sep, source):
    rows = read_csv(transactional_csv(ctx.db, period=PERIOD, lang=lang, sep=sep, source=source), sep)
    head = rows[0]
    assert head[0] == ("Kampania" if lang == "pl" else "Campaign")
    col = {name: i for i, name in enumerate(head)}
    clicked_h, ctr_h = ("Kliknięte", "CTR") if lang == "pl" else ("Clicked", "CTR")
    raw_h = "Kliknięte (z botami)" if lang == "pl" else "Clicked (incl. bots)"
    want = independent_counts(Lake(demo_dir / "lake"), PERIOD, source)
    no_campaign = "(bez kampanii)" if lang == "pl" else "(no campaign)"
    got = {(None if r[0] == no_campaign else r[0]): r for r in rows[1:]}
    assert set(got) == set(want) and len(got) > 0
    for label, counts in want.items():
        row = got[label]
        assert int(row[col[clicked_h]]) == counts["clicked"], label
        assert int(row[col[raw_h]]) == counts["clicked_raw"], label
        assert int(row[col["Dostarczone" if lang == "pl" else "Delivered"]]) == counts["delivered"], label
        ctr = pct(row[col[ctr_h]])
        if counts["delivered"] == 0:
            assert ctr is None
        else:
            assert ctr == pytest.approx(100 * counts["clicked"] / counts["delivered"], abs=0.05), label
    if source == "test":
        assert all(c["clicked"] == 0 for c in want.values())  # nobody counts the staff's clicks on test sends


def test_csv_follows_the_name_filter(ctx):
    rows = read_csv(transactional_csv(ctx.db, period=PERIOD, lang="pl", sep=";", text="KOD"), ";")
    assert [r[0] for r in rows[1:]] == ["kod-2fa"]
    rows = read_csv(transactional_csv(ctx.db, period=PERIOD, lang="en", sep=",", text="no camp"), ",")
    assert [r[0] for r in rows[1:]] == ["(no campaign)"]


def test_docx_has_title_filters_kpis_chart_and_table(ctx):
    data = transactional_docx(
        ctx.db, period=PERIOD, lang="pl", generated_at=dt.datetime(2026, 11, 21, 9, 30), source="api"
    )
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Raport transakcyjny SMS" in text and "Kampanie" in text
    meta = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert meta["Źródło"] == "API" and meta["Strefa czasowa"] == TZ and meta["Okres"] == "01.09.2026 – 20.11.2026"
    kpis = document.tables[1]
    assert [c.text for c in kpis.rows[0].cells] == [
        "Wysłane",
        "Dostarczone",
        "Kliknięte",
        "Kliknięcia (łącznie)",
        "CTR (ludzie)",
        "CTR z botami",
    ]
    assert len(document.inline_shapes) == 1  # the daily chart
    table = document.tables[-1]
    frame = campaign_table(ctx.db, period=PERIOD, lang="pl", source="api")
    assert [c.text for c in table.rows[0].cells][0] == "Kampania"
    assert [r.cells[0].text for r in table.rows[1:]] == list(frame["campaign"])


def test_messages_csv_of_a_campaign(ctx, frames):
    label = "potwierdzenie-zamowienia"
    rows = read_csv(
        messages_csv(ctx.db, period=PERIOD, campaign=Campaign(label), lang="en", sep=",", batch_rows=25), ","
    )
    assert rows[0] == [
        "Created",
        "Phone number",
        "Source",
        "Status",
        "Reason",
        "Final status at",
        "Clicks (people)",
        "Clicks (all)",
        "First human click",
    ]
    m = frames["messages"]
    day = m["created_at"].dt.tz_convert(TZ).dt.date
    m = m[(m["campaign_label"] == label) & (day >= PERIOD.start) & (day <= PERIOD.end)]
    assert sorted(r[1] for r in rows[1:]) == sorted(m["msisdn"].str.lstrip("+"))
    assert {r[2] for r in rows[1:]} == {"API"} and "delivered" in {r[3] for r in rows[1:]}
    human = set(frames["clicks"].loc[~frames["clicks"]["is_bot"], "message_id"])
    assert sum(1 for r in rows[1:] if int(r[6]) > 0) == int(m["message_id"].isin(human).sum())
    assert all((r[8] != "") == (int(r[6]) > 0) for r in rows[1:])


def test_csv_has_each_campaigns_cost_per_currency_and_clicks_in_all(ctx, frames):
    from tests.expected import costs, counts, of_campaign, trx_in_period

    rows = read_csv(transactional_csv(ctx.db, period=PERIOD, lang="en", sep=","), ",")
    col = {name: i for i, name in enumerate(rows[0])}
    m = trx_in_period(frames, PERIOD)
    for r in rows[1:]:
        label = None if r[0] == "(no campaign)" else r[0]
        mine = of_campaign(m, label)
        want = costs(mine)
        cells = dict(reversed(c.split(" ")) for c in r[col["Cost"]].split("; ")) if r[col["Cost"]] else {}
        assert set(cells) == set(want["currencies"])
        for currency, w in want["currencies"].items():
            assert float(cells[currency]) == pytest.approx(w["cost"], abs=0.00005)
        assert int(r[col["Price unknown (messages)"]]) == want["unknown"]
        assert int(r[col["Clicks (total)"]]) == counts(mine)["clicks"]
