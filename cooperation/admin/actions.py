"""Admin actions curators need: mark agreements expired, export the selected rows to CSV."""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.contrib.admin.utils import label_for_field, lookup_field
from django.http import HttpResponse
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


@admin.action(description=_("Export selected rows to CSV"), permissions=["view"])
def export_csv(modeladmin, request, queryset):
    """The changelist's columns, for the selected rows."""
    columns = [c for c in modeladmin.get_list_display(request) if c != "action_checkbox"]
    opts = modeladmin.model._meta
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{opts.model_name}-export.csv"'
    writer = csv.writer(response)
    writer.writerow([strip_tags(str(label_for_field(c, modeladmin.model, modeladmin))) for c in columns])
    for obj in queryset:
        row = []
        for column in columns:
            _, _, value = lookup_field(column, obj, modeladmin)
            row.append("" if value is None else strip_tags(str(value)))
        writer.writerow(row)
    return response


@admin.action(description=_("Mark selected agreements expired"), permissions=["change"])
def mark_expired(modeladmin, request, queryset):
    """Set status to expired, one by one so validation and history see each change."""
    from cooperation.models import Agreement

    changed = 0
    for agreement in queryset.exclude(status=Agreement.Status.EXPIRED):
        agreement.status = Agreement.Status.EXPIRED
        agreement.full_clean()
        agreement.save()
        changed += 1
    message = ngettext("%(count)d agreement marked expired.", "%(count)d agreements marked expired.", changed)
    modeladmin.message_user(request, message % {"count": changed}, messages.SUCCESS)
