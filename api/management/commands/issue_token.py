"""``manage.py issue_token USERNAME``: create an API token and print its key once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken


class Command(BaseCommand):
    help = "Issue an API token for a user. The key is printed once; only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=None, help="Days until it expires (0: never; default 90).")
        parser.add_argument("--description", default="", help="What the token is for.")

    def handle(self, *args, username, days, description, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if days is not None and days < 0:
            raise CommandError("--days must be 0 (never expires) or more.")
        token, key = ApiToken.issue(user, days=days, description=description)
        expiry = token.expires.isoformat() if token.expires else "never"
        self.stdout.write(f"Token for {username} (expires {expiry}); store it now, it is not shown again:")
        self.stdout.write(key)
