"""Django's model permissions, with a user's own and role (group) permissions read in one statement."""

from __future__ import annotations

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q


class ModelBackend(backends.ModelBackend):
    """``django.contrib.auth.backends.ModelBackend``, one query for every permission of a user.

    Django's backend asks twice (the user's own permissions, then its groups'); every
    request authenticated by a token builds a new user, so a role check cost both
    queries each time. The answer is the same set, cached on the user the same way.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            own = get_user_model().user_permissions.through.objects.filter(user_id=user_obj.pk)
            roles = Group.permissions.through.objects.filter(group__user=user_obj.pk)
            granted = Q(pk__in=own.values("permission_id")) | Q(pk__in=roles.values("permission_id"))
            rows = Permission.objects.filter(granted).values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
