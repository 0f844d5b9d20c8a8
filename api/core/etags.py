"""Conditional requests: ``ETag`` on every record, ``If-None-Match`` reads, ``If-Match`` writes.

A record's ETag is a digest of its full detail representation (the unshaped
``GET`` body) in the response's language, so it changes whenever anything the
client sees changes, nested parties and signatories included, and differs between
languages (a cache keeps each language's copy apart).

* ``GET`` detail answers with the ETag; ``If-None-Match`` naming it gives a 304.
* ``PUT``, ``PATCH`` and ``DELETE`` require ``If-Match`` (428 without it). The
  record is locked (``SELECT ... FOR UPDATE``) before its current ETag is
  computed, so of two writes sent with the same tag exactly one succeeds; the
  other gets a 412 and writes nothing. ``If-Match: *`` matches any current state.
  A tag read in another language matches too: it names the same state of the record.
"""

from __future__ import annotations

import hashlib

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from api.core.exceptions import ApiError
from api.core.languages import speaking
from api.core.prefetch import optimize
from cooperation.localization import LANGUAGES, active_language

WEAK_PREFIX = "W/"
_ENCODER = DjangoJSONEncoder()  # what orjson does not know (Decimal, lazy strings...)


def etag_of(data, language: str | None = None) -> str:
    """A strong ETag for a representation in ``language`` (default: the active one): a digest of both."""
    canonical = orjson.dumps(data, default=_ENCODER.default, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    digest = hashlib.blake2b(canonical, digest_size=16, person=(language or active_language()).encode())
    return '"' + digest.hexdigest() + '"'


def _opaque(tag: str) -> str:
    return tag.removeprefix(WEAK_PREFIX)


def none_match(header: str, etag: str) -> bool:
    """``If-None-Match`` (weak comparison): true when the client's copy is current."""
    tags = parse_etags(header)
    return "*" in tags or _opaque(etag) in {_opaque(tag) for tag in tags}


def if_match(header: str, etag: str) -> bool:
    """``If-Match`` (strong comparison): weak tags never match."""
    tags = parse_etags(header)
    return "*" in tags or etag in {tag for tag in tags if not tag.startswith(WEAK_PREFIX)}


def precondition_error(status_code: int, detail: str) -> ApiError:
    code = "precondition_required" if status_code == 428 else "precondition_failed"
    return ApiError(status_code, code, detail, [{"field": "If-Match", "code": code, "detail": detail}])


class ConditionalReadMixin:
    """Detail ``GET``: an ``ETag`` header, and 304 for ``If-None-Match`` with the current tag."""

    SHAPE_PARAMETERS = ("fields", "omit", "expand")

    def current_representation(self, pk) -> dict:
        """The record's full detail body, read the way ``GET`` reads it."""
        context = {**self.get_serializer_context(), "detail": True, "shape": False}
        serializer = self.get_serializer_class()(context=context)
        instance = optimize(self.queryset.model._default_manager.filter(pk=pk), serializer).get()
        return self.get_serializer_class()(instance, context=context).data

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        data = self.get_serializer(instance).data
        shaped = any(name in request.query_params for name in self.SHAPE_PARAMETERS)
        etag = etag_of(self.current_representation(instance.pk) if shaped else data)
        header = request.headers.get("If-None-Match")
        if header is not None and none_match(header, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})


class ConditionalWriteMixin:
    """``If-Match`` on ``PUT``/``PATCH``/``DELETE``, checked under a row lock; new ETags on writes."""

    LOCKING_METHODS = ("PUT", "PATCH", "DELETE")

    def get_object(self):
        instance = super().get_object()
        if self.request.method in self.LOCKING_METHODS:
            self.check_if_match(instance)
        return instance

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request is not None and self.request.method in self.LOCKING_METHODS:
            # Lock the row itself only: the nullable side of an outer join cannot be locked.
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    def check_if_match(self, instance) -> None:
        """Refuse the write unless ``If-Match`` names the record's current ETag (the row is locked)."""
        header = self.request.headers.get("If-Match")
        if header is None:
            raise precondition_error(
                428, _("This write needs an If-Match header: the ETag from GETting the record (or * for any state).")
            )
        current = etag_of(self.current_representation(instance.pk))
        if not if_match(header, current) and not self._matches_in_another_language(header, instance.pk):
            raise precondition_error(
                412,
                _(
                    "The record has changed since that ETag was issued (If-Match: {given}; current: {current}). "
                    "GET it again, reapply your change and retry."
                ).format(given=header, current=current),
            )

    def _matches_in_another_language(self, header: str, pk) -> bool:
        """Whether ``header`` names the record's current ETag in a language other than the request's."""
        asked = active_language()
        for language in LANGUAGES:
            if language != asked:
                with speaking(language):
                    if if_match(header, etag_of(self.current_representation(pk))):
                        return True
        return False

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        return self._with_etag(response)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        return self._with_etag(response)

    def _with_etag(self, response: Response) -> Response:
        """The written record's new ETag, as a following ``GET`` would give it."""
        pk = response.data.get("id") if isinstance(response.data, dict) else None
        if response.status_code < 300 and pk is not None:
            response["ETag"] = etag_of(self.current_representation(pk))
        return response


__all__ = ["ConditionalReadMixin", "ConditionalWriteMixin", "etag_of"]
