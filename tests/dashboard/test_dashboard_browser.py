"""The dashboard in a real headless browser (Debian's Chromium through Selenium):
redirect to log-in without a session, a wrong password refused, the figures shown after
log-in (Kế hoạch 119's table reproduced by synced records), English, log-out.
Screenshots go to the test's temp folder; ``HELPDESK_UPDATE_DOCS=1`` writes them to docs/
(so a test run does not change tracked files)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dashboard_site import BEHIND, STAFF, Site
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait

DOCS = Path(__file__).parents[2] / "docs"


def _until_replaced(driver: WebDriver, element: WebElement) -> None:
    """Wait until the page holding ``element`` has gone. While Chrome swaps documents, a look
    at the old element may fail with an "unhandled inspector error" (no context with that id)
    instead of "stale element": that is asked again, not a failure."""
    WebDriverWait(driver, 20, ignored_exceptions=(WebDriverException,)).until(staleness_of(element))


def _log_in(driver: WebDriver, site: Site, password: str, name: str = STAFF[0]) -> None:
    driver.get(site.url + "/dashboard/login")
    driver.find_element(By.ID, "name").clear()
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    form = driver.find_element(By.TAG_NAME, "form")
    driver.find_element(By.ID, "submit").click()
    _until_replaced(driver, form)  # the answer page has replaced the form


def _plan_cells(driver: WebDriver) -> dict[str, list[str]]:
    rows = driver.find_elements(By.CSS_SELECTOR, "#plan-table tbody tr")
    return {r.get_attribute("data-metric") or "": [c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in rows}


def test_without_a_session_the_dashboard_redirects_to_log_in(site: Site, browser: Any) -> None:
    driver: WebDriver = browser
    driver.delete_all_cookies()
    driver.get(site.url + "/dashboard?year=2018")
    assert driver.current_url.startswith(site.url + "/dashboard/login")
    assert driver.find_element(By.TAG_NAME, "h2").text == "Đăng nhập"
    assert driver.find_elements(By.ID, "plan-table") == []


def test_a_wrong_password_is_refused(site: Site, browser: Any) -> None:
    driver: WebDriver = browser
    driver.delete_all_cookies()
    _log_in(driver, site, "sai-mat-khau")
    assert "/dashboard/login" in driver.current_url
    assert driver.find_element(By.ID, "error").text == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert driver.find_elements(By.ID, "plan-table") == []
    _log_in(driver, site, STAFF[1], name="khong-co-ai")  # an unknown account: the same answer
    assert driver.find_element(By.ID, "error").text == "Tên đăng nhập hoặc mật khẩu không đúng."
    driver.get(site.url + "/dashboard")
    assert "/dashboard/login" in driver.current_url


def test_the_dashboard_shows_plan_vs_actual_lagging_units_expiry_and_kiosks(site: Site, browser: Any,
                                                                           tmp_path: Path) -> None:
    driver: WebDriver = browser
    driver.delete_all_cookies()
    driver.set_window_size(1280, 2400)
    _log_in(driver, site, STAFF[1])
    assert driver.current_url.startswith(site.url + "/dashboard?")
    assert STAFF[2] in driver.find_element(By.TAG_NAME, "header").text
    cells = _plan_cells(driver)  # actual / plan per year, then the total: the plan's own table
    assert cells["cert.new.organisation"][1:] == ["134 / 134", "584 / 584", "0 / –", "0 / –", "718 / 718"]
    assert cells["cert.new.person"][-1] == "2.768 / 2.768"
    assert cells["cert.renew.organisation"][-1] == "243 / 243"
    assert cells["cert.renew.person"][-1] == "397 / 397"
    assert cells["training.classes"][1:] == ["14 / 14", "36 / 36", "44 / 44", "0 / –", "94 / 94"]
    assert cells["budget"][-1] == "723.360.000 / 723.360.000"
    assert len(driver.find_elements(By.CSS_SELECTOR, "#by-year svg.chart")) == 5

    driver.get(site.url + "/dashboard?year=2018")
    late = driver.find_elements(By.CSS_SELECTOR, "#lagging tr.late-unit")
    assert [r.get_attribute("data-unit") for r in late] == ["q-ninh-kieu"]
    assert "UBND quận Ninh Kiều" in late[0].text
    levels = driver.find_element(By.ID, "levels").text
    assert "quận, huyện" in levels and "xã, phường, thị trấn" in levels
    kiosks = {r.get_attribute("data-kiosk"): r.text for r in driver.find_elements(By.CSS_SELECTOR, "#kiosks tr[data-kiosk]")}
    assert "gap × 1" in kiosks["kiosk-an-binh-01"] and "chưa" in kiosks["kiosk-an-binh-01"]  # flagged, never sent
    assert "Bình thường" in kiosks["kiosk-ninh-kieu-01"] and "4.220" in kiosks["kiosk-ninh-kieu-01"]
    pending = {r.get_attribute("data-kiosk"): r.find_element(By.CSS_SELECTOR, "td.pending").text
               for r in driver.find_elements(By.CSS_SELECTOR, "#kiosks tr[data-kiosk]")}
    assert pending["kiosk-ninh-kieu-01"].split("\n")[0] == "0"  # everything sent, said at its last contact
    assert pending["kiosk-an-binh-01"] == "–"  # never reported
    assert pending[BEHIND].split("\n")[0] == "21" and "quá 3 ngày không báo" in pending[BEHIND]
    silent = driver.find_elements(By.CSS_SELECTOR, "#kiosks tr.silent")
    assert [r.get_attribute("data-kiosk") for r in silent] == [BEHIND]
    expiry = {r.get_attribute("data-unit"): r.text for r in driver.find_elements(By.CSS_SELECTOR, "#expiry tr[data-unit]")}
    assert set(expiry) == {"so-tu-phap", "q-ninh-kieu", "p-an-binh"}  # the plan-era certificates ran out in 2020-23
    shots = DOCS if os.environ.get("HELPDESK_UPDATE_DOCS") == "1" else tmp_path
    shots.mkdir(exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, int(height) + 160)
    driver.save_screenshot(str(shots / "dashboard.png"))
    driver.set_window_size(390, 1600)  # a phone: one column, nothing cut off sideways
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390
    driver.save_screenshot(str(shots / "dashboard-phone.png"))
    assert (shots / "dashboard.png").stat().st_size > 10_000
    driver.set_window_size(1280, 2400)


def test_english_and_log_out(site: Site, browser: Any) -> None:
    driver: WebDriver = browser
    driver.delete_all_cookies()
    _log_in(driver, site, STAFF[1])
    driver.get(site.url + "/dashboard?year=2018&lang=en")
    assert driver.find_element(By.CSS_SELECTOR, "#by-year h2").text == "Plan and actual per year"
    assert _plan_cells(driver)["cert.new.person"][0] == "New certificates — persons"
    assert "Pending" in driver.find_element(By.CSS_SELECTOR, "#kiosks thead").text
    assert "no report for over 3 days" in driver.find_element(By.CSS_SELECTOR, "#kiosks tr.silent").text
    button = driver.find_element(By.ID, "logout")
    button.click()
    _until_replaced(driver, button)
    assert "/dashboard/login" in driver.current_url
    driver.get(site.url + "/dashboard")
    assert "/dashboard/login" in driver.current_url  # the session is gone at the registry, not only the cookie
