"""JSON bodies with a size limit (413 above ``DATA_UPLOAD_MAX_MEMORY_SIZE``) and a depth limit."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from api.core.exceptions import PayloadTooLarge

MAX_DEPTH = 32


def _depth(value, limit: int) -> int:
    """Nesting depth of parsed JSON, without recursion (deep bodies are the attack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(limit)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(limit)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(
                _("The body is not valid UTF-8: {reason} at byte {position}.").format(
                    reason=exc.reason, position=exc.start
                )
            ) from None
        if "\x00" in text:
            raise ParseError(_("The body contains a NUL character."))
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("Malformed JSON: {error}").format(error=exc)) from None
        if _depth(data, MAX_DEPTH) > MAX_DEPTH:
            raise ParseError(_("The JSON body is nested deeper than {levels} levels.").format(levels=MAX_DEPTH))
        return data


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
