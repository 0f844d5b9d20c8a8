"""A curator works in the admin in Chinese, through a real browser against a live server.

She switches the language with the header's switcher on the login page, logs in, and adds an
agreement with two parties, two signatories and a citation, finding the organizations and
people through the autocomplete widgets by their Chinese names. A signatory for a body that
is not a party is refused with the error in Chinese first. The language is remembered (the
language cookie) across pages. Screenshots go to artifacts/screenshots/zh-*.png.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from cooperation.models import Agreement
from tests.support.admin_browser import ADD_URL, CNSA, KOMAROV, NASA, ROSCOSMOS, SOURCE, SOURCE_SLUG, WU, pick
from tests.support.roles import BROWSER_CURATOR, BROWSER_CURATOR_PASSWORD

pytestmark = pytest.mark.browser

SITE_HEADER = "航天合作登记库"


def add_row(page: Page, prefix: str) -> str:
    """Click the "添加另一个 ..." link under inline ``prefix``; return the new row's CSS id selector."""
    index = int(page.input_value(f"#id_{prefix}-TOTAL_FORMS"))
    link = page.locator(f"#{prefix}-group .add-row a")
    expect(link).to_contain_text("添加另一个")
    link.click()
    row = f"#{prefix}-{index}"
    page.wait_for_selector(f"{row} .select2-container", state="attached")
    return row


def switch_language(page: Page, code: str) -> None:
    with page.expect_navigation():
        page.select_option("#language-switcher-select", code)


def test_curator_adds_an_agreement_in_chinese(page: Page, registry: str, screenshot):
    slug = "browser-zh-lunar-memorandum-2024"
    title = "关于月球科研站数据共享的谅解备忘录"

    # 1. The login page is in English until the curator picks 简体中文 in the header.
    page.goto(f"{registry}/admin/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch_language(page, "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#site-name")).to_have_text(SITE_HEADER)
    expect(page.locator("#language-switcher-select")).to_have_value("zh-hans")
    cookie = next(c for c in page.context.cookies() if c["name"] == "django_language")
    assert cookie["value"] == "zh-hans"
    assert cookie["expires"] > time.time() + 300 * 24 * 3600  # kept for a year, not just this session
    page.fill("#id_username", BROWSER_CURATOR)
    page.fill("#id_password", BROWSER_CURATOR_PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    expect(page.locator("#content h1")).to_have_text("维护登记库")
    expect(page.locator("#content")).to_contain_text("航天合作")  # the app's name
    expect(page.locator("#content")).to_contain_text("协议")
    screenshot("zh-01-index")

    # 2. The add form: every label in Chinese; organizations and people found by their Chinese names.
    page.goto(f"{registry}{ADD_URL}")
    expect(page.locator("#content h1")).to_contain_text("协议")
    expect(page.locator("label[for=id_title]")).to_contain_text("标题")
    expect(page.locator("label[for=id_signed_on]")).to_contain_text("签署日期")
    expect(page.locator("#party_links-group h2")).to_contain_text("协议缔约方")
    expect(page.locator("#signatories-group h2")).to_contain_text("签署人")
    expect(page.locator("#citations-group h2")).to_contain_text("引证")
    page.fill("#id_title", title)
    page.fill("#id_slug", slug)
    expect(page.locator("#id_kind option:checked")).to_have_text("---------")
    page.select_option("#id_kind", label="谅解备忘录")
    page.select_option("#id_status", label="已签署")
    expect(page.locator("#id_signed_on")).to_have_attribute("placeholder", "年-月-日")
    page.fill("#id_signed_on", "2024-05")

    for query, organization in (("俄罗斯国家航天集团", ROSCOSMOS), ("国家航天局", CNSA)):
        row = add_row(page, "party_links")
        pick(page, f"{row} .field-organization", query, organization)
        expect(page.locator(f"{row} .field-role select option:checked")).to_have_text("缔约方")
    komarov = add_row(page, "signatories")
    pick(page, f"{komarov} .field-person", "科马罗夫", KOMAROV)
    pick(page, f"{komarov} .field-on_behalf_of", "俄罗斯国家航天集团", ROSCOSMOS)
    page.fill(f"{komarov} .field-title input", "俄罗斯国家航天集团总经理")
    wu = add_row(page, "signatories")
    pick(page, f"{wu} .field-person", "吴艳华", WU)
    pick(page, f"{wu} .field-on_behalf_of", "美国国家航空航天局", NASA)  # not a party: refused below
    citation = add_row(page, "citations")
    pick(page, f"{citation} .field-source", SOURCE_SLUG, SOURCE)
    page.fill(f"{citation} .field-locator input", "第 2 段")
    screenshot("zh-02-agreement-filled")
    with page.expect_navigation():
        page.click("input[name=_save]")

    # 3. The signatory for NASA is refused, in Chinese, and nothing is saved.
    expect(page.locator("p.errornote")).to_contain_text("请更正以下错误")
    error = page.locator(f"{wu} .field-on_behalf_of .errorlist")
    expect(error).to_have_text(f"{NASA}不是本协议的缔约方，也不隶属于任何缔约方。请先将其添加为缔约方。")
    screenshot("zh-03-signatory-not-a-party")
    assert not Agreement.objects.filter(slug=slug).exists()

    # 4. The curator corrects it (Wu Yanhua signs for CNSA) and saves.
    pick(page, f"{wu} .field-on_behalf_of", "国家航天局", CNSA)
    with page.expect_navigation():
        page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("成功添加了")
    expect(page).to_have_url(re.compile(r"/admin/cooperation/agreement/(\?.*)?$"))
    expect(page.locator("#content h1")).to_contain_text("协议")
    listed = page.locator("#result_list tbody tr", has_text=title)
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("谅解备忘录")
    expect(listed).to_contain_text("2024-05")
    expect(listed).to_contain_text("Roscosmos")
    expect(listed).to_contain_text("CNSA")
    expect(page.locator("#result_list thead")).to_contain_text("签署日期")
    screenshot("zh-04-changelist")

    agreement = Agreement.objects.get(slug=slug)
    assert (agreement.kind, agreement.status, str(agreement.get_partial_date("signed_on"))) == (
        "memorandum",
        "signed",
        "2024-05",
    )
    assert set(agreement.party_links.values_list("organization__slug", "role")) == {
        ("roscosmos", "party"),
        ("cnsa", "party"),
    }
    assert set(agreement.signatories.values_list("person__slug", "on_behalf_of__slug", "title")) == {
        ("igor-komarov", "roscosmos", "俄罗斯国家航天集团总经理"),
        ("wu-yanhua", "cnsa", ""),
    }
    assert list(agreement.citations.values_list("source__slug", "locator")) == [(SOURCE_SLUG, "第 2 段")]

    # 5. The choice holds on every page until changed: the record, then back to English.
    listed.locator("th a, td a").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#id_title")).to_have_value(title)
    switch_language(page, "en")
    expect(page.locator("#site-name")).to_have_text("Space Cooperation Registry")
    expect(page.locator("label[for=id_title]")).to_contain_text("Title")
