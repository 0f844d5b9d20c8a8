"""``python -m bench.languages``: the agreements list in Russian and Chinese against English.

One API server (the settings of ``bench/run``) on a generated corpus; wrk times the first page of
agreements (50, parties and signatories nested: ``bench/run``'s ``agreements_list``) in English,
then with ``lang=ru`` and ``lang=zh``, in ``--rounds`` alternating rounds, as ``bench/run`` compares
the API with its baseline (this machine's speed drifts; alternating shares a slow spell). Prints
each round's req/s and, as the last line, a JSON object with the localized / English ratios (total
requests over total time on each side) and each round's.

    python -m bench.languages --agreements 10000 --database bench_10k_languages --port 18510
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bench.corpus import ensure_corpus, log
from bench.env import django_env
from bench.results import combine
from bench.server import Gunicorn
from bench.wrk import ensure_wrk, run_load

PAGE = "/api/v1/agreements/"
LANGUAGES = ("ru", "zh")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=10000, help="corpus size (default 10000)")
    parser.add_argument("--database", help="the corpus database (default bench_<size>, as bench/run's)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds (default 4)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per round and side (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--port", type=int, help="the API's port (default: a free one)")
    args = parser.parse_args(argv)

    url = ensure_corpus(args.agreements, name=args.database)
    wrk = ensure_wrk()
    paths = {"en": PAGE, **{lang: f"{PAGE}?lang={lang}" for lang in LANGUAGES}}
    runs: dict[str, list] = {lang: [] for lang in paths}
    with tempfile.TemporaryDirectory() as logs:
        server = Gunicorn("config.wsgi:application", django_env(url), Path(logs) / "api.log", "/api/v1/")
        if args.port:
            server.port, server.base_url = args.port, f"http://127.0.0.1:{args.port}"
        with server:
            for path in paths.values():  # warm up: compile each language's statement, fill the caches
                run_load(wrk, server.base_url, [path], duration_s=2, connections=args.connections)
            for round_ in range(args.rounds):
                for lang, path in paths.items():
                    result = run_load(
                        wrk, server.base_url, [path], duration_s=args.duration, connections=args.connections
                    )
                    if result.failed:
                        log(f"{path}: errors ({result.error_text()}); the figures are not valid")
                        return 2
                    runs[lang].append(result)
                    log(f"round {round_ + 1} {lang}: {result.rps:.1f} req/s, p50 {result.p50_ms:.1f} ms")
    english = combine(runs["en"])
    summary = {
        "agreements": args.agreements,
        "rps": {lang: round(combine(results).rps, 1) for lang, results in runs.items()},
        "p50_ms": {lang: round(combine(results).p50_ms, 2) for lang, results in runs.items()},
    }
    for lang in LANGUAGES:
        summary[f"{lang}_vs_en"] = round(combine(runs[lang]).rps / english.rps, 3)
        summary[f"{lang}_vs_en_rounds"] = [round(a.rps / b.rps, 3) for a, b in zip(runs[lang], runs["en"], strict=True)]
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
