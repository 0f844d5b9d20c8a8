"""Anyone may read the registry; writes need a role: curator (all), editor (no delete), reader (none).

The change log is different: it names who changed what, so reading it needs a role too.
"""

from rest_framework.permissions import BasePermission, DjangoModelPermissionsOrAnonReadOnly


class RolePermission(DjangoModelPermissionsOrAnonReadOnly):
    """Model permissions from the user's groups (see ``cooperation.roles``); reads are open."""

    def _queryset(self, view):
        # Only the model matters here; the view's get_queryset() would plan its prefetches.
        return view.queryset if getattr(view, "queryset", None) is not None else super()._queryset(view)


class ChangeLogPermission(BasePermission):
    """Reading the change log needs an authenticated user with a role (reader, editor or curator).

    Every role has the ``history.view_changerecord`` permission (``cooperation.roles``);
    anonymous requests get a 401, users without a role a 403.
    """

    protects_reads = True  # documented in the schema: reads carry a security requirement, 401 and 403
    permission = "history.view_changerecord"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(self.permission))
