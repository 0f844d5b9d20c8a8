"""Write rules of particular resources, beyond the generic suite (tests/api/test_resources.py).

Signatories act for a party, partial dates, enum values, related records by slug or id,
protected deletes, and the search text writes keep true. A refused write writes nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest

from api.resources import RESOURCES
from cooperation import models as m
from cooperation.partial_dates import PartialDate
from tests.support.error_shape import assert_error
from tests.support.records import all_rows, rows
from tests.support.resource_case import API, HOST, detail_path
from tests.support.write_bodies import CREATE, materialize

ILRS = "russia-china-ilrs-mou-2021"
BY_PREFIX = {resource.prefix: model for model, resource in RESOURCES.items()}


class TestSignatoryMustActForAParty:
    @pytest.mark.parametrize(
        "organization",
        [
            pytest.param("nasa", id="not-a-party"),
            pytest.param("kremlin", id="authorizing-body-only"),
            pytest.param("spacex", id="unrelated-company"),
        ],
    )
    def test_create_on_behalf_of_a_non_party(self, curator, seeded, organization):
        before = rows(m.Signatory)
        data = {"agreement": ILRS, "person": "igor-komarov", "on_behalf_of": organization}
        body = assert_error(curator.post(f"{API}/signatories/", data, format="json"), 400, "invalid")
        assert [e["field"] for e in body["errors"]] == ["on_behalf_of"]
        assert rows(m.Signatory) == before

    @pytest.mark.parametrize("organization", ["government-of-russia", "roscosmos", "rsc-energia"])
    def test_create_on_behalf_of_a_party_or_part_of_one(self, curator, seeded, organization):
        # roscosmos is part of the Russian government (a party); RSC Energia is part of roscosmos.
        data = {"agreement": ILRS, "person": "igor-komarov", "on_behalf_of": organization}
        response = curator.post(f"{API}/signatories/", data, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["on_behalf_of"]["slug"] == organization
        assert m.Signatory.objects.get(pk=response.json()["id"]).on_behalf_of.slug == organization

    def test_patch_on_behalf_of_to_a_non_party(self, curator, seeded):
        obj = m.Signatory.objects.get(agreement__slug=ILRS, person__slug="zhang-kejian")
        before = rows(m.Signatory)
        response = curator.patch(f"{API}/signatories/{obj.pk}/", {"on_behalf_of": "nasa"}, format="json")
        assert_error(response, 400, "invalid", ["on_behalf_of"])
        assert rows(m.Signatory) == before

    def test_patch_agreement_to_one_the_organization_is_not_party_to(self, curator, seeded):
        obj = m.Signatory.objects.get(agreement__slug=ILRS, person__slug="zhang-kejian")  # for government-of-china
        before = rows(m.Signatory)
        response = curator.patch(f"{API}/signatories/{obj.pk}/", {"agreement": "artemis-accords"}, format="json")
        assert_error(response, 400, "invalid", ["on_behalf_of"])
        assert rows(m.Signatory) == before

    @pytest.mark.parametrize(
        ("method", "data"),
        [
            pytest.param("patch", {"role": "authorizing_body"}, id="demote-to-authorizing-body"),
            pytest.param("patch", {"organization": "nasa"}, id="repoint-to-another-organization"),
            pytest.param("delete", None, id="delete"),
        ],
    )
    def test_party_a_signatory_acts_for_cannot_be_taken_away(self, curator, seeded, method, data):
        party = m.AgreementParty.objects.get(agreement__slug=ILRS, organization__slug="government-of-china")
        signatory = m.Signatory.objects.get(agreement__slug=ILRS, on_behalf_of__slug="government-of-china")
        before = rows(m.AgreementParty)
        kwargs = {"data": data, "format": "json"} if data is not None else {}
        response = getattr(curator, method)(f"{API}/parties/{party.pk}/", **kwargs)
        assert response.status_code in (400, 409), (response.status_code, response.content)
        assert rows(m.AgreementParty) == before
        signatory.full_clean()  # still acts for a party


class TestPartialDateWrites:
    URL = f"{API}/agreements/russia-china-lunar-deep-space-mou-2018/"

    @pytest.mark.parametrize(
        "value",
        ["2018-13", "2018-02-30", "2018-00", "2018-3-3", "03/03/2018", "18", "", "2018-03-03T10:00", 2018, ["2018"]],
    )
    def test_invalid_partial_date_is_rejected(self, curator, seeded, value):
        before = rows(m.Agreement)
        body = assert_error(curator.patch(self.URL, {"signed_on": value}, format="json"), 400, "invalid")
        assert [e["field"] for e in body["errors"]] == ["signed_on"]
        data = {**CREATE["agreements"], "signed_on": value}
        assert_error(curator.post(f"{API}/agreements/", data, format="json"), 400, "invalid", ["signed_on"])
        assert rows(m.Agreement) == before

    @pytest.mark.parametrize(
        ("value", "precision", "start", "end"),
        [
            ("2018-03-03", "day", "2018-03-03", "2018-03-03"),
            ("2017-11", "month", "2017-11-01", "2017-11-30"),
            ("2016-02", "month", "2016-02-01", "2016-02-29"),
            ("2022", "year", "2022-01-01", "2022-12-31"),
        ],
    )
    def test_precision_and_range_are_read_back(self, curator, seeded, value, precision, start, end):
        response = curator.patch(self.URL, {"valid_from": value}, format="json")
        assert response.status_code == 200, response.content
        expected = {"value": value, "precision": precision, "start": start, "end": end}
        assert response.json()["valid_from"] == expected
        obj = m.Agreement.objects.get(slug="russia-china-lunar-deep-space-mou-2018")
        assert (obj.valid_from, obj.valid_from_precision, obj.valid_from_end) == (
            dt.date.fromisoformat(start),
            precision,
            dt.date.fromisoformat(end),
        )

    def test_null_clears_a_partial_date(self, curator, seeded):
        response = curator.patch(self.URL, {"signed_on": None}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["signed_on"] is None
        obj = m.Agreement.objects.get(slug="russia-china-lunar-deep-space-mou-2018")
        assert (obj.signed_on, obj.signed_on_precision, obj.signed_on_end) == (None, "", None)

    def test_a_date_range_cannot_be_reversed(self, curator, seeded):
        before = rows(m.Agreement)
        # Signed in 2018-06: entering into force in 2017 is before signing.
        response = curator.patch(self.URL, {"entered_into_force_on": "2017"}, format="json")
        assert_error(response, 400, "invalid", ["entered_into_force_on"])
        assert rows(m.Agreement) == before


class TestEnumWrites:
    @pytest.mark.parametrize(
        ("prefix", "field", "value"),
        [
            ("agreements", "kind", "Memorandum"),
            ("agreements", "kind", "MEMORANDUM"),
            ("agreements", "kind", "treaty"),
            ("agreements", "kind", "memorandum of understanding"),  # the label, not the value
            ("agreements", "status", "Signed"),
            ("agreements", "signing_mode", "zoom"),
            ("parties", "role", "Party"),
            ("missions", "target", "Moon"),
            ("milestones", "status", "Achieved"),
            ("sources", "tier", "first-party"),
            ("labels", "language", "EN"),
            ("labels", "language", "fr"),
            ("citations", "subject_type", "Agreement"),
            ("organizations", "countries", ["ru"]),
        ],
    )
    def test_unknown_or_miscased_choice_is_rejected(self, curator, seeded, prefix, field, value):
        model = BY_PREFIX[prefix]
        before = all_rows()
        data = {**materialize(CREATE[prefix]), field: value}
        body = assert_error(curator.post(f"{API}/{prefix}/", data, format="json"), 400, "invalid")
        assert {e["field"] for e in body["errors"]} in ({field}, {f"{field}.0"}), body
        url = detail_path(model.objects.order_by("pk").first())
        body = assert_error(curator.patch(url, {field: value}, format="json"), 400, "invalid")
        assert {e["field"] for e in body["errors"]} in ({field}, {f"{field}.0"}), body
        assert all_rows() == before


class TestRelatedBySlugOrId:
    def test_create_with_slug_and_with_id(self, curator, seeded):
        komarov = m.Person.objects.get(slug="igor-komarov")
        nasa = m.Organization.objects.get(slug="nasa")
        for data in (
            {"person": "igor-komarov", "organization": nasa.pk, "title": "Visitor"},
            {"person": komarov.pk, "organization": "nasa", "title": "Guest"},
        ):
            response = curator.post(f"{API}/roles/", data, format="json")
            assert response.status_code == 201, response.content
            role = m.PersonRole.objects.get(pk=response.json()["id"])
            assert (role.person, role.organization, role.title) == (komarov, nasa, data["title"])
            assert response.json()["person"] == {
                "id": komarov.pk,
                "url": f"{HOST}{API}/persons/igor-komarov/",
                "slug": "igor-komarov",
                "display": "Igor Komarov",
            }

    def test_patch_with_id_then_slug(self, curator, seeded):
        participant = m.MissionParticipant.objects.get(mission__slug="luna-26", organization__slug="roscosmos")
        url = f"{API}/participants/{participant.pk}/"
        cnsa = m.Organization.objects.get(slug="cnsa")
        response = curator.patch(url, {"organization": cnsa.pk}, format="json")
        assert response.status_code == 200, response.content
        participant.refresh_from_db()
        assert participant.organization == cnsa
        response = curator.patch(url, {"organization": "roscosmos"}, format="json")
        assert response.status_code == 200, response.content
        participant.refresh_from_db()
        assert participant.organization.slug == "roscosmos"

    @pytest.mark.parametrize(
        "value",
        [
            pytest.param("no-such-org", id="unknown-slug"),
            pytest.param(987654, id="unknown-id"),
            pytest.param(True, id="bool"),
            pytest.param(1.5, id="float"),
            pytest.param({"slug": "nasa"}, id="object"),
        ],
    )
    def test_unresolvable_related_record_is_rejected(self, curator, seeded, value):
        before = rows(m.PersonRole)
        data = {"person": "igor-komarov", "organization": value, "title": "Visitor"}
        body = assert_error(curator.post(f"{API}/roles/", data, format="json"), 400, "invalid")
        assert [e["field"] for e in body["errors"]] == ["organization"]
        assert rows(m.PersonRole) == before

    def test_forum_must_be_a_forum(self, curator, seeded):
        url = f"{API}/agreements/russia-china-lunar-deep-space-mou-2018/"
        assert_error(curator.patch(url, {"forum": "roscosmos"}, format="json"), 400, "invalid", ["forum"])
        response = curator.patch(url, {"forum": m.Organization.objects.get(slug="isef").pk}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["forum"]["slug"] == "isef"

    def test_subject_by_id_of_a_record_without_slug(self, curator, seeded):
        party = m.AgreementParty.objects.get(agreement__slug=ILRS, organization__slug="government-of-russia")
        data = {"subject_type": "agreement_party", "subject_id": party.pk, "source": "southfront-2021-04"}
        response = curator.post(f"{API}/citations/", data, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["subject"] == {
            "type": "agreement_party",
            "id": party.pk,
            "url": f"{HOST}{API}/parties/{party.pk}/",
        }
        assert m.Citation.objects.get(pk=response.json()["id"]).agreement_party == party

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            pytest.param({"subject_type": "agreement", "subject_id": 987654}, "subject_id", id="unknown-id"),
            pytest.param({"subject_type": "agreement", "subject_id": "artemis-accords"}, "subject_id", id="slug"),
            pytest.param({"subject_type": "agreement"}, "subject_id", id="type-alone"),
            pytest.param({"subject_type": "source", "subject_id": 1}, "subject_type", id="not-a-subject"),
        ],
    )
    def test_invalid_subject_is_rejected(self, curator, seeded, data, field):
        before = rows(m.Citation)
        body = {"source": "southfront-2021-04", "locator": "para 1", **data}
        assert_error(curator.post(f"{API}/citations/", body, format="json"), 400, "invalid", [field])
        assert rows(m.Citation) == before


class TestProtectedDeletes:
    def test_protected_delete_whose_dependants_need_no_query(self, curator, seeded):
        # The US government's only protecting dependant is NASA (a child organization); its cascading
        # labels and citations must survive the refused delete too.
        before = all_rows()
        body = assert_error(curator.delete(f"{API}/organizations/government-of-usa/"), 409, "protected")
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("organization", "protected")]
        assert "NASA" in body["errors"][0]["detail"]
        assert all_rows() == before

    def test_deleting_roscosmos_is_refused_and_lists_dependants(self, curator, seeded):
        before = all_rows()
        body = assert_error(curator.delete(f"{API}/organizations/roscosmos/"), 409, "protected")
        assert body["errors"], "the dependants are listed"
        assert all(e["code"] == "protected" for e in body["errors"])
        named = {e["field"] for e in body["errors"]}
        # Roscosmos is a party, a signatory's organization, an employer, a participant and a parent.
        assert named & {"agreementparty", "signatory", "personrole", "missionparticipant", "organization"}
        assert named <= {"agreementparty", "signatory", "personrole", "missionparticipant", "organization", None}
        protecting = (
            m.AgreementParty.objects.filter(organization__slug="roscosmos").count()
            + m.Signatory.objects.filter(on_behalf_of__slug="roscosmos").count()
            + m.PersonRole.objects.filter(organization__slug="roscosmos").count()
            + m.MissionParticipant.objects.filter(organization__slug="roscosmos").count()
            + m.Organization.objects.filter(parent__slug="roscosmos").count()
        )
        listed = [e for e in body["errors"] if e["field"] is not None]
        assert len(listed) == min(protecting, 10)
        if protecting > 10:
            assert body["errors"][-1]["field"] is None
            assert str(protecting - 10) in body["errors"][-1]["detail"]
        # Nothing at all was deleted: not the organization, nor its cascading labels and citations.
        assert all_rows() == before

    @pytest.mark.parametrize(
        ("url", "dependant"),
        [
            (f"{API}/persons/dmitry-rogozin/", "signatory"),
            (f"{API}/missions/luna-26/", "agreementmission"),
            (f"{API}/sources/parabolicarc-2018-03-07/", "citation"),
            (f"{API}/agreements/roscosmos-cnsa-lunar-data-center-agreement-2018/", "agreementrelation"),
        ],
    )
    def test_other_protected_deletes(self, curator, seeded, url, dependant):
        before = all_rows()
        body = assert_error(curator.delete(url), 409, "protected")
        assert dependant in {e["field"] for e in body["errors"]}
        assert all_rows() == before

    def test_deleting_an_agreement_cascades_to_its_own_rows(self, curator, seeded):
        agreement = m.Agreement.objects.get(slug="artemis-accords")
        assert agreement.party_links.exists() and agreement.citations.exists()
        response = curator.delete(f"{API}/agreements/artemis-accords/")
        assert response.status_code == 204, response.content
        assert not m.AgreementParty.objects.filter(agreement_id=agreement.pk).exists()
        assert not m.Citation.objects.filter(agreement_id=agreement.pk).exists()
        assert m.Organization.objects.filter(slug="nasa").exists()


class TestOtherWriteRules:
    def test_duplicate_is_rejected_without_writing(self, curator, seeded):
        before = rows(m.AgreementParty)
        data = {"agreement": ILRS, "organization": "government-of-china", "role": "party"}
        assert_error(curator.post(f"{API}/parties/", data, format="json"), 400, "invalid")
        assert rows(m.AgreementParty) == before

    def test_duplicate_slug_is_rejected(self, curator, seeded):
        data = {**CREATE["organizations"], "slug": "nasa"}
        assert_error(curator.post(f"{API}/organizations/", data, format="json"), 400, "invalid", ["slug"])

    def test_organization_cannot_be_its_own_ancestor(self, curator, seeded):
        before = rows(m.Organization)
        url = f"{API}/organizations/government-of-russia/"
        assert_error(curator.patch(url, {"parent": "rsc-energia"}, format="json"), 400, "invalid", ["parent"])
        assert rows(m.Organization) == before

    def test_agreement_cannot_relate_to_itself(self, curator, seeded):
        data = {"from_agreement": ILRS, "to_agreement": ILRS, "kind": "amends"}
        assert_error(curator.post(f"{API}/relations/", data, format="json"), 400, "invalid", ["to_agreement"])

    def test_citation_field_must_exist_on_its_subject(self, curator, seeded):
        data = {**materialize(CREATE["citations"]), "field": "colour"}
        assert_error(curator.post(f"{API}/citations/", data, format="json"), 400, "invalid", ["field"])

    def test_put_without_a_required_field_is_rejected(self, curator, seeded):
        obj = m.Mission.objects.get(slug="luna-26")
        data = {k: v for k, v in CREATE["missions"].items() if k != "name"}
        before = rows(m.Mission)
        assert_error(curator.put(f"{API}/missions/{obj.slug}/", data, format="json"), 400, "invalid", ["name"])
        assert rows(m.Mission) == before

    def test_milestone_stated_on_defaults_to_the_source_publication_date(self, curator, seeded):
        data = {k: v for k, v in CREATE["milestones"].items() if k != "stated_on"}
        data["source"] = "parabolicarc-2018-03-07"
        data["mission"] = "change-7"
        response = curator.post(f"{API}/milestones/", data, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["stated_on"] is not None, "stated_on was not defaulted"
        assert response.json()["stated_on"]["value"] == "2018-03-07"
        claim = m.Milestone.objects.get(pk=response.json()["id"])
        assert claim.get_partial_date("stated_on") == PartialDate.parse("2018-03-07")


class TestSearchTextAfterWrites:
    """``q`` searches names and labels; writes through the API keep the stored search text true."""

    @staticmethod
    def found(api, prefix: str, q: str) -> list[str]:
        response = api.get(f"{API}/{prefix}/", {"q": q})
        assert response.status_code == 200
        return [r["slug"] for r in response.json()["results"]]

    def test_a_new_label_makes_its_subject_findable(self, curator, api, seeded):
        assert self.found(api, "missions", "luna glob") == []
        data = {**materialize(CREATE["labels"]), "language": "en", "text": "Luna-Glob lander"}
        assert curator.post(f"{API}/labels/", data, format="json").status_code == 201
        assert self.found(api, "missions", "luna glob") == ["luna-26"]

    def test_a_deleted_label_no_longer_finds_its_subject(self, curator, api, seeded):
        label = m.Label.objects.get(organization__slug="roscosmos", text="Roskosmos")
        assert self.found(api, "organizations", "roskosmos") == ["roscosmos"]
        assert curator.delete(f"{API}/labels/{label.pk}/").status_code == 204
        assert self.found(api, "organizations", "roskosmos") == []

    def test_saving_a_source_does_not_index_the_labels_it_supports(self, curator, api, seeded):
        # 'Roskosmos' is a label of roscosmos whose source is parabolicarc-2018-03-07.
        assert self.found(api, "sources", "roskosmos") == []
        url = f"{API}/sources/parabolicarc-2018-03-07/"
        assert curator.patch(url, {"notes": "Checked."}, format="json").status_code == 200
        assert self.found(api, "sources", "roskosmos") == []

    def test_moving_a_label_drops_it_from_the_old_subject(self, curator, api, seeded):
        label = m.Label.objects.get(organization__slug="roscosmos", text="Roskosmos")
        nasa = m.Organization.objects.get(slug="nasa")
        data = {"subject_type": "organization", "subject_id": nasa.pk}
        assert curator.patch(f"{API}/labels/{label.pk}/", data, format="json").status_code == 200
        assert self.found(api, "organizations", "roskosmos") == ["nasa"]
