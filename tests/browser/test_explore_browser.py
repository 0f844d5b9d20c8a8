"""The /explore/ example page, in a real browser: search, open an agreement, see its timeline and graph."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_search_open_the_2021_memorandum_and_see_timeline_and_graph(page: Page, registry: str, screenshot):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{registry}/explore/")
    expect(page.locator("#timeline .timeline-event").first).to_be_visible()
    expect(page.locator("#graph .node-group").first).to_be_attached()
    screenshot("10-explore-loaded")

    page.fill("#search-input", "Rogozin")
    page.click("#search-form button[type=submit]")
    person = page.locator("#search-results li.person", has_text="Dmitry Rogozin")
    expect(person).to_have_count(1)
    expect(person.locator("mark").first).to_have_text("Rogozin", ignore_case=True)
    screenshot("11-explore-search")

    person.locator("button").click()
    memorandum = page.locator("#detail .agreement-link", has_text="2021 lunar station memorandum")
    expect(memorandum).to_have_count(1)
    memorandum.click()

    expect(page.locator("#agreement-title")).to_contain_text("Memorandum of Understanding")
    expect(page.locator("#detail")).to_contain_text("Dmitry Rogozin for Government of the Russian Federation")
    expect(page.locator("#timeline-scope")).to_contain_text("2021 lunar station memorandum")
    signed = page.locator("#timeline .timeline-event", has_text="2021-03-09")
    expect(signed.first).to_be_visible()
    expect(page.locator("#graph-scope")).to_contain_text("2021 lunar station memorandum")
    nodes = page.locator("#graph .node-group")
    expect(nodes.filter(has_text="Rogozin")).to_have_count(1)
    assert nodes.count() >= 5
    screenshot("12-explore-memorandum")

    outside = [url for url in requested if not url.startswith(registry)]
    assert outside == [], f"the page fetched from elsewhere: {outside}"
