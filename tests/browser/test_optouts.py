"""Opt-outs on the SMS page (issue 20), in Polish and in English, in headless Chromium: the period's KPI card, the
grid's column and a dispatch's details with the download of the numbers that opted out."""

from __future__ import annotations

import time

import pandas as pd

from data.queries import optouts as optout_queries
from data.queries import sms as sms_queries
from i18n import fmt_int, fmt_pct, t
from layouts.ids import Camp, Sms
from tests.browser.test_operators import open_details
from tests.browser.test_sms_page import ROWS, choose_all, click, sms_page_in_both_languages
from web.context import AppContext


def test_optout_card_column_and_details(dash_duo, browser_config, shot):
    ctx = AppContext.create(browser_config)
    period = ctx.period("all")
    total = optout_queries.period_optouts(ctx.db, period=period)
    assert total.optouts > 0, "the demo has opt-outs"
    records = sms_queries.dispatch_records(ctx.db, period=period)
    every = optout_queries.every_dispatch_optouts(ctx.db)
    names = pd.Series([r["name"] for r in records]).value_counts()
    record = max((r for r in records if names[r["name"]] == 1), key=lambda r: every.get(r["dispatch_id"], 0))
    mine = optout_queries.dispatch_optouts(ctx.db, dispatch_id=record["dispatch_id"])
    assert mine.optouts > 0

    for lang in sms_page_in_both_languages(dash_duo, browser_config, height=1100):
        choose_all(dash_duo)
        # the period's card: how many opted out, and the share of the delivered messages
        card = f"#{Sms.KPIS} [id*='optouts']"
        dash_duo.wait_for_contains_text(card, t(lang, "optout.rate", pct=fmt_pct(total.rate, lang, 2)), timeout=15)
        text = dash_duo.find_element(card).get_attribute("innerText")
        assert text.startswith(t(lang, "optout.title")) and fmt_int(total.optouts, lang) in text
        # the grid's column
        header = dash_duo.find_element(f"#{Sms.GRID} .ag-header-cell[col-id='optouts']").get_attribute("innerText")
        assert header.strip() == "STOP"  # the full name on hover
        if lang == "pl":
            shot("optouts-kpis-pl")
        if not dash_duo.find_element(f"#{Camp.FILTER_TEXT}").is_displayed():
            click(dash_duo, f"#{Camp.FILTER_TOGGLE}")
            time.sleep(0.5)  # the panel slides open
        open_details(dash_duo, record["name"], record["number"])
        dash_duo.wait_for_element(f"#{Sms.DETAILS_OPTOUTS}", timeout=15)
        time.sleep(0.5)  # the dialog fades in
        shown = {
            r.find_element("css selector", "[col-id='number']").text: r.find_element(
                "css selector", "[col-id='optouts']"
            ).get_attribute("innerText")
            for r in dash_duo.find_elements(ROWS)
        }
        assert shown[str(record["number"])].strip() == fmt_int(mine.optouts, lang)
        section = dash_duo.find_element(f"#{Sms.DETAILS_OPTOUTS}")
        text = " ".join(section.get_attribute("innerText").split())
        want = t(lang, "optout.cell", count=fmt_int(mine.optouts, lang), pct=fmt_pct(mine.rate, lang, 2))
        assert " ".join(want.split()) in text and t(lang, "optout.numbers") in text
        links = [a.get_attribute("href") for a in section.find_elements("css selector", "a")]
        assert any("/export/optouts.csv" in h and f"dispatch={record['number']}" in h for h in links)
        dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", section)
        time.sleep(0.5)
        shot(f"optouts-details-{lang}")
        click(dash_duo, f"#{Sms.DETAILS_CLOSE}")
        dash_duo.wait_for_no_elements(f"#{Sms.DETAILS_OPTOUTS}", timeout=10)
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
