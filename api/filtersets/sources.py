"""Sources: their FilterSets."""

from __future__ import annotations

from api.filtersets.base import CHOICE, SLUG, TEXT, ResourceFilterSet, partial_date_filters, related_filters
from cooperation.models import (
    Agreement,
    Source,
)


class SourceFilterSet(ResourceFilterSet):
    class Meta(ResourceFilterSet.Meta):
        model = Source
        lookups = {
            "slug": SLUG, "kind": CHOICE, "tier": CHOICE, "language": CHOICE, "publisher": TEXT, "author": TEXT,
            "title": ["ic"], "published_on_precision": CHOICE,
        }  # fmt: skip
        extra = {
            **partial_date_filters("published_on"),
            **related_filters("cites_for_agreement", "citations__agreement", Agreement, label="agreement cited"),
        }
