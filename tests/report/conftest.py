"""The report's browser tests: a page opened in a real headless Chromium, offline."""

from __future__ import annotations

import pytest


@pytest.fixture
def open_in_chromium(chromium_tab):
    """A function opening an HTML file in headless Chromium: it returns the page and the list
    its console errors, page errors and any request off the machine are written to."""

    def open_page(path):
        page, _, problems = chromium_tab(path.as_uri(), local="file:")
        return page, problems

    return open_page
