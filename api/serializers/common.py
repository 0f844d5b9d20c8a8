"""Nested read-only shapes reused by several resources: citations, labels, country codes."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_countries import countries
from rest_framework import serializers

from api.core.fields import BriefRelatedField
from cooperation.models import Citation, Label, Source


class CitationBriefSerializer(serializers.ModelSerializer):
    """A citation as shown inside the record it supports."""

    source = BriefRelatedField(read_only=True)

    class Meta:
        model = Citation
        fields = ("id", "source", "field", "locator", "quote", "claim", "note")
        read_only_fields = fields


class LabelBriefSerializer(serializers.ModelSerializer):
    """A name in one language, as shown inside the record it names."""

    source = BriefRelatedField(read_only=True)

    class Meta:
        model = Label
        fields = ("id", "language", "kind", "text", "source", "note")
        read_only_fields = fields


class CountryCodesField(serializers.ListField):
    """ISO 3166-1 alpha-2 codes, upper case, e.g. ["RU"]."""

    child = serializers.ChoiceField(choices=[code for code, _ in countries])

    def to_representation(self, data):
        return [getattr(country, "code", country) for country in data]

    def to_internal_value(self, data):
        codes = super().to_internal_value(data)
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise serializers.ValidationError(
                _("Duplicate country codes: {codes}.").format(codes=", ".join(duplicates))
            )
        return codes


__all__ = ["CitationBriefSerializer", "CountryCodesField", "LabelBriefSerializer", "Source"]
