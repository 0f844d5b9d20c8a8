"""The language of a response: ``lang``, else ``Accept-Language``, else English; never an error.

* ``?lang=`` overrides the header: ``en``, ``ru`` or ``zh`` (a tag such as ``ru-RU`` or ``zh-Hans``
  is read the same way); an unsupported value is English.
* ``Accept-Language`` (RFC 9110 §12.5.4): ranges in order of their q-values (``q=0`` means "not
  this one"), the first the API speaks wins; ``*`` is English. Regional and script variants match
  their language: ``ru-RU`` is Russian, ``zh-CN``, ``zh-SG``, ``zh-Hans`` are Chinese. So are
  ``zh-TW``, ``zh-HK`` and ``zh-Hant``: the API has Simplified Chinese only, and, as in Wikidata's
  fallback chain (zh-hant -> zh-hans), a reader of Traditional Chinese is better served by it than
  by English. Items that are not language ranges are skipped, not fatal.
* Nothing else (no cookie, no session): a response depends on the request's URL and this header
  only, which is what ``Vary: Accept-Language`` tells caches.

Every API response says ``Content-Language`` (``en``, ``ru`` or ``zh-Hans``) and varies on
``Accept-Language``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from django.utils import translation
from django.utils.cache import patch_vary_headers

from cooperation.localization import CANONICAL, LANGUAGE_TAGS, LANGUAGES, LOCALES

LANG_PARAMETER = "lang"
MAX_HEADER_LENGTH = 1000  # longer Accept-Language headers are read up to here
_RANGE = re.compile(r"^\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]{1,6})\s*)?$")


def match(tag: str) -> str | None:
    """The API language a language tag or range names (``zh-TW`` -> ``zh``), or None."""
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def accepted(header: str) -> list[str]:
    """The language ranges of an ``Accept-Language`` header, most wanted first (stable for equal q)."""
    ranges = []
    for position, item in enumerate(header[:MAX_HEADER_LENGTH].split(",")):
        found = _RANGE.match(item)
        if found is None:
            continue
        try:
            quality = float(found.group(2)) if found.group(2) is not None else 1.0
        except ValueError:
            continue
        if 0 < quality <= 1:
            ranges.append((-quality, position, found.group(1)))
    return [tag for _, _, tag in sorted(ranges)]


def negotiate(request) -> str:
    """``en``, ``ru`` or ``zh`` for a Django ``HttpRequest`` (see the module docstring)."""
    value = request.GET.get(LANG_PARAMETER)
    if value is not None:
        return match(value) or CANONICAL
    for tag in accepted(request.headers.get("Accept-Language", "")):
        if tag == "*":
            return CANONICAL
        language = match(tag)
        if language is not None:
            return language
    return CANONICAL


@contextmanager
def speaking(language: str):
    """Activates ``language`` (its gettext catalogue) for the duration."""
    with translation.override(LOCALES[language]):
        yield


def label_response(response, language: str):
    """``Content-Language`` and ``Vary: Accept-Language`` on an API response."""
    response["Content-Language"] = LANGUAGE_TAGS[language]
    patch_vary_headers(response, ["Accept-Language"])
    return response


def in_language(language: str, chunks):
    """A streamed body's chunks, each produced in ``language`` (the view's language is gone by then)."""
    iterator = iter(chunks)
    while True:
        with speaking(language):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


__all__ = ["LANG_PARAMETER", "accepted", "in_language", "label_response", "negotiate", "speaking"]
