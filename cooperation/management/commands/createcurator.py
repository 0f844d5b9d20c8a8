"""``manage.py createcurator USERNAME``: a staff user with a curator (or editor/reader) role."""

import getpass
import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from cooperation.roles import ROLE_ACTIONS, sync_roles


class Command(BaseCommand):
    help = "Create (or update) a staff user in the curator, editor or reader group, for the admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLE_ACTIONS), default="curator")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password",
            help="The password; default: $CURATOR_PASSWORD, else a prompt, else a generated one (printed once).",
        )

    def handle(self, *args, username, role, email, password, **options):
        sync_roles()
        password = password or os.environ.get("CURATOR_PASSWORD") or self._ask_password()
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(username=username, defaults={"email": email})
        user.is_staff = True
        if email:
            user.email = email
        if password:
            user.set_password(password)
        elif created:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            self.stdout.write(f"Generated password (shown once): {password}")
        user.save()
        user.groups.remove(*Group.objects.filter(name__in=ROLE_ACTIONS).exclude(name=role))
        user.groups.add(Group.objects.get(name=role))
        self.stdout.write(self.style.SUCCESS(f"{'Created' if created else 'Updated'} {role} {username}."))

    def _ask_password(self) -> str | None:
        if not os.isatty(0):
            return None
        first = getpass.getpass("Password: ")
        if first and first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return first or None
