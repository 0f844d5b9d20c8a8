"""Curator roles as Django groups: curator (everything), editor (no deletes), reader (read only).

Every role may also read the change history (the ``history`` app: historical
records and the change log); nobody may add, change or delete it, since only the
application writes it.
"""

from __future__ import annotations

from django.db.models import Q

ROLE_ACTIONS = {
    "curator": ("add", "change", "delete", "view"),
    "editor": ("add", "change", "view"),
    "reader": ("view",),
}
ROLE_APPS = ("cooperation",)
READ_ONLY_APPS = ("history",)


def sync_roles(apps=None, verbosity: int = 0) -> dict[str, int]:
    """Create the groups and give them exactly their permissions; safe to run again."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    from django.contrib.auth.management import create_permissions

    for label in (*ROLE_APPS, *READ_ONLY_APPS):
        try:
            config = apps.get_app_config(label)
        except LookupError:  # a migration state from before the app had models
            continue
        if not getattr(config, "models_module", None):  # a migration state stub
            config.models_module = True
        create_permissions(config, apps=apps, verbosity=verbosity)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    counts = {}
    for role, actions in ROLE_ACTIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = permission_model.objects.filter(
            Q(content_type__app_label__in=ROLE_APPS, codename__regex=rf"^({'|'.join(actions)})_")
            | Q(content_type__app_label__in=READ_ONLY_APPS, codename__startswith="view_")
        )
        group.permissions.set(wanted)
        counts[role] = wanted.count()
    return counts
