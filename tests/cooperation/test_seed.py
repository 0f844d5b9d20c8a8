"""The seed command: loads into an empty database, is idempotent, cites everything."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count

from cooperation.models import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Citation,
    Label,
    Milestone,
    Mission,
    MissionParticipant,
    Organization,
    Person,
    PersonRole,
    Signatory,
    Source,
)
from cooperation.seeding import default_fixture_files, seed
from tests.support.records import all_rows

CITED_MODELS = [
    Organization,
    Person,
    PersonRole,
    Agreement,
    AgreementParty,
    Signatory,
    AgreementRelation,
    AgreementMission,
    Mission,
    MissionParticipant,
]
ALL_MODELS = [*CITED_MODELS, Source, Citation, Label, Milestone]


@pytest.mark.django_db
def test_seed_loads_into_empty_database(capsys):
    assert Organization.objects.count() == 0
    call_command("seed")
    out = capsys.readouterr().out
    total = sum(m.objects.count() for m in ALL_MODELS)
    assert f"Seed loaded: {total} created, 0 updated, 0 unchanged." in out
    assert Source.objects.count() == 6
    assert Agreement.objects.count() >= 9


@pytest.mark.django_db
def test_second_run_changes_nothing(capsys):
    call_command("seed")
    before = all_rows()
    capsys.readouterr()
    call_command("seed")
    out = capsys.readouterr().out
    assert "0 created, 0 updated" in out
    assert all_rows() == before, "a second seed must not touch a single row (not even last_updated)"


@pytest.mark.django_db
def test_seed_reports_an_update_after_a_curator_edit(capsys):
    call_command("seed")
    Organization.objects.filter(slug="roscosmos").update(name="Edited by hand")
    capsys.readouterr()
    call_command("seed", verbosity=2)
    out = capsys.readouterr().out
    assert "0 created, 1 updated" in out
    assert Organization.objects.get(slug="roscosmos").name == "Roscosmos State Corporation for Space Activities"


@pytest.mark.django_db
@pytest.mark.parametrize("model", CITED_MODELS, ids=lambda m: m.__name__)
def test_every_seeded_record_has_a_citation(model, seeded):
    uncited = model.objects.annotate(n=Count("citations")).filter(n=0)
    assert model.objects.exists()
    assert list(uncited) == []


@pytest.mark.django_db
def test_claims_and_names_carry_their_own_source(seeded):
    assert Milestone.objects.exists() and Label.objects.exists()
    assert not Milestone.objects.filter(source__isnull=True).exists()
    assert not Label.objects.filter(source__isnull=True).exists()
    every_language = set(Label.objects.values_list("language", flat=True))
    assert {"en", "ru", "zh"} <= every_language


@pytest.mark.django_db
def test_every_source_is_used(seeded):
    for source in Source.objects.all():
        uses = source.citations.count() + source.labels.count() + source.milestone_claims.count()
        assert uses > 0, f"{source.slug} is never cited"


SEED_DOCUMENTS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


@pytest.mark.django_db
@pytest.mark.skipif(not SEED_DOCUMENTS.is_dir(), reason="shared/seeds is not beside this checkout")
def test_every_seed_document_is_a_source(seeded):
    documents = set(Source.objects.exclude(document="").values_list("document", flat=True))
    assert documents == {p.name for p in SEED_DOCUMENTS.glob("*.txt")}


@pytest.mark.django_db
def test_loaddata_reads_the_same_fixtures_as_seed():
    call_command("loaddata", *default_fixture_files(), verbosity=0)
    loaded = all_rows()
    report = seed()
    assert report.total("created") == 0 and report.total("updated") == 0
    assert {k: len(v) for k, v in all_rows().items()} == {k: len(v) for k, v in loaded.items()}


@pytest.mark.django_db
def test_partial_date_ranges_are_derived_on_load(seeded):
    program = Agreement.objects.get(slug="roscosmos-cnsa-cooperation-program-2018-2022")
    assert str(program.get_partial_date("signed_on")) == "2017-11"
    assert program.signed_on_end.isoformat() == "2017-11-30"
    assert program.valid_until_end.isoformat() == "2022-12-31"
