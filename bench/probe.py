"""``python -m bench.probe``: facts about a benchmark database, as one JSON line on stdout.

Run as a subprocess with the bench database in ``DATABASE_URL`` (``bench.env.django_env``).
It picks the scenario parameters from the data (never hard-coded records) and
counts the SQL queries of the agreements list in-process with
``CaptureQueriesContext``, after one warm-up request.
"""

from __future__ import annotations

import json
import os


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def busiest_parties(n: int) -> list[str]:
    """Slugs of the ``n`` organizations that are a party to the most agreements (ties by slug)."""
    from django.db.models import Count

    from cooperation.models import AgreementParty

    rows = (
        AgreementParty.objects.filter(role=AgreementParty.Role.PARTY)
        .values("organization__slug")
        .annotate(n=Count("id"))
        .order_by("-n", "organization__slug")[:n]
    )
    return [row["organization__slug"] for row in rows]


def spread_agreements(n: int) -> list[str]:
    """Slugs of ``n`` agreements spread evenly over the id range."""
    from cooperation.models import Agreement

    ids = Agreement.objects.order_by("id").values_list("id", flat=True)
    total = ids.count()
    wanted = {ids[i * total // n] for i in range(min(n, total))}
    return list(Agreement.objects.filter(id__in=wanted).order_by("id").values_list("slug", flat=True))


def spread(model_name: str, n: int, **filters) -> list[str]:
    """Slugs of ``n`` records of a cooperation model spread evenly over the id range."""
    from django.apps import apps

    model = apps.get_model("cooperation", model_name)
    ids = list(model.objects.filter(**filters).order_by("id").values_list("id", flat=True))
    wanted = {ids[i * len(ids) // n] for i in range(min(n, len(ids)))}
    return list(model.objects.filter(id__in=wanted).order_by("id").values_list("slug", flat=True))


def busiest_mission() -> str | None:
    """The slug of the mission with the most milestone claims (ties by slug)."""
    from django.db.models import Count

    from cooperation.models import Mission

    row = Mission.objects.annotate(n=Count("milestones")).order_by("-n", "slug").values_list("slug", flat=True).first()
    return row


def curator_token() -> str:
    """A curator's API token for the scenarios that need a role (the change log); a new one each run."""
    from io import StringIO

    from django.core.management import call_command

    call_command("createcurator", "bench-curator", "--password", "bench-only-no-login", stdout=StringIO())
    out = StringIO()
    call_command("issue_token", "bench-curator", "--days", "1", "--description", "bench/run", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def queries_per_list(page_sizes: tuple[int, ...]) -> dict[str, int]:
    """SQL queries one ``GET /api/v1/agreements/?limit=N`` runs, per page size."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for size in page_sizes:
        url = f"/api/v1/agreements/?limit={size}"
        client.get(url)  # warm-up: one-time lookups are not the steady state
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
        counts[str(size)] = len(ctx.captured_queries)
    return counts


def deep_cursor(position: int) -> str:
    """The cursor after the agreement at ``position`` (0-based) in the default ordering, as page links carry it."""
    from api.core.cursors import cursor_at, ordering_terms
    from api.views.agreements import AgreementViewSet
    from cooperation.models import Agreement

    queryset = Agreement.objects.order_by(*AgreementViewSet.ordering, "id")  # as StrictOrderingFilter orders it
    terms = ordering_terms(queryset)
    row = queryset.values_list(*(term.name for term in terms))[max(0, position)]
    return cursor_at(terms, row, backward=False).token


def main() -> None:
    setup_django()
    from cooperation.corpus import RU, WORDS, ZH
    from cooperation.models import Agreement, Mission

    print(
        json.dumps(
            {
                "agreements": Agreement.objects.count(),
                "missions": Mission.objects.count(),
                "parties": busiest_parties(10),
                "agreement_slugs": spread_agreements(20),
                "organization_slugs": spread("Organization", 5),
                "person_slugs": spread("Person", 5),
                "mission_slugs": spread("Mission", 5),
                "source_slugs": spread("Source", 5),
                "busiest_mission": busiest_mission(),
                "curator_token": curator_token(),
                "words": WORDS[:4] + RU[:1],
                "search_queries": WORDS + RU + ZH,  # every word of the corpus's vocabulary, for a varied rotation
                "queries_per_list": queries_per_list((10, 100)),
                "deep_cursor": deep_cursor(Agreement.objects.count() - 101),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
