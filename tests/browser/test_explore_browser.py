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


def test_the_explore_page_in_russian_asks_the_api_in_russian(page: Page, registry: str, screenshot):
    api_calls: list[str] = []
    page.on("request", lambda request: api_calls.append(request.url) if "/api/v1/" in request.url else None)

    page.goto(f"{registry}/explore/?lang=ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("#timeline-title")).to_contain_text("Хронология")
    expect(page.locator("#language-switch a[aria-current]")).to_have_text("Русский")
    expect(page.locator("#timeline .timeline-event", has_text="подписывают документ").first).to_be_visible()
    expect(page.locator("#graph .node-group", has_text="Роскосмос").first).to_be_attached()
    expect(
        page.locator("#graph-organization option", has_text="Национальное космическое управление Китая")
    ).to_have_count(1)
    screenshot("20-explore-ru-loaded")

    page.fill("#search-input", "Рогозин")
    page.click("#search-form button[type=submit]")
    person = page.locator("#search-results li.person", has_text="Дмитрий Олегович Рогозин")
    expect(person).to_have_count(1)
    expect(person.locator(".type")).to_have_text("персона")
    screenshot("21-explore-ru-search")

    person.locator("button").click()
    expect(page.locator("#detail")).to_contain_text("Подписанные документы:")
    page.locator("#detail .agreement-link", has_text="2021").first.click()
    expect(page.locator("#agreement-signatories")).to_contain_text(
        "Дмитрий Олегович Рогозин (от имени: Правительство Российской Федерации)"
    )
    expect(page.locator("#detail")).to_contain_text("меморандум о взаимопонимании")
    expect(page.locator("#timeline-scope")).not_to_be_empty()
    expect(page.locator("#graph .node-group", has_text="Дмитрий Олегович Рогозин")).to_have_count(1)
    screenshot("22-explore-ru-memorandum")

    assert api_calls, "the page asked the API nothing"
    english = [url for url in api_calls if "lang=ru" not in url]
    assert english == [], f"asked the API without lang=ru: {english}"

    page.click("#language-switch a[hreflang=zh-Hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("#timeline-title")).to_contain_text("时间线")
    expect(page.locator("#graph-organization option", has_text="国家航天局")).to_have_count(1)
    expect(page.locator("#timeline .timeline-event", has_text="签署《").first).to_be_visible()
    expect(page.locator("#graph .node-group", has_text="俄罗斯国家航天集团").first).to_be_attached()
    page.wait_for_timeout(1500)  # let the force layout settle for the screenshot
    screenshot("23-explore-zh-loaded")
