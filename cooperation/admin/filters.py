"""Changelist filters that Django does not provide out of the box."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_countries import countries


class CountryFilter(admin.SimpleListFilter):
    """Organizations by one of their ISO 3166-1 countries (only countries in use are offered)."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        used = set()
        for value in model_admin.get_queryset(request).values_list("countries", flat=True):
            used.update(code for code in str(value).split(",") if code)
        return [(code, f"{code} — {countries.name(code)}") for code in sorted(used)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(countries__contains=self.value())
        return queryset


class CitedSourceFilter(admin.SimpleListFilter):
    """Records citing a given source."""

    title = _("cited source")
    parameter_name = "cited_source"

    def lookups(self, request, model_admin):
        from cooperation.models import Source

        return list(Source.objects.values_list("slug", "slug"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(citations__source__slug=self.value()).distinct()
        return queryset
