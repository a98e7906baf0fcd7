"""Find one message on the SMS page, in headless Chromium: a number typed as a customer gives it, a
message id, bad input, in Polish and in English."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
from selenium.webdriver.common.keys import Keys

from app import create_app
from data.lake import Lake
from i18n import fmt_datetime_seconds
from layouts.ids import Search, Shell, Sms
from tests.browser.conftest import TZ, free_port
from tests.browser.test_sms_page import click, wait_rows

CARDS = f"#{Search.RESULTS} .search-message"


def lake_messages(config) -> pd.DataFrame:
    """The lake's messages read with pyarrow alone (no DuckDB, no app code)."""
    lake = Lake(config.lake_dir)
    files = sorted(lake.messages_dir.glob("month=*/*.parquet"))
    return pd.concat([pq.read_table(p).to_pandas() for p in files], ignore_index=True)


def search_for(dash_duo, text: str) -> None:
    """Types `text` into the search box and presses Enter, as a user would."""
    box = dash_duo.find_element(f"#{Search.TEXT}")
    box.send_keys(Keys.CONTROL, "a")  # what was typed before goes, as React sees it (clear() leaves its value)
    box.send_keys(Keys.BACKSPACE)
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def close(dash_duo) -> None:
    click(dash_duo, f"#{Search.CLOSE}")
    dash_duo.wait_for_no_elements(f"#{Search.MODAL} .modal-body #{Search.RESULTS}", timeout=10)


def test_find_one_message_in_both_languages(dash_duo, browser_config, shot):
    messages = lake_messages(browser_config)
    counts = messages["msisdn"].value_counts()
    number = counts.index[0]
    mine = messages[messages["msisdn"] == number].sort_values("created_at", ascending=False)
    dash_duo.start_server(create_app(browser_config), port=free_port())
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.wait_for_text_to_equal("h1", "Raporty SMS", timeout=15)
    wait_rows(dash_duo)
    assert dash_duo.find_element(f"#{Search.TEXT}").get_attribute("placeholder") == "Numer telefonu lub ID wiadomości"

    # A number as a customer says it (national, with spaces): every message to it, newest first.
    national = number.removeprefix("+48")
    search_for(dash_duo, f"{national[:3]} {national[3:6]} {national[6:]}")
    shot("search-box-pl")
    dash_duo.wait_for_text_to_equal(f"#{Search.TITLE}", f"Wyszukiwanie: {number}", timeout=15)
    dash_duo.wait_for_contains_text(f"#{Search.RESULTS}", f"Znalezione wiadomości: {len(mine)}", timeout=15)
    cards = dash_duo.find_elements(CARDS)
    assert [c.get_attribute("data-message") for c in cards] == list(mine["message_id"])
    newest = mine.iloc[0]
    first = cards[0].text
    created = newest["created_at"].tz_convert(TZ).tz_localize(None).to_pydatetime()
    assert fmt_datetime_seconds(created, "pl") in first and "Przyjęta do wysyłki" in first
    assert number in first and newest["message_id"] in first
    shot("search-number-pl")
    close(dash_duo)

    # The page still answers while and after searching: another period.
    dash_duo.find_element(f"label[for='_dbcprivate_radioitems_{Sms.PERIOD_PRESET}_input_3m']").click()
    wait_rows(dash_duo)

    # Bad input: a readable message, no results.
    search_for(dash_duo, "Jan Kowalski")
    dash_duo.wait_for_contains_text(f"#{Search.BODY}", "To nie jest ani numer telefonu, ani ID wiadomości", timeout=15)
    shot("search-bad-pl")
    click(dash_duo, f"#{Search.CLOSE}")

    # In English: a message id, with a click a bot made marked as such.
    click(dash_duo, f"#{Shell.LANG_EN}")
    dash_duo.wait_for_text_to_equal("h1", "SMS reports", timeout=10)
    clicks = pd.concat(
        [
            pq.read_table(p).to_pandas()
            for p in sorted(Lake(browser_config.lake_dir).clicks_dir.glob("month=*/*.parquet"))
        ]
    )
    bot = clicks.loc[clicks["is_bot"], "message_id"].iloc[0]
    search_for(dash_duo, bot)
    dash_duo.wait_for_text_to_equal(f"#{Search.TITLE}", f"Search: {bot}", timeout=15)
    dash_duo.wait_for_contains_text(f"#{Search.RESULTS}", "Messages found: 1", timeout=15)
    card = dash_duo.find_element(CARDS)
    assert card.get_attribute("data-message") == bot
    assert dash_duo.find_elements(f"{CARDS} .search-bot") and "Accepted for sending" in card.text
    shot("search-id-en")
    close(dash_duo)

    # Nothing typed: what to type.
    search_for(dash_duo, "")
    dash_duo.wait_for_contains_text(f"#{Search.BODY}", "Type a phone number", timeout=15)
    click(dash_duo, f"#{Search.CLOSE}")
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
