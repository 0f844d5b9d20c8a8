"""``manage.py revoke_token PREFIX``: revoke tokens by the first characters of their key."""

from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken


class Command(BaseCommand):
    help = "Revoke the API token(s) whose key starts with PREFIX (8 characters, as shown in the admin)."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, prefix, **options):
        tokens = list(ApiToken.objects.filter(prefix=prefix[:8], revoked__isnull=True))
        if not tokens:
            raise CommandError(f"No active token with prefix {prefix!r}.")
        for token in tokens:
            token.revoke()
        self.stdout.write(f"Revoked {len(tokens)} token(s).")
