"""API tokens in the admin: see, describe and revoke them (keys are never shown)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "description", "state_display", "created", "expires", "last_used")
    list_filter = ("revoked",)
    search_fields = ("prefix", "user__username", "description")
    readonly_fields = ("prefix", "key_hash", "created", "last_used", "revoked")
    fields = ("user", "description", "prefix", "key_hash", "created", "expires", "last_used", "revoked")
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False  # tokens are issued with manage.py issue_token, which shows the key once

    @admin.display(description=_("state"))
    def state_display(self, obj):
        return obj.get_state_display()

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked__isnull=True):
            token.revoke()
            revoked += 1
        message = ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked)
        self.message_user(request, message % {"count": revoked}, messages.SUCCESS)
