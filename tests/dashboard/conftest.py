"""Dashboard tests: a real registry (``helpdesk registry serve``) holding the plan-era
records synced from a kiosk, a staff account, and Debian's Chromium driven by Selenium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from dashboard_site import Site, build_site

from helpdesk.registry.fixtures import *  # noqa: F403
from helpdesk.testing.ci import unavailable


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One registry per test module, on SQLite."""
    base = tmp_path_factory.mktemp("dashboard")
    yield from build_site(base, f"sqlite:///{base / 'registry.db'}")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, through chromedriver (Selenium)."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        unavailable("chromium and chromium-driver are not installed (scripts/setup.sh installs them)")
    os.environ["SE_AVOID_STATS"] = "true"  # Selenium Manager would otherwise call home
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,2400",
                "--lang=vi", "--font-render-hinting=none"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        yield driver
    finally:
        driver.quit()
