"""Sources: their FilterSets."""

from __future__ import annotations

import django_filters

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
            # The document's address is ``web_url`` in the API (``url`` is the record's own).
            "web_url": django_filters.CharFilter(field_name="url", help_text="The document's address, exactly."),
            "web_url__ic": django_filters.CharFilter(
                field_name="url", lookup_expr="icontains", help_text="The document's address contains this."
            ),
            **related_filters("cites_for_agreement", "citations__agreement", Agreement, label="agreement cited"),
        }
