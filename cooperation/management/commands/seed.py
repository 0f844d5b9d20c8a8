"""``manage.py seed``: load the curated fixtures, idempotently and atomically."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cooperation.seeding import CREATED, UNCHANGED, UPDATED, FixtureError, seed


class Command(BaseCommand):
    help = "Load the seed fixtures (fixtures/*.yaml, in name order). Safe to run twice; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="Fixture files to load instead of fixtures/*.yaml.")

    def handle(self, *args, paths, verbosity, **options):
        try:
            report = seed(paths or None)
        except FixtureError as exc:
            raise CommandError(f"Seed failed, nothing was written. {exc}") from exc
        if verbosity >= 2:
            for line in report.lines():
                self.stdout.write(line)
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seed loaded: {report.total(CREATED)} created, {report.total(UPDATED)} updated, "
                    f"{report.total(UNCHANGED)} unchanged."
                )
            )
