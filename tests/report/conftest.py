"""The report's browser tests: a page opened in a real headless Chromium, offline."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def open_in_chromium():
    """A function opening an HTML file in headless Chromium: it returns the page and the list
    its console errors, page errors and any request off the machine are written to."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; `make test` installs it")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])

        def open_page(path):
            problems: list[str] = []
            page = browser.new_page()
            page.on("console", lambda message: message.type == "error"
                    and problems.append(message.text))
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda request: request.url.startswith("file:")
                    or problems.append(f"the page fetched {request.url}"))
            page.goto(path.as_uri())
            return page, problems

        yield open_page
        browser.close()
