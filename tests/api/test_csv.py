"""Any list exports as CSV with the same filters, streamed."""

import csv
import io

import pytest

pytestmark = pytest.mark.usefixtures("seeded")


def rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response.streaming, "CSV lists are streamed"
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_format_csv_applies_the_same_filters(api):
    exported = rows(api.get("/api/v1/agreements/?format=csv&party=roscosmos"))
    listed = api.get("/api/v1/agreements/?party=roscosmos").json()["results"]
    assert [r["slug"] for r in exported] == [r["slug"] for r in listed]
    tokyo = next(r for r in exported if r["slug"] == "roscosmos-cnsa-lunar-data-center-agreement-2018")
    assert tokyo["signed_on"] == "2018-03-03"
    assert tokyo["forum"] == "isef"
    assert set(tokyo["parties"].split("; ")) == {"roscosmos", "cnsa"}


def test_accept_header_selects_csv(api):
    exported = rows(api.get("/api/v1/organizations/?country=RU", HTTP_ACCEPT="text/csv"))
    assert sorted(r["slug"] for r in exported) == ["government-of-russia", "kremlin", "roscosmos", "rsc-energia"]


def test_csv_ignores_pagination_and_exports_everything(api):
    assert len(rows(api.get("/api/v1/citations/?format=csv&limit=5"))) == api.get("/api/v1/citations/").json()["count"]


def test_errors_stay_json_when_csv_is_asked_for(api):
    response = api.get("/api/v1/agreements/?format=csv&colour=red")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["field"] == "colour"


def test_unknown_format_is_a_400(api):
    response = api.get("/api/v1/agreements/?format=xml")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "format"


def test_milestones_of_many_missions_export_with_their_claim_status(api):
    """Streamed one by one, each record's claim status is still known (it was a KeyError mid-stream)."""
    from cooperation.models import Milestone

    response = api.get("/api/v1/milestones/", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len({row["mission"] for row in rows}) > 1
    assert len(rows) == Milestone.objects.count()
    listed = {r["id"]: r["claim_status"] for r in api.get("/api/v1/milestones/", {"limit": 1000}).json()["results"]}
    assert {int(row["id"]): row["claim_status"] for row in rows} == listed
