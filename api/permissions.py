"""Anyone may read; writes need a role: curator (all), editor (no delete), reader (none)."""

from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly


class RolePermission(DjangoModelPermissionsOrAnonReadOnly):
    """Model permissions from the user's groups (see ``cooperation.roles``); reads are open."""
