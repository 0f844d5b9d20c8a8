"""Django's model permissions, with a user's own and role (group) permissions read in one statement."""

from __future__ import annotations

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from cooperation.compiled_queries import CompiledQuery


def _permissions(user_id):
    """A user's own and role permissions, as ``(app_label, codename)`` rows."""
    own = get_user_model().user_permissions.through.objects.filter(user_id=user_id)
    roles = Group.permissions.through.objects.filter(group__user=user_id)
    granted = Q(pk__in=own.values("permission_id")) | Q(pk__in=roles.values("permission_id"))
    return Permission.objects.filter(granted).values_list("content_type__app_label", "codename").order_by()


PERMISSIONS = CompiledQuery(_permissions, -719_283_746)  # compiled once: building it cost more than running it


class ModelBackend(backends.ModelBackend):
    """``django.contrib.auth.backends.ModelBackend``, one query for every permission of a user.

    Django's backend asks twice (the user's own permissions, then its groups'); every
    request authenticated by a token builds a new user, so a role check cost both
    queries each time. The answer is the same set, cached on the user the same way; the
    statement is compiled once (``CompiledQuery``) and, on PostgreSQL, prepared.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            rows = PERMISSIONS.rows(Permission, user_obj.pk)
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
