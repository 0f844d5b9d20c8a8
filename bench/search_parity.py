"""Global search responses of one code version, to compare with another's on the same corpus.

    .venv/bin/python -m bench.search_parity dump <database> <out.jsonl> [--repeat 3]
    .venv/bin/python -m bench.search_parity compare <before.jsonl> <after.jsonl>

``dump`` requests 300 search URLs derived from the corpus (seeded: the same URLs for every
code version on the same data): corpus words in three languages, whole names, their first
two words, parts of words, typos, type filters, pages and field selections, one in seven in
Russian. ``--repeat`` sends each several times (on PostgreSQL a repeated search runs a
prepared plan). ``compare`` holds every response whose count was exact (``count_exact``)
byte-identical, and a capped one capped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from urllib.parse import urlencode

URLS = 300
TYPES = ["organization", "person", "agreement", "mission", "source"]


def _urls() -> list[str]:
    from cooperation.corpus import RU, WORDS, ZH
    from cooperation.models import Agreement, Mission, Organization, Person, Source

    rng = random.Random(14)
    names = []
    for model, field in (
        (Organization, "name"),
        (Person, "name"),
        (Mission, "name"),
        (Agreement, "title"),
        (Source, "title"),
    ):
        ids = list(model.objects.order_by("id").values_list("id", flat=True)[:5000])
        for pk in rng.sample(ids, min(12, len(ids))):
            names.append(getattr(model.objects.get(pk=pk), field))
    queries = [*WORDS, *RU, *ZH, "Рогозин", "Rogozn", "Dmitriy Rogozin", "Chang'e 7", "a", "zzzq"]
    queries += ["memorandum deep space", "agreements", "luna resurs", "roscosmos"]
    for name in names:
        words = name.split()
        word = rng.choice(words)
        queries += [name, " ".join(words[:2]), word[1:-1] if len(word) > 4 else word]
        if len(word) >= 5:
            cut = rng.randrange(1, len(word) - 1)
            queries.append(word[:cut] + word[cut + 1 :])
    urls = []
    for query in queries:
        params, draw = {"q": query}, rng.random()
        if draw < 0.2:
            params["type__in"] = ",".join(rng.sample(TYPES, rng.randint(1, 3)))
        elif draw < 0.35:
            params["limit"], params["offset"] = str(rng.choice([1, 5, 100, 1000])), str(rng.choice([0, 3, 40, 180]))
        elif draw < 0.4:
            params["fields"] = "type,slug,score,snippet"
        urls.append("/api/v1/search/?" + urlencode(params))
    while len(urls) < URLS:
        params = {"q": rng.choice(WORDS + RU), "offset": str(rng.randrange(0, 300)), "limit": "20"}
        urls.append("/api/v1/search/?" + urlencode(params))
    return urls[:URLS]


def dump(database: str, out: str, repeat: int) -> None:
    from bench.env import database_url, django_env

    os.environ.update(django_env(database_url(database)))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    with open(out, "w") as file:
        for i, url in enumerate(_urls()):
            language = "ru" if i % 7 == 3 else "en"
            for _ in range(repeat):
                response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
                row = {
                    "url": url,
                    "language": language,
                    "status": response.status_code,
                    "body": response.content.decode(),
                }
                file.write(json.dumps(row, ensure_ascii=False) + "\n")


def compare(before: str, after: str) -> int:
    """Each response of ``after`` against the first of ``before`` for the same request (repeats may differ)."""
    with open(before) as file:
        old = {}
        for line in file:
            row = json.loads(line)
            old.setdefault((row["url"], row["language"]), row)
    exact = capped = capped_same = wrong = 0
    with open(after) as file:
        new = [json.loads(line) for line in file]
    for b in new:
        a = old.get((b["url"], b["language"]))
        if a is None:
            print("not requested before:", b["url"])
            return 2
        if a["status"] != 200 or json.loads(a["body"])["count_exact"]:
            exact += 1
            if (a["status"], a["body"]) != (b["status"], b["body"]):
                wrong += 1
                print("differs (exact count):", a["url"])
        else:
            capped += 1
            capped_same += a["body"] == b["body"]
            if b["status"] != 200 or json.loads(b["body"])["count_exact"] is not False:
                wrong += 1
                print("no longer capped:", a["url"])
    print(
        f"{len(new)} responses to {len(old)} requests: {exact} with an exact count ({exact - wrong} identical), "
        f"{capped} capped ({capped_same} identical); {wrong} wrong"
    )
    return 1 if wrong else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump")
    dumping.add_argument("database")
    dumping.add_argument("out")
    dumping.add_argument("--repeat", type=int, default=1)
    comparing = commands.add_parser("compare")
    comparing.add_argument("before")
    comparing.add_argument("after")
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.database, args.out, args.repeat)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
