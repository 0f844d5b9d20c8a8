"""The synthetic corpus generator: consistent, valid and reproducible data."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count

from cooperation.corpus import CorpusBuilder, CorpusSize
from cooperation.models import Agreement, AgreementParty, Label, Milestone, Signatory, Source
from cooperation.search_text import normalize

pytestmark = pytest.mark.django_db

MODELS = list(apps.get_app_config("cooperation").get_models())


def build(seed: int = 7, agreements: int = 40) -> dict[str, int]:
    return CorpusBuilder(CorpusSize(agreements), seed).build()


def test_every_record_passes_the_models_own_validation():
    counts = build()
    assert counts["Agreement"] == 40
    for model in MODELS:
        for obj in model.objects.all()[:25]:
            obj.full_clean()  # the same rules as the admin and the API


def test_every_agreement_has_parties_and_signatories_act_for_them():
    build()
    assert not Agreement.objects.annotate(n=Count("party_links")).filter(n__lt=2).exists()
    assert not Agreement.objects.annotate(n=Count("party_links")).filter(n__gt=5).exists()
    for signatory in Signatory.objects.select_related("on_behalf_of"):
        parties = set(
            AgreementParty.objects.filter(agreement_id=signatory.agreement_id).values_list("organization_id", flat=True)
        )
        signatory.check_on_behalf_of(parties)
    per_agreement = Agreement.objects.annotate(n=Count("signatories")).values_list("n", flat=True)
    assert min(per_agreement) >= 2 and max(per_agreement) <= 4


def test_every_labelled_record_is_named_in_english_russian_and_chinese():
    build()
    subjects = {name: Label._meta.get_field(name).related_model for name in Label.arc_fields}
    for field, model in subjects.items():
        named = Label.objects.filter(**{f"{field}__isnull": False}, kind__in=Label.NAME_KINDS)
        per_language = named.values_list(f"{field}_id", "language")
        assert len(per_language) == len(set(per_language)) == 3 * model.objects.count() > 0
        assert {lang for _, lang in per_language} == {"en", "ru", "zh"}
    kinds = set(Label.objects.values_list("kind", flat=True))
    assert {Label.Kind.OFFICIAL, Label.Kind.TRANSLATION, Label.Kind.TRANSLITERATION} <= kinds
    assert Label.Kind.NAME not in kinds
    vouching = {Source.Tier.FIRST_PARTY, Source.Tier.CURATOR}
    assert not Label.objects.filter(kind=Label.Kind.OFFICIAL).exclude(source__tier__in=vouching).exists()
    agreement = Agreement.objects.order_by("pk").first()
    for label in agreement.labels.all():
        assert f"\n{normalize(label.text)}\n" in agreement.search_text  # labels are searchable at once


def test_partial_dates_of_every_precision_and_derived_columns():
    build()
    assert set(Agreement.objects.values_list("signed_on_precision", flat=True)) == {"day", "month", "year"}
    for agreement in Agreement.objects.all():
        value = agreement.get_partial_date("signed_on")
        assert agreement.signed_on_end == value.end
        assert agreement.search_text.startswith("\n")
    assert Milestone.objects.filter(stated_on__isnull=False).count() == Milestone.objects.count()


def test_the_same_seed_gives_the_same_corpus():
    def snapshot():
        return list(Agreement.objects.order_by("slug").values_list("slug", "title", "signed_on", "signed_on_precision"))

    build(seed=11)
    first = snapshot()
    for model in reversed(MODELS):  # children before parents; PROTECT forbids the other way round
        model.objects.all()._raw_delete(model.objects.db)
    build(seed=11)
    assert snapshot() == first
    for model in reversed(MODELS):
        model.objects.all()._raw_delete(model.objects.db)
    build(seed=12)
    assert snapshot() != first


def test_command_refuses_a_second_corpus_and_bad_sizes(capsys):
    call_command("generate_corpus", "--agreements", "5", "--no-progress")
    assert "Inserted" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already loaded"):
        call_command("generate_corpus", "--agreements", "5", "--no-progress")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate_corpus", "--agreements", "0", "--no-progress")
