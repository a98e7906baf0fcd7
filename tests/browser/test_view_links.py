"""A link is the view, in headless Chromium: a copied link opened in a fresh browser (no cookies, no session
storage) shows the same rows in the same order with the same rows open; back and forward step through views;
a saved view is in the menu; a hostile link shows the page with a notice."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from selenium import webdriver

from app import create_app
from i18n import t
from layouts.ids import Camp, Sms, Trx, View
from tests.browser.conftest import free_port
from tests.browser.test_sms_page import ROWS, click
from tests.browser.test_transactional_page import DETAILS, row_order, until

SMS_PRESET = f"label[for='_dbcprivate_radioitems_{Sms.PERIOD_PRESET}_input_3m']"
NAME_HEADER = f"#{Sms.GRID} .ag-header-cell[col-id='name'] .ag-header-cell-label"


def sms_rows(driver) -> list[str]:
    """The SMS grid's row ids in displayed order."""
    rows = driver.find_elements("css selector", ROWS)
    return [r.get_attribute("row-id") for r in sorted(rows, key=lambda r: int(r.get_attribute("row-index")))]


def query(driver) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def copied_link(dash_duo, button: str = View.COPY) -> str:
    """Clicks "copy link" (`button`) and returns what went to the clipboard."""
    driver = dash_duo.driver
    origin = dash_duo.server.url
    driver.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}
    )
    click(dash_duo, f"#{button}")
    dash_duo.wait_for_contains_text(f"#{button}", t("pl", "views.copied"), timeout=10)
    return driver.execute_async_script("navigator.clipboard.readText().then(arguments[0], () => arguments[0](''))")


def fresh_browser():
    """Returns a new headless Chromium: its own profile, no cookies, no session storage."""
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options)


def test_a_copied_link_opens_the_same_view_and_back_and_forward_step_through_views(dash_duo, browser_config, shot):
    app = create_app(browser_config)
    dash_duo.start_server(app, port=free_port())
    driver = dash_duo.driver
    driver.set_window_size(1400, 1000)
    driver.get(dash_duo.server.url + "/")
    dash_duo.wait_for_element(ROWS, timeout=20)
    until(lambda: "period" in query(driver), what="the page's first state in the address")
    first = driver.current_url

    # Three steps: a period, a sort, a dispatch's details; each one an entry of the history.
    click(dash_duo, SMS_PRESET)
    until(lambda: query(driver).get("period") == ["3m"], what="period=3m in the address")
    click(dash_duo, NAME_HEADER)
    until(lambda: query(driver).get("sort") == ["name"], what="sort=name in the address")
    sorted_rows = until(lambda: sms_rows(driver) if len(sms_rows(driver)) > 3 else None, what="rows")
    number = dash_duo.find_element(f"{ROWS}[row-index='0'] [col-id='number']").text
    click(dash_duo, f"#{Sms.GRID} .ag-pinned-right-cols-container .ag-row[row-index='0'] [col-id='details']")
    dash_duo.wait_for_contains_text(f"#{Sms.DETAILS_TITLE}", number, timeout=10)
    until(lambda: query(driver).get("dispatch") == [number], what="dispatch in the address")
    title = dash_duo.find_element(f"#{Sms.DETAILS_TITLE}").text
    shot("view-link-sms-before")

    link = copied_link(dash_duo, View.COPY_DIALOG)  # the dialog covers the page's button: it has its own
    assert link == driver.current_url and f"dispatch={number}" in link and "sort=name" in link, link

    other = fresh_browser()
    try:
        other.get(link)
        until(lambda: other.find_element("css selector", f"#{Sms.DETAILS_TITLE}").text == title, what="the dialog")
        assert until(lambda: sms_rows(other) == sorted_rows and sms_rows(other), what="the same rows in order")
        header = other.find_element("css selector", f"#{Sms.GRID} .ag-header-cell[col-id='name']")
        assert header.get_attribute("aria-sort") == "ascending"
        assert other.find_element("css selector", f"#{Sms.PERIOD_PRESET} input[value='3m']").is_selected()
        other.save_screenshot(str(shot("view-link-sms-fresh")))
        assert other.current_url == link  # the page read as the link asked and wrote it back unchanged
    finally:
        other.quit()

    # Back: the dialog closes, then the sort goes, then the period; forward brings them again.
    driver.back()
    until(lambda: "dispatch" not in query(driver), what="back: no dispatch")
    until(lambda: not driver.find_elements("css selector", ".modal.show"), what="back: dialog closed")
    driver.back()
    until(lambda: "sort" not in query(driver) and query(driver).get("period") == ["3m"], what="back: no sort")
    until(
        lambda: dash_duo.find_element(f"#{Sms.GRID} .ag-header-cell[col-id='sent_at']").get_attribute("aria-sort")
        == "descending",
        what="back: the default sort",
    )
    driver.back()
    until(lambda: driver.current_url == first, what="back: the first view")
    driver.forward()
    until(lambda: query(driver).get("period") == ["3m"] and "sort" not in query(driver), what="forward: period")
    until(  # drawn as the address says (the address changes at once, the page once its answer is back)
        lambda: dash_duo.find_element(f"#{Sms.GRID} .ag-header-cell[col-id='sent_at']").get_attribute("aria-sort")
        == "descending",
        what="forward: the default sort",
    )
    driver.forward()
    until(lambda: query(driver).get("sort") == ["name"], what="forward: sort")
    until(lambda: sms_rows(driver) == sorted_rows, what="forward: the rows sorted by name")
    driver.forward()
    dash_duo.wait_for_contains_text(f"#{Sms.DETAILS_TITLE}", number, timeout=10)
    shot("view-link-sms-forward")


def test_open_transactional_rows_travel_in_the_link(dash_duo, browser_config, shot):
    app = create_app(browser_config)
    dash_duo.start_server(app, port=free_port())
    driver = dash_duo.driver
    driver.set_window_size(1400, 1000)
    driver.get(dash_duo.server.url + "/transactional")
    rows = f"#{Trx.GRID} .ag-center-cols-container .ag-row"
    dash_duo.wait_for_element(rows, timeout=20)
    until(lambda: len(row_order(dash_duo)) > 2, what="campaign rows")
    click(dash_duo, f"#{Trx.GRID} .ag-header-cell[col-id='sent'] .ag-header-cell-label")
    until(lambda: query(driver).get("sort") == ["sent"], what="sort=sent in the address")
    for index in ("1", "0"):
        before = len(dash_duo.find_elements(DETAILS))
        click(dash_duo, f"{rows}[row-index='{index}'] .trx-toggle")
        until(lambda n=before: len(dash_duo.find_elements(DETAILS)) > n, what="a row opened")
    until(lambda: len(query(driver).get("open", [])) == 2, what="two open rows in the address")
    assert query(driver).get("sort") == ["sent"]
    opened = row_order(dash_duo)
    link = copied_link(dash_duo)
    shot("view-link-trx-before")

    other = fresh_browser()
    try:
        other.get(link)

        def order():
            found = other.find_elements("css selector", f"{rows}, {DETAILS}")
            return [r.get_attribute("row-id") for r in sorted(found, key=lambda r: int(r.get_attribute("row-index")))]

        assert until(lambda: order() == opened and order(), what="the same rows, the same ones open")
        other.execute_script("arguments[0].scrollIntoView();", other.find_element("css selector", f"#{Trx.GRID}"))
        other.save_screenshot(str(shot("view-link-trx-fresh")))
    finally:
        other.quit()
    driver.back()
    until(lambda: len(query(driver).get("open", [])) == 1, what="back: one open row")
    until(lambda: len(dash_duo.find_elements(DETAILS)) == 1, what="back: one detail row")


def test_a_hostile_link_shows_the_page_with_a_notice_and_a_view_is_saved(dash_duo, browser_config, shot):
    app = create_app(browser_config)
    dash_duo.start_server(app, port=free_port())
    driver = dash_duo.driver
    driver.set_window_size(1400, 1000)
    driver.get(dash_duo.server.url + "/?period=3m&sort=%3Cscript%3E&open=x&dispatch=99999999&q=%00")
    dash_duo.wait_for_element(ROWS, timeout=20)
    dash_duo.wait_for_contains_text(f"#{View.NOTICE}", "nie udało się odczytać", timeout=10)
    notice = dash_duo.find_element(f"#{View.NOTICE}").text
    assert all(name in notice for name in ("sort", "open", "q")), notice
    assert driver.find_element("css selector", f"#{Sms.PERIOD_PRESET} input[value='3m']").is_selected()
    dash_duo.wait_for_contains_text(f"#{Sms.DETAILS_BODY}", "99999999", timeout=10)  # no such dispatch: said so
    shot("view-link-hostile")
    until(lambda: "sort" not in query(driver) and "open" not in query(driver), what="the address cleaned")

    click(dash_duo, f"#{Sms.DETAILS_CLOSE}")
    click(dash_duo, f"#{View.SAVE_OPEN}")
    dash_duo.wait_for_element(f"#{View.NAME}").send_keys("Ostatni kwartał")
    click(dash_duo, f"#{View.SAVE}")
    dash_duo.wait_for_contains_text(f"#{View.MESSAGE}", "Ostatni kwartał", timeout=10)
    click(dash_duo, f"#{View.MENU} > button")
    item = until(
        lambda: [a for a in driver.find_elements("css selector", f"#{View.MENU} a.dropdown-item") if a.text][0],
        what="the saved view in the menu",
    )
    assert item.text.startswith("Ostatni kwartał") and "period=3m" in item.get_attribute("href")
    shot("view-saved-menu")
    time.sleep(0.2)


def test_open_campaigns_and_one_row_per_campaign_travel_in_the_link(dash_duo, browser_config, shot, tmp_path):
    from data.queries.dispatches import dispatch_catalog
    from data.store.campaigns import CampaignStore
    from data.store.sqlite import store_path
    from web.context import AppContext

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "lake").symlink_to(browser_config.lake_dir, target_is_directory=True)
    config = browser_config.with_(data_dir=data_dir)
    newest = dispatch_catalog(AppContext.create(config).db, tz=config.timezone).sort_values("sent_on").tail(3)
    cid = CampaignStore(store_path(data_dir)).group(list(newest["dispatch_id"]), name="Trzy ostatnie", who="test")
    dash_duo.start_server(create_app(config), port=free_port())
    driver = dash_duo.driver
    driver.set_window_size(1400, 1000)
    driver.get(dash_duo.server.url + "/")
    dash_duo.wait_for_element(f"{ROWS}[row-id='c{cid}']", timeout=20)
    click(dash_duo, f"{ROWS}[row-id='c{cid}'] [col-id='toggle']")
    until(lambda: query(driver).get("open") == [str(cid)], what="the open campaign in the address")
    click(dash_duo, f"#{Camp.PER_CAMPAIGN}")
    until(lambda: query(driver).get("per") == ["campaign"], what="per=campaign in the address")
    rows = until(lambda: sms_rows(driver) if len(sms_rows(driver)) > 3 else None, what="rows")
    link = driver.current_url

    other = fresh_browser()
    try:
        other.get(link)
        members = f"{ROWS}.member-row"
        until(lambda: len(other.find_elements("css selector", members)) == 3, what="the campaign open, its 3 rows")
        assert until(lambda: sms_rows(other) == rows and sms_rows(other), what="the same rows in order")
        assert other.find_element("css selector", f"#{Camp.PER_CAMPAIGN}").is_selected()
        other.execute_script("arguments[0].scrollIntoView();", other.find_element("css selector", f"#{Sms.GRID}"))
        other.save_screenshot(str(shot("view-link-campaign-fresh")))
    finally:
        other.quit()
