"""JSON responses rendered by orjson: the same bytes as DRF's renderer, several times faster.

DRF's ``JSONRenderer`` (compact, unescaped Unicode) goes through the standard library's
encoder; orjson writes the same compact UTF-8. Values orjson does not know natively
(lazy strings, Decimals, datetimes left unserialized...) fall back to DRF's own encoder,
so every value renders as it did before.

``RawJSON`` is JSON text already written (by PostgreSQL, ``api.sql.documents``): it goes
into the response as it is, never parsed and written again.
"""

from __future__ import annotations

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder


class RawJSON:
    """A JSON value already written as text; rendered as it is."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, RawJSON) and other.text == self.text

    def __repr__(self):
        return f"RawJSON({self.text[:60]!r})"


class Encoder(JSONEncoder):
    """DRF's encoder (indented responses), which also reads ``RawJSON``."""

    def default(self, obj):
        if isinstance(obj, RawJSON):
            return orjson.loads(obj.text)
        return super().default(obj)


def _default(obj):
    if isinstance(obj, RawJSON):
        return orjson.Fragment(obj.text)
    return _FALLBACK.default(obj)


def json_text(data) -> str:
    """``data`` as the compact JSON this renderer writes (before escaping the line separators), as text."""
    return orjson.dumps(data, default=_default, option=OPTIONS).decode()


_FALLBACK = JSONEncoder()
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
LINE_SEPARATOR, PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()
LEAD = LINE_SEPARATOR[:1]  # b"\xe2", the first byte of both


class ORJSONRenderer(JSONRenderer):
    """``application/json`` via orjson; indentation requests go to DRF's renderer."""

    encoder_class = Encoder

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        out = orjson.dumps(data, default=_default, option=OPTIONS)
        # Like DRF: escape the two line separators that JavaScript string literals reject. Both start with
        # byte E2: one memchr for it skips the two slower searches of three bytes in most bodies.
        if LEAD in out and (LINE_SEPARATOR in out or PARAGRAPH_SEPARATOR in out):
            out = out.replace(LINE_SEPARATOR, b"\\u2028").replace(PARAGRAPH_SEPARATOR, b"\\u2029")
        return out
