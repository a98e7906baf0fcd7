"""Takes the README's screenshots of a running app (python docs/make_screenshots.py [URL]).

Start the app first (`make run`); the PNGs are written to docs/ at 1280 px width.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

DOCS = Path(__file__).resolve().parent


def driver() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--window-size=1280,1000"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options)


def save(browser: webdriver.Chrome, name: str, width: int = 1000) -> None:
    path = DOCS / f"{name}.png"
    browser.save_screenshot(str(path))
    image = Image.open(path).convert("RGB")
    image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    image.quantize(colors=128).save(path, optimize=True)
    print(f"{path} ({path.stat().st_size // 1024} KB)")


def main(url: str) -> None:
    browser = driver()
    wait = WebDriverWait(browser, 30)
    try:
        browser.get(url)
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#sms-grid .ag-row")))
        browser.find_element(By.CSS_SELECTOR, "label[for='_dbcprivate_radioitems_sms-period_input_3m']").click()
        time.sleep(3)
        save(browser, "sms-reports")
        cell = browser.find_element(By.CSS_SELECTOR, "#sms-grid .ag-pinned-right-cols-container .ag-row[row-index='1'] [col-id='details']")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
        time.sleep(0.5)
        browser.execute_script("arguments[0].click();", cell)
        wait.until(EC.presence_of_element_located((By.ID, "sms-details-reasons")))
        time.sleep(1.5)
        save(browser, "sms-details")
    finally:
        browser.quit()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8050")
