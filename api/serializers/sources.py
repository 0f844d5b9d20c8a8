"""Sources: the documents facts are cited from."""

from api.core.fields import PartialDateField, StrictURLField
from api.serializers.base import ResourceSerializer
from cooperation.models import Source


class SourceSerializer(ResourceSerializer):
    """A document that facts are cited from, with its publisher, date, kind and tier."""

    web_url = StrictURLField(source="url", allow_blank=True, required=False, help_text="The document's address.")
    published_on = PartialDateField("published_on")

    class Meta(ResourceSerializer.Meta):
        model = Source
        fields = (
            "id", "url", "display", "slug", "title", "publisher", "author", "web_url", "published_on",
            "kind", "tier", "language", "document", "notes", "created", "last_updated",
        )  # fmt: skip
