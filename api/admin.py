"""API tokens in the admin: see, describe and revoke them (keys are never shown)."""

from django.contrib import admin

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "description", "state", "created", "expires", "last_used")
    list_filter = ("revoked",)
    search_fields = ("prefix", "user__username", "description")
    readonly_fields = ("prefix", "key_hash", "created", "last_used", "revoked")
    fields = ("user", "description", "prefix", "key_hash", "created", "expires", "last_used", "revoked")
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False  # tokens are issued with manage.py issue_token, which shows the key once

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            token.revoke()
