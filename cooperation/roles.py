"""Curator roles as Django groups: curator (everything), editor (no deletes), reader (read only)."""

from __future__ import annotations

ROLE_ACTIONS = {
    "curator": ("add", "change", "delete", "view"),
    "editor": ("add", "change", "view"),
    "reader": ("view",),
}
ROLE_APPS = ("cooperation",)


def sync_roles(apps=None, verbosity: int = 0) -> dict[str, int]:
    """Create the groups and give them exactly their permissions; safe to run again."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    from django.contrib.auth.management import create_permissions

    for label in ROLE_APPS:
        config = apps.get_app_config(label)
        if not getattr(config, "models_module", None):  # a migration state stub
            config.models_module = True
        create_permissions(config, apps=apps, verbosity=verbosity)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    counts = {}
    for role, actions in ROLE_ACTIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = permission_model.objects.filter(
            content_type__app_label__in=ROLE_APPS, codename__regex=rf"^({'|'.join(actions)})_"
        )
        group.permissions.set(wanted)
        counts[role] = wanted.count()
    return counts
