"""A curator works in the admin through a real browser (headless Chromium) against a live server.

Covers what the Django test client cannot: the select2 autocomplete widgets, the "Add another"
inline rows (JavaScript), the partial-date text boxes as typed, and the pages a curator sees.
Screenshots of every step go to artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cooperation.models import Agreement, AgreementParty, Citation, Signatory
from tests.support.admin_browser import (
    ADD_URL,
    CNSA,
    KOMAROV,
    NASA,
    NASA_QUERY,
    ROSCOSMOS,
    SOURCE,
    SOURCE_SLUG,
    WU,
    add_row,
    log_in,
    pick,
)

pytestmark = pytest.mark.browser


def fill_agreement(page: Page, *, title: str, slug: str, signed_on: str) -> None:
    page.fill("#id_title", title)
    page.fill("#id_slug", slug)
    page.select_option("#id_kind", "memorandum")
    page.select_option("#id_status", "signed")
    page.fill("#id_signed_on", signed_on)


def add_party(page: Page, query: str, organization: str) -> None:
    row = add_row(page, "party_links")
    pick(page, f"{row} .field-organization", query, organization)
    expect(page.locator(f"{row} .field-role select")).to_have_value("party")


def add_signatory(page: Page, person_query: str, person: str, org_query: str, organization: str) -> None:
    row = add_row(page, "signatories")
    pick(page, f"{row} .field-person", person_query, person)
    pick(page, f"{row} .field-on_behalf_of", org_query, organization)
    page.fill(f"{row} .field-title input", "Head of agency")


def add_citation(page: Page, locator: str) -> None:
    row = add_row(page, "citations")
    pick(page, f"{row} .field-source", SOURCE_SLUG, SOURCE)
    page.fill(f"{row} .field-locator input", locator)


def save(page: Page, button: str = "_save") -> None:
    with page.expect_navigation():
        page.click(f"input[name={button}]")


# --- the curator's workflow ----------------------------------------------------------------------


def test_curator_adds_lists_edits_and_publishes_an_agreement(page: Page, registry: str, screenshot):
    slug = "browser-lunar-memorandum-2024"
    title = "Browser Lunar Memorandum"
    new_title = "Browser Lunar Memorandum (amended)"

    # 1. Log in.
    log_in(page, registry)
    screenshot("01-logged-in")

    # 2. Add an agreement (partial signed date) with two parties, two signatories and a citation,
    #    all picked through the autocomplete widgets, in one save.
    page.goto(f"{registry}{ADD_URL}")
    fill_agreement(page, title=title, slug=slug, signed_on="2024-05")
    add_party(page, "Roscosmos", ROSCOSMOS)
    add_party(page, "CNSA", CNSA)
    add_signatory(page, "Komarov", KOMAROV, "Roscosmos", ROSCOSMOS)
    add_signatory(page, "Wu Yan", WU, "CNSA", CNSA)
    add_citation(page, "para 2")
    screenshot("02-agreement-filled")
    save(page)

    # 3. It is listed in the changelist the save led to.
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    expect(page).to_have_url(re.compile(r"/admin/cooperation/agreement/(\?.*)?$"))
    listed = page.locator("#result_list tbody tr", has_text=title)
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("2024-05")
    expect(listed).to_contain_text("Roscosmos")
    expect(listed).to_contain_text("CNSA")
    screenshot("03-changelist")

    agreement = Agreement.objects.get(slug=slug)
    assert str(agreement.get_partial_date("signed_on")) == "2024-05"
    assert set(agreement.party_links.values_list("organization__slug", "role")) == {
        ("roscosmos", "party"),
        ("cnsa", "party"),
    }
    assert set(agreement.signatories.values_list("person__slug", "on_behalf_of__slug")) == {
        ("igor-komarov", "roscosmos"),
        ("wu-yanhua", "cnsa"),
    }

    # 4. Edit it (title and signed date), then find the edit on its History page.
    listed.locator("th a, td a").first.click()
    expect(page.locator("#id_title")).to_have_value(title)
    expect(page.locator("#id_signed_on")).to_have_value("2024-05")
    page.fill("#id_title", new_title)
    page.fill("#id_signed_on", "2024-05-21")
    save(page, "_continue")
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    expect(page.locator("#id_title")).to_have_value(new_title)
    expect(page.locator("#id_signed_on")).to_have_value("2024-05-21")
    screenshot("04a-agreement-edited")
    agreement.refresh_from_db()
    assert agreement.title == new_title
    assert str(agreement.get_partial_date("signed_on")) == "2024-05-21"
    assert list(agreement.citations.values_list("source__slug", "locator")) == [(SOURCE_SLUG, "para 2")]
    page.click("a.historylink")
    expect(page).to_have_url(re.compile(rf"/admin/cooperation/agreement/{agreement.pk}/history/$"))
    # Both Django's own history and django-simple-history's render a table#change-history, one row
    # per change: Django's reads "Changed Title and Signed on.", simple-history's "title: old → new".
    # Either way a row names the edited field or shows its new value.
    rows = page.locator("#change-history tbody tr")
    expect(rows.filter(has_text=re.compile(rf"\btitle\b|{re.escape(new_title)}", re.IGNORECASE))).not_to_have_count(0)
    assert rows.count() >= 2  # added, then changed
    screenshot("04b-history")

    # 5. The public API returns it, with both parties and both signatories.
    response = page.goto(f"{registry}/api/v1/agreements/{slug}/")
    assert response is not None and response.status == 200
    data = response.json()
    screenshot("05-api-detail")
    assert data["slug"] == slug
    assert data["title"] == new_title
    assert {p["organization"]["slug"] for p in data["parties"]} == {"roscosmos", "cnsa"}
    assert {p["role"] for p in data["parties"]} == {"party"}
    assert {(s["person"]["slug"], s["on_behalf_of"]["slug"]) for s in data["signatories"]} == {
        ("igor-komarov", "roscosmos"),
        ("wu-yanhua", "cnsa"),
    }


# --- bad input -----------------------------------------------------------------------------------


def test_an_invalid_partial_date_is_shown_on_its_field_and_nothing_is_saved(page: Page, registry: str, screenshot):
    agreements = Agreement.objects.count()
    log_in(page, registry)
    page.goto(f"{registry}{ADD_URL}")
    fill_agreement(page, title="Browser Bad Date", slug="browser-bad-date", signed_on="2018-13")
    add_party(page, "Roscosmos", ROSCOSMOS)
    save(page)

    expect(page).to_have_url(re.compile(re.escape(ADD_URL) + "$"))
    expect(page.locator("p.errornote")).to_be_visible()
    error = page.locator(".field-signed_on .errorlist")
    expect(error).to_contain_text("“2018-13” is not a date")
    expect(page.locator("#id_signed_on")).to_have_value("2018-13")
    expect(page.locator(".errorlist")).to_have_count(1)  # on that field only
    screenshot("06-invalid-partial-date")

    assert not Agreement.objects.filter(slug="browser-bad-date").exists()
    assert Agreement.objects.count() == agreements


def test_a_signatory_for_a_non_party_is_rejected_and_nothing_is_saved(page: Page, registry: str, screenshot):
    counts = (Agreement.objects.count(), AgreementParty.objects.count(), Signatory.objects.count())
    citations = Citation.objects.count()
    log_in(page, registry)
    page.goto(f"{registry}{ADD_URL}")
    fill_agreement(page, title="Browser Non-Party Signatory", slug="browser-non-party", signed_on="2024-05")
    add_party(page, "Roscosmos", ROSCOSMOS)
    add_party(page, "CNSA", CNSA)
    add_signatory(page, "Komarov", KOMAROV, "Roscosmos", ROSCOSMOS)
    add_signatory(page, "Wu Yan", WU, NASA_QUERY, NASA)
    save(page)

    expect(page).to_have_url(re.compile(re.escape(ADD_URL) + "$"))
    expect(page.locator("p.errornote")).to_be_visible()
    expect(page.locator("#signatories-1 .field-on_behalf_of .errorlist")).to_have_text(
        f"{NASA} is not a party to this agreement, nor part of one. Add it as a party first."
    )
    expect(page.locator("#signatories-0 .errorlist")).to_have_count(0)  # Komarov acts for a party
    screenshot("07-signatory-not-a-party")

    assert not Agreement.objects.filter(slug="browser-non-party").exists()
    assert (Agreement.objects.count(), AgreementParty.objects.count(), Signatory.objects.count()) == counts
    assert Citation.objects.count() == citations
