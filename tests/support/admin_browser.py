"""Driving the admin in a browser: the seed's display texts, logging in, inline rows and select2 pickers."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.support.roles import BROWSER_CURATOR, BROWSER_CURATOR_PASSWORD

ROSCOSMOS = "Roscosmos State Corporation for Space Activities (Roscosmos)"
CNSA = "China National Space Administration (CNSA)"
NASA = "National Aeronautics and Space Administration (NASA)"
NASA_QUERY = "NASA"
KOMAROV = "Igor Komarov"
WU = "Wu Yanhua"
SOURCE_SLUG = "parabolicarc-2018-03-07"
SOURCE = "Parabolic Arc: Russia, China Sign Lunar Cooperation Agreement (2018-03-07)"
ADD_URL = "/admin/cooperation/agreement/add/"


def log_in(page: Page, registry: str) -> None:
    page.goto(f"{registry}/admin/")
    page.fill("#id_username", BROWSER_CURATOR)
    page.fill("#id_password", BROWSER_CURATOR_PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_have_text("Space Cooperation Registry")
    expect(page.locator("#user-tools")).to_contain_text(BROWSER_CURATOR.upper(), ignore_case=True)


def add_row(page: Page, prefix: str) -> str:
    """Click "Add another ..." under inline ``prefix``; return the new row's CSS id selector."""
    index = int(page.input_value(f"#id_{prefix}-TOTAL_FORMS"))
    page.click(f"#{prefix}-group .add-row a")
    row = f"#{prefix}-{index}"
    page.wait_for_selector(f"{row} .select2-container", state="attached")
    return row


def pick(page: Page, field: str, query: str, option: str) -> None:
    """Choose ``option`` in the select2 autocomplete of ``field`` (a CSS scope), searching for ``query``."""
    page.click(f"{field} .select2-selection")
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(query)
    # Select2 shows "Searching…" while the request is in flight; wait for the real, matching result.
    # A locator, not an element handle: when the list is redrawn (the results of an earlier query
    # replaced by this one's) the click finds the option again instead of failing on a detached one.
    result = page.locator(
        f".select2-container--open .select2-results__option:not(.loading-results):text-is({json.dumps(option)})"
    )
    result.click()
    expect(page.locator(f"{field} .select2-selection__rendered")).to_have_text(re.compile(re.escape(option)))
