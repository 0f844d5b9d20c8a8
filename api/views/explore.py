"""``/explore/``: the example page, in English, Russian or Simplified Chinese.

The page's language is chosen as the API chooses its own (``api.core.languages``: ``?lang=``, else
``Accept-Language``, else English); its switch links to ``?lang=en|ru|zh``. The template is rendered
in that language, and the script gets its sentences and the labels of the codes it shows (kinds,
statuses, roles, types) from the page, then asks the API in the same language (``lang=``).
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from api.core.languages import label_response, negotiate, speaking
from cooperation.localization import LANGUAGE_TAGS, LANGUAGES, choice_label
from cooperation.models import Agreement, AgreementParty, Milestone
from cooperation.selectors.global_search import SEARCH_TYPES

# The switch names each language in itself.
NATIVE_NAMES = {"en": "English", "ru": "Русский", "zh": "中文"}

# The script's sentences; {name} placeholders are filled in by the script.
MESSAGES = {
    "nothing_found": gettext_noop("Nothing found."),
    "agreements_signed": gettext_noop("Agreements signed:"),
    "json_record": gettext_noop("JSON record"),
    "date_unknown": gettext_noop("date unknown"),
    "agreement_summary": gettext_noop("{kind}, {status}, signed {date}"),
    "parties": gettext_noop("Parties:"),
    "party": gettext_noop("{organization} ({role})"),
    "signatories": gettext_noop("Signatories:"),
    "signatory": gettext_noop("{person} for {organization}"),
    "none_recorded": gettext_noop("none recorded"),
    "scope_everything": gettext_noop("everything"),
    "no_events": gettext_noop("No dated events."),
    "around": gettext_noop("around {name}"),
    "fallback": gettext_noop("No name in this language: shown in English."),
    "list_separator": gettext_noop("; "),
    "with_status": gettext_noop("{title} ({status})"),
}


SUPERSEDED = gettext_noop("superseded")


def page_messages() -> dict:
    """The sentences and code labels the script shows, in the active language."""
    return {
        "messages": {key: _(text) for key, text in MESSAGES.items()},
        "kinds": {value: choice_label(Agreement.Kind, value) for value in Agreement.Kind.values},
        "statuses": {value: choice_label(Agreement.Status, value) for value in Agreement.Status.values},
        "roles": {value: choice_label(AgreementParty.Role, value) for value in AgreementParty.Role.values},
        "claim_statuses": {
            "planned": choice_label(Milestone.Status, Milestone.Status.PLANNED),
            "superseded": _(SUPERSEDED),
        },
        "types": {name: _(str(spec.model._meta.verbose_name)) for name, spec in SEARCH_TYPES.items()},
    }


def explore(request):
    language = negotiate(request)
    with speaking(language):
        context = {
            "language": language,
            "html_lang": LANGUAGE_TAGS[language],
            "languages": [(code, NATIVE_NAMES[code], LANGUAGE_TAGS[code]) for code in LANGUAGES],
            "page": page_messages(),
        }
        response = render(request, "explore/index.html", context)
    return label_response(response, language)
