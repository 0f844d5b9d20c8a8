"""The project's gettext catalogues: complete, real and compiled.

Every catalogue of the project (each app's ``locale/``, and ``LOCALE_PATHS``) is found on disk,
not listed here. Each must have a ``.po`` for every language in ``LANGUAGES`` but English, with
every message translated (all plural forms), nothing fuzzy or obsolete, the placeholders kept,
and text in the language's own script (no English left behind). The committed ``.mo`` must hold
exactly what the ``.po`` says: it is read with the standard library's ``gettext`` parser, the one
Django uses at run time, and compared message by message, so a ``.po`` edited without compiling
fails here. Compile with ``manage.py compilemessages`` run in the app's directory.
"""

from __future__ import annotations

import gettext
import os
import re
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.utils.translation import to_locale

BASE_DIR = Path(settings.BASE_DIR)
SKIPPED_DIRS = {"node_modules", "staticfiles", "artifacts", "__pycache__"}
LANGUAGES = sorted(to_locale(code) for code, _ in settings.LANGUAGES if not code.startswith("en"))
SCRIPTS = {
    "ru": re.compile(r"[\u0400-\u04FF]"),  # Cyrillic
    "zh_Hans": re.compile(r"[\u3400-\u9FFF]"),  # CJK ideographs
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]|\{(\w*)\}")
HAS_WORDS = re.compile(r"[A-Za-z]{2,}")


def _project_files(suffix: str) -> list[Path]:
    """Files under the project directory, not following symlinks (the venv) nor hidden directories."""
    found = []
    for root, dirs, files in os.walk(BASE_DIR):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        found += [Path(root) / name for name in files if name.endswith(suffix)]
    return sorted(found)


def catalogue_dirs() -> list[Path]:
    """Every ``locale`` directory of the project that holds a catalogue."""
    return sorted({path.parents[2] for path in _project_files(".po") if path.parent.name == "LC_MESSAGES"})


def loaded_locale_dirs() -> set[Path]:
    """The locale directories Django reads: installed apps' ``locale/`` and ``LOCALE_PATHS``."""
    dirs = {Path(app.path) / "locale" for app in apps.get_app_configs()}
    return {d.resolve() for d in (*dirs, *map(Path, settings.LOCALE_PATHS))}


CATALOGUES = catalogue_dirs()
PO_FILES = [d / lang / "LC_MESSAGES" / "django.po" for d in CATALOGUES for lang in LANGUAGES]


def _id(path: Path) -> str:
    return str(path.relative_to(BASE_DIR))


def placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


def test_the_project_has_catalogues_and_django_reads_every_one():
    assert {"cooperation/locale", "api/locale"} <= {_id(d) for d in CATALOGUES}
    assert [_id(d) for d in CATALOGUES if d.resolve() not in loaded_locale_dirs()] == []
    stray = [_id(p) for p in _project_files(".po") if p.parent.name != "LC_MESSAGES" or p.name != "django.po"]
    assert stray == []  # djangojs.po or misplaced files would need a test of their own


@pytest.mark.parametrize("path", PO_FILES, ids=_id)
def test_every_message_is_translated_and_none_is_fuzzy(path: Path):
    assert path.exists(), f"{_id(path)} is missing: every catalogue needs every language"
    po = polib.pofile(str(path))
    language = path.parents[1].name
    assert po.metadata.get("Language") == language
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    assert len(po) > 0
    problems = []
    for entry in po:
        where = f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid!r}"
        if entry.obsolete:
            problems.append(f"obsolete: {where}")
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {where}")
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if not forms or not all(forms):
            problems.append(f"untranslated: {where}")
            continue
        for form in forms:
            if placeholders(form) != placeholders(entry.msgid):
                problems.append(f"placeholders differ: {where} -> {form!r}")
            bare = PLACEHOLDER.sub("", entry.msgid)
            if HAS_WORDS.search(bare) and not SCRIPTS[language].search(form):
                problems.append(f"not in {language}: {where} -> {form!r}")
    assert problems == []


@pytest.mark.parametrize("path", PO_FILES, ids=_id)
def test_plural_forms_match_the_header(path: Path):
    po = polib.pofile(str(path))
    nplurals = int(re.search(r"nplurals\s*=\s*(\d+)", po.metadata["Plural-Forms"]).group(1))
    assert {len(entry.msgstr_plural) for entry in po if entry.msgid_plural} <= {nplurals}


def _po_messages(po: polib.POFile) -> dict:
    """What a compiled catalogue should hold, keyed as ``gettext`` keys its catalogue."""
    messages = {}
    for entry in po.translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            for index, form in entry.msgstr_plural.items():
                messages[(key, int(index))] = form
        else:
            messages[key] = entry.msgstr
    return messages


@pytest.mark.parametrize("path", PO_FILES, ids=_id)
def test_the_committed_mo_is_the_compiled_po(path: Path):
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{_id(mo)} is missing: run manage.py compilemessages in the app's directory"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalogue = {key: value for key, value in compiled._catalog.items() if key != ""}
    assert catalogue == _po_messages(polib.pofile(str(path))), f"{_id(mo)} is stale: recompile it"
    assert compiled.info().get("language") == path.parents[1].name
