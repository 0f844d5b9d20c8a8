"""The registry in the reader's language: names from ``Label`` rows, one-line displays, choice labels.

Canonical fields (``Organization.name``, ``Agreement.title``...) are English and never change with
the language; only presentation does. The language is Django's active one (``translation.override``):
``active_language()`` maps it onto the registry's codes (``en``, ``ru``, ``zh``), so the API activates
the language it negotiated and these functions, and the selectors using them, follow.

Names (Wikidata's fallback chain: the language, then English)
    A record is named in a language by its label in that language whose kind comes first in
    ``NAME_KINDS`` (official name, translation, transliteration, then a plain name; ties: the first recorded). Without
    one, its canonical English name is used and the name is a *fallback*. ``short`` labels are the
    short form: an organization's in brackets, an agreement's in place of its title. The choice is
    made when labels change and kept in the record's derived ``localized_names`` column
    (``localized_names_for``, ``refresh_localized_names``), so reading a name never queries.

Official, translation or transliteration (``label_status``)
    Read off ``Label.kind`` for now (official -> official, transliteration -> transliteration, any
    other -> translation). A canonical English name has no status: the registry does not record it.

Displays (``display``)
    In English, ``str(record)`` unchanged. In another language, the same one-line description built
    from translated templates, localized names and translated choice labels; a named record without a
    label in the language shows its English display. ``api.sql.expressions`` writes the same text in
    SQL for the models it renders (``tests/api/test_sql_documents.py`` holds both to it).

"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from cooperation.models import (
    Agreement,
    AgreementMission,
    AgreementParty,
    AgreementRelation,
    Citation,
    Label,
    Language,
    Milestone,
    Mission,
    MissionParticipant,
    Organization,
    Person,
    PersonRole,
    Signatory,
    Source,
)

CANONICAL = "en"  # the language of the canonical fields
LANGUAGES = ("en", "ru", "zh")  # what the registry answers in
# The Django language (gettext catalogue) of each: Chinese is Simplified Chinese.
LOCALES = {"en": "en", "ru": "ru", "zh": "zh-hans"}
# BCP 47 tags for Content-Language.
LANGUAGE_TAGS = {"en": "en", "ru": "ru", "zh": "zh-Hans"}
FALLBACKS = {language: (language, CANONICAL) if language != CANONICAL else (CANONICAL,) for language in LANGUAGES}

# In order of preference: the label model's name kinds, then a plain (unqualified) name.
NAME_KINDS = (*Label.NAME_KINDS, Label.Kind.NAME)
SHORT_KINDS = (Label.Kind.SHORT,)
LABEL_KINDS = (*NAME_KINDS, *SHORT_KINDS)  # the labels displays read

# The canonical (English) name of each labelled model.
NAME_FIELDS: dict[type[models.Model], str] = {Organization: "name", Person: "name", Agreement: "title", Mission: "name"}
LABELLED = tuple(NAME_FIELDS)

# The related records each model's display names (loaded with it, labels included).
DISPLAY_RELATIONS: dict[type[models.Model], tuple[str, ...]] = {
    AgreementParty: ("organization", "agreement"),
    Signatory: ("person", "on_behalf_of", "agreement"),
    AgreementRelation: ("from_agreement", "to_agreement"),
    AgreementMission: ("agreement", "mission"),
    MissionParticipant: ("organization", "mission"),
    Milestone: ("mission", "source"),
    PersonRole: ("person", "organization"),
    Citation: ("source",),
}


class ReaderLanguage(models.TextChoices):
    """The languages the registry answers in."""

    EN = "en", gettext_noop("English")
    RU = "ru", gettext_noop("Russian")
    ZH = "zh", gettext_noop("Chinese")


class NameStatus(models.TextChoices):
    OFFICIAL = "official", gettext_noop("official name")
    TRANSLATION = "translation", gettext_noop("translation")
    TRANSLITERATION = "transliteration", gettext_noop("transliteration")


# Label.kind -> status; a plain name is counted a translation (never passes for official).
STATUS_BY_KIND = {
    Label.Kind.OFFICIAL: NameStatus.OFFICIAL,
    Label.Kind.TRANSLATION: NameStatus.TRANSLATION,
    Label.Kind.TRANSLITERATION: NameStatus.TRANSLITERATION,
}


def label_status(label: Label) -> str:
    """Whether ``label`` is an official name, a translation or a transliteration."""
    return STATUS_BY_KIND.get(label.kind, NameStatus.TRANSLATION).value


# --- the active language ---------------------------------------------------------------------


def language_of_locale(locale: str | None) -> str:
    """The registry language of a Django language code (``zh-hans`` -> ``zh``); English for any other."""
    primary = (locale or CANONICAL).lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else CANONICAL


def active_language() -> str:
    return language_of_locale(translation.get_language())


# --- templates: translated, then filled with str.format --------------------------------------

NAME_WITH_SHORT = gettext_noop("{name} ({short_name})")
TITLE_WITH_DATE = gettext_noop("{title} ({date})")
SOURCE = gettext_noop("{publisher}: {title}")
SOURCE_WITH_DATE = gettext_noop("{publisher}: {title} ({date})")
UNKNOWN_PUBLISHER = gettext_noop("unknown publisher")
PARTY = gettext_noop("{organization} ({role}) in {agreement}")
SIGNATORY = gettext_noop("{person} for {organization} ({agreement})")
RELATION = gettext_noop("{from_agreement} {kind} {to_agreement}")
AGREEMENT_MISSION = gettext_noop("{agreement} {role} {mission}")
PARTICIPANT = gettext_noop("{organization} ({role}) in {mission}")
MILESTONE = gettext_noop("{mission} {kind} {status} {date} (per {source})")
PERSON_ROLE = gettext_noop("{person}: {title}, {organization}")
LABEL = gettext_noop("{text} [{language}, {kind}]")
CITATION = gettext_noop("{subject} cites {source}")
CHANGE = gettext_noop("{record} {action}")


def fill(template: str, **values) -> str:
    """``template`` in the active language, filled in."""
    return gettext(template).format(**values)


def choice_label(choices: type[models.Choices], value: str) -> str:
    """The display label of a choice, in the active language (the value itself if it is no choice)."""
    try:
        label = choices(value).label
    except ValueError:
        return value
    return gettext(str(label))


# --- names -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalizedName:
    """The name shown for a record: its text, the language it is really in, and what kind of name it is."""

    text: str
    language: str
    status: str | None  # NameStatus, or None for the canonical English name
    is_fallback: bool  # not in the language asked for


def localized_names_for(labels: Iterable[Label]) -> dict:
    """The ``localized_names`` of a record with these labels: per language but English, the name, its
    status and the short name (``None`` where there is none); languages without any left out."""
    entries = {}
    for language in LANGUAGES:
        mine = [label for label in labels if label.language == language and label.kind in LABEL_KINDS]
        if language == CANONICAL or not mine:
            continue
        name, short = pick(mine, NAME_KINDS), pick(mine, SHORT_KINDS)
        entries[language] = {
            "name": name.text if name else None,
            "short": short.text if short else None,
            "status": label_status(name) if name else None,
        }
    return entries


def refresh_localized_names(record: models.Model) -> None:
    """Recompute and store a labelled record's ``localized_names`` (without touching ``last_updated``)."""
    if type(record) not in NAME_FIELDS or record.pk is None:
        return
    record.localized_names = localized_names_for(record.labels.all())
    type(record)._default_manager.filter(pk=record.pk).update(localized_names=record.localized_names)


def refresh_localized_names_of(model: type[models.Model], pks) -> None:
    """``refresh_localized_names`` for ``model``'s records with these ids; ids already gone are skipped.

    Keyed by id, like ``cooperation.search_text.refresh_search_text_of``: safe inside a cascade.
    """
    if model not in NAME_FIELDS:
        return
    for record in model._default_manager.filter(pk__in=list(pks)).prefetch_related("labels"):
        refresh_localized_names(record)


def entry(record: models.Model, language: str) -> dict:
    """The record's names in ``language`` (its ``localized_names`` entry), or an empty dict."""
    return (getattr(record, "localized_names", None) or {}).get(language) or {}


def pick(labels: Iterable[Label], kinds: tuple[str, ...]) -> Label | None:
    """The label of the first kind in ``kinds`` that has one; the first recorded of that kind."""
    found = [label for label in labels if label.kind in kinds]
    return min(found, key=lambda label: (kinds.index(label.kind), label.pk or 0), default=None)


def localized_name(record: models.Model, language: str | None = None) -> LocalizedName:
    """The record's name in ``language`` (default: the active one), else its canonical English name."""
    language = language or active_language()
    names = entry(record, language) if language != CANONICAL else {}
    if names.get("name"):
        return LocalizedName(names["name"], language, names["status"], False)
    return LocalizedName(getattr(record, NAME_FIELDS[type(record)]), CANONICAL, None, language != CANONICAL)


def short_name(record: models.Model, language: str | None = None) -> str:
    """A short name for a record in running text: its short label, else its name, in the language;
    else its English short name (organizations, agreements) or name."""
    language = language or active_language()
    names = entry(record, language) if language != CANONICAL else {}
    if names.get("short") or names.get("name"):
        return names.get("short") or names["name"]
    short = getattr(record, {Organization: "short_name", Agreement: "short_title"}.get(type(record), ""), "")
    return short or getattr(record, NAME_FIELDS[type(record)])


# --- displays --------------------------------------------------------------------------------


def display(record: models.Model | None, language: str | None = None) -> str:
    """The record's one-line description in ``language`` (default: the active one)."""
    if record is None:
        return ""
    language = language or active_language()
    render = _DISPLAYS.get(type(record)) if language != CANONICAL else None
    return render(record, language) if render else str(record)


def _organization(org: Organization, language: str) -> str:
    names = entry(org, language)
    name, short = names.get("name"), names.get("short")
    if not name:
        return str(org)
    if not short or short == name:
        return name
    return fill(NAME_WITH_SHORT, name=name, short_name=short)


def _named(record: models.Model, language: str) -> str:
    return entry(record, language).get("name") or str(record)


def _agreement(agreement: Agreement, language: str) -> str:
    names = entry(agreement, language)
    head = names.get("short") or names.get("name")
    if not head:
        return str(agreement)
    date = agreement.get_partial_date("signed_on")
    return fill(TITLE_WITH_DATE, title=head, date=date) if date else head


def _source(source: Source, language: str) -> str:
    date = source.get_partial_date("published_on")
    publisher = source.publisher or gettext(UNKNOWN_PUBLISHER)
    if date is None:
        return fill(SOURCE, publisher=publisher, title=source.title)
    return fill(SOURCE_WITH_DATE, publisher=publisher, title=source.title, date=date)


def _party(link: AgreementParty, language: str) -> str:
    role = choice_label(AgreementParty.Role, link.role)
    return fill(
        PARTY, organization=display(link.organization, language), role=role, agreement=display(link.agreement, language)
    )


def _signatory(signatory: Signatory, language: str) -> str:
    return fill(
        SIGNATORY,
        person=display(signatory.person, language),
        organization=display(signatory.on_behalf_of, language),
        agreement=display(signatory.agreement, language),
    )


def _relation(relation: AgreementRelation, language: str) -> str:
    return fill(
        RELATION,
        from_agreement=display(relation.from_agreement, language),
        kind=choice_label(AgreementRelation.Kind, relation.kind),
        to_agreement=display(relation.to_agreement, language),
    )


def _agreement_mission(link: AgreementMission, language: str) -> str:
    role = choice_label(AgreementMission.Role, link.role)
    return fill(
        AGREEMENT_MISSION,
        agreement=display(link.agreement, language),
        role=role,
        mission=display(link.mission, language),
    )


def _participant(link: MissionParticipant, language: str) -> str:
    role = choice_label(MissionParticipant.Role, link.role)
    return fill(
        PARTICIPANT,
        organization=display(link.organization, language),
        role=role,
        mission=display(link.mission, language),
    )


def _milestone(claim: Milestone, language: str) -> str:
    return fill(
        MILESTONE,
        mission=display(claim.mission, language),
        kind=choice_label(Milestone.Kind, claim.kind),
        status=choice_label(Milestone.Status, claim.status),
        date=claim.date_display,
        source=claim.source.slug,
    )


def _role(role: PersonRole, language: str) -> str:
    organization = short_name(role.organization, language)
    return fill(PERSON_ROLE, person=display(role.person, language), title=role.title, organization=organization)


def _label(label: Label, language: str) -> str:
    return fill(
        LABEL,
        text=label.text,
        language=choice_label(Language, label.language),
        kind=choice_label(Label.Kind, label.kind),
    )


def citation_display(citation: Citation) -> str:
    """A citation in brief: the subject (kind, id and field) and the source's slug."""
    where = f".{citation.field}" if citation.field else ""
    subject = f"{citation.subject_kind} #{getattr(citation, f'{citation.subject_kind}_id')}{where}"
    return fill(CITATION, subject=subject, source=citation.source.slug)


_DISPLAYS = {
    Organization: _organization,
    Person: _named,
    Mission: _named,
    Agreement: _agreement,
    Source: _source,
    AgreementParty: _party,
    Signatory: _signatory,
    AgreementRelation: _relation,
    AgreementMission: _agreement_mission,
    MissionParticipant: _participant,
    Milestone: _milestone,
    PersonRole: _role,
    Label: _label,
}


__all__ = [
    "CANONICAL",
    "LANGUAGES",
    "LocalizedName",
    "NameStatus",
    "ReaderLanguage",
    "active_language",
    "choice_label",
    "citation_display",
    "display",
    "label_status",
    "localized_name",
    "localized_names_for",
    "refresh_localized_names",
]
