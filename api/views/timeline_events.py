"""Timeline events as response data, written directly: the same values as ``TimelineEventSerializer``.

A page of 50 events names the same few organizations, agreements and sources again and again; DRF's
serializer walks a field object per value and builds each record's brief form every time it appears.
``EventWriter`` builds plain dicts instead and each record's brief form once per request.
``tests/api/test_timeline_writer.py`` holds it to the serializer's output for every kind, filter and language.
"""

from __future__ import annotations

from api.core.fields import brief, partial_date_data
from cooperation.selectors.timeline import RECORD_TYPES, Event

MEMO = 5000  # brief forms kept at most (a CSV export streams every event through one writer)


class EventWriter:
    """Writes events as this request shows them: ``fields`` is the serializer's fields, in order,
    after ``fields``/``omit`` (the serializer validates those parameters)."""

    def __init__(self, request, fields):
        self.request = request
        self.fields = tuple(fields)
        self._briefs: dict[tuple[type, int], dict] = {}
        self._records: dict[tuple[type, int], dict] = {}

    def brief(self, obj) -> dict | None:
        if obj is None:
            return None
        key = (type(obj), obj.pk)
        found = self._briefs.get(key)
        if found is None:
            if len(self._briefs) >= MEMO:
                self._briefs.clear()
            found = self._briefs[key] = brief(obj, self.request)
        return found

    def record(self, obj) -> dict:
        key = (type(obj), obj.pk)
        found = self._records.get(key)
        if found is None:
            if len(self._records) >= MEMO:
                self._records.clear()
            found = self._records[key] = {"type": RECORD_TYPES[type(obj)], **self.brief(obj)}
        return found

    def write(self, event: Event) -> dict:
        """The event's data (fresh containers: a record's brief form is shared, never mutated)."""
        return {name: getattr(self, f"_{name}")(event) for name in self.fields}

    def write_all(self, events) -> list[dict]:
        return [self.write(event) for event in events]

    # One method per field, named after it.

    def _id(self, event: Event):
        return event.id

    def _kind(self, event: Event):
        return str(event.kind)

    def _date(self, event: Event):
        return partial_date_data(event.date)

    def _title(self, event: Event):
        return str(event.title)

    def _subject(self, event: Event):
        return self.record(event.subject)

    def _record(self, event: Event):
        return self.record(event.record)

    def _organizations(self, event: Event):
        return [self.brief(org) for org in event.organizations]

    def _status(self, event: Event):
        return None if event.status is None else str(event.status)

    def _milestone_kind(self, event: Event):
        return None if event.milestone_kind is None else str(event.milestone_kind)

    def _is_current(self, event: Event):
        return None if event.is_current is None else bool(event.is_current)

    def _window_end(self, event: Event):
        return partial_date_data(event.window_end)

    def _claims(self, event: Event):
        return [self.record(claim) for claim in event.claims]

    def _citations(self, event: Event):
        return [
            {"source": self.brief(c.source), "field": str(c.field), "locator": str(c.locator)} for c in event.citations
        ]
