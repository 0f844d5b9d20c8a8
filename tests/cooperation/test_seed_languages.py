"""The seed names every organization, person, mission and agreement in English, Russian and Chinese.

A record's name in a language is its one label of a name kind there (official, translation or
transliteration). Nothing passes for official that is not: an official name cites a first-party
source or the curators' own knowledge, and no seeded label leaves its standing unstated.
"""

import re
from collections import Counter

import pytest

from cooperation.models import Label, Source

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "ru", "zh")
SUBJECTS = [Label._meta.get_field(name).related_model for name in Label.arc_fields]
SCRIPTS = {"ru": re.compile(r"[\u0400-\u04FF]"), "zh": re.compile(r"[\u3400-\u9FFF]")}
FOREIGN_SCRIPT = re.compile(r"[\u0400-\u04FF\u3040-\u30FF\u3400-\u9FFF]")


@pytest.fixture(autouse=True)
def _seed(seeded):
    """Every test here reads the seeded database."""


def names(model) -> dict[tuple[int, str], list[Label]]:
    """The name labels of every record of ``model``, by (record id, language)."""
    field = next(name for name in Label.arc_fields if Label._meta.get_field(name).related_model is model)
    found: dict[tuple[int, str], list[Label]] = {}
    for label in Label.objects.filter(**{f"{field}__isnull": False}, kind__in=Label.NAME_KINDS):
        found.setdefault((getattr(label, f"{field}_id"), label.language), []).append(label)
    return found


@pytest.mark.parametrize("model", SUBJECTS, ids=lambda m: m.__name__)
def test_every_record_has_one_name_in_each_language(model):
    records = list(model.objects.all())
    assert records, f"the seed has no {model.__name__}"
    labels = names(model)
    missing = [f"{r.slug} [{lang}]" for r in records for lang in LANGUAGES if not labels.get((r.pk, lang))]
    several = [f"{r.slug} [{lang}]" for r in records for lang in LANGUAGES if len(labels.get((r.pk, lang), [])) > 1]
    assert missing == []
    assert several == [], "one name per language; other forms are aliases or short names"


def test_no_seeded_label_leaves_its_standing_unstated():
    assert list(Label.objects.filter(kind=Label.Kind.NAME).values_list("text", flat=True)) == []


def test_official_names_cite_a_first_party_source_or_the_curators():
    vouching = {Source.Tier.FIRST_PARTY, Source.Tier.CURATOR}
    official = Label.objects.filter(kind=Label.Kind.OFFICIAL).select_related("source")
    assert official.count() > 0
    assert [(label.text, label.source.slug) for label in official if label.source.tier not in vouching] == []


def test_each_name_is_written_in_its_languages_script():
    def fits(label: Label) -> bool:
        if label.language == "en":
            return not FOREIGN_SCRIPT.search(label.text)
        return bool(SCRIPTS[label.language].search(label.text))

    assert [
        (label.language, label.text) for label in Label.objects.filter(language__in=LANGUAGES) if not fits(label)
    ] == []


def test_renderings_are_not_official_and_native_names_are():
    """Examples both ways; and as many names per language as there are labelled records."""
    kinds = {(label.language, label.text): label.kind for label in Label.objects.all()}
    assert (
        kinds[("ru", "Национальное управление по аэронавтике и исследованию космического пространства")]
        == "translation"
    )
    assert kinds[("zh", "国际空间站")] == "translation"
    assert kinds[("zh", "国家航天局")] == "official"
    assert kinds[("en", "China National Space Administration")] == "official"
    assert kinds[("ru", "Си Цзиньпин")] == "transliteration"
    assert kinds[("en", "Roscosmos State Corporation for Space Activities")] == "translation"
    counts = Counter(Label.objects.filter(kind__in=Label.NAME_KINDS).values_list("language", flat=True))
    assert {lang: counts[lang] for lang in LANGUAGES} == {
        lang: sum(m.objects.count() for m in SUBJECTS) for lang in LANGUAGES
    }
