"""Takes the README's screenshots of a running app (python docs/make_screenshots.py [URL] [sms|search|transactional]).

Start the app first (`make run`); the PNGs are written to docs/ at 1280 px width.
Without a page name, both pages' screenshots are taken.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

DOCS = Path(__file__).resolve().parent


def driver() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--window-size=1280,1000",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options)


def save(browser: webdriver.Chrome, name: str, width: int = 1000, element=None) -> None:
    path = DOCS / f"{name}.png"
    if element is not None:
        element.screenshot(str(path))
    else:
        browser.save_screenshot(str(path))
    image = Image.open(path).convert("RGB")
    image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    image.quantize(colors=128).save(path, optimize=True)
    print(f"{path} ({path.stat().st_size // 1024} KB)")


def main(url: str, pages: tuple[str, ...] = ("sms", "search", "transactional")) -> None:
    browser = driver()
    wait = WebDriverWait(browser, 30)
    try:
        if "sms" in pages:
            sms(browser, wait, url)
        if "search" in pages:
            search(browser, wait, url)
        if "transactional" in pages:
            transactional(browser, wait, url)
    finally:
        browser.quit()


def number_to_show() -> str:
    """Returns the number of the newest message that was not delivered (a reason to explain), read from
    the data directory the app serves (SMSREPORTS_DATA_DIR), as a customer would say it: national, in
    groups of three."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    sys.path.insert(0, str(DOCS.parent))
    from config import Config
    from data.lake import Lake

    newest = Lake(Config.from_env().lake_dir).month_dirs()[-1]
    table = pq.read_table(newest, columns=["msisdn", "status", "created_at"])
    failed = table.filter(pc.is_in(table["status"], value_set=pc.cast(["undelivered", "expired"], "string")))
    top = failed.sort_by([("created_at", "descending")])["msisdn"][0].as_py()
    national = top.removeprefix("+48")
    return " ".join(national[i : i + 3] for i in range(0, len(national), 3))


def search(browser: webdriver.Chrome, wait: WebDriverWait, url: str) -> None:
    """Find one message: a number typed in the SMS page's search box, the dialog with its messages."""
    browser.get(url)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#sms-grid .ag-row")))
    box = browser.find_element(By.ID, "search-text")
    box.send_keys(number_to_show())
    box.send_keys(Keys.ENTER)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#search-results .search-message")))
    time.sleep(1.5)
    save(browser, "sms-search")
    browser.find_element(By.ID, "search-close").click()


def sms(browser: webdriver.Chrome, wait: WebDriverWait, url: str) -> None:
    """The SMS reports page over 3 months, then the details of its second dispatch."""
    browser.get(url)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#sms-grid .ag-row")))
    browser.find_element(By.CSS_SELECTOR, "label[for='_dbcprivate_radioitems_sms-period_input_3m']").click()
    time.sleep(3)
    save(browser, "sms-reports")
    cell = browser.find_element(
        By.CSS_SELECTOR, "#sms-grid .ag-pinned-right-cols-container .ag-row[row-index='1'] [col-id='details']"
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
    time.sleep(0.5)
    browser.execute_script("arguments[0].click();", cell)
    wait.until(EC.presence_of_element_located((By.ID, "sms-details-reasons")))
    time.sleep(1.5)
    save(browser, "sms-details")


def transactional(browser: webdriver.Chrome, wait: WebDriverWait, url: str) -> None:
    """The transactional page over 3 months, then its first campaign expanded in place."""
    browser.get(url.rstrip("/") + "/transactional")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#trx-grid .ag-row button.trx-toggle")))
    browser.find_element(By.CSS_SELECTOR, "label[for='_dbcprivate_radioitems_trx-period_input_3m']").click()
    time.sleep(3)
    save(browser, "transactional-reports")
    button = browser.find_element(By.CSS_SELECTOR, "#trx-grid .ag-row[row-index='0'] button.trx-toggle")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    time.sleep(0.5)
    button.click()
    wait.until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "#trx-grid .trx-detail .trx-ctr-chart .js-plotly-plot"))
    )
    browser.set_window_size(1280, 2000)  # the campaign table's card alone, with its expanded row
    card = browser.find_element(
        By.XPATH, "//*[@id='trx-grid']/ancestor::div[contains(concat(' ', @class, ' '), ' card ')][1]"
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", card)
    time.sleep(1.5)
    save(browser, "transactional-expanded", element=card)
    browser.set_window_size(1280, 1000)


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8050",
        tuple(sys.argv[2:]) or ("sms", "search", "transactional"),
    )
