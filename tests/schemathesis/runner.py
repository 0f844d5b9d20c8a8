"""Schemathesis on the committed schema (``openapi.yaml``) against a live server.

1. A fresh database, migrated and seeded: a SQLite file in a temporary directory, or the
   PostgreSQL database named by ``--database-url`` (dropped and created again).
2. A curator and an API token for it, so that writes are exercised too.
3. gunicorn on a free loopback port with production settings (``DJANGO_DEBUG=0``) and
   throttles out of reach, so no answer is a 429.
4. ``schemathesis run`` with ``tests/schemathesis/schemathesis.toml``, plus dictionaries of the
   records the database holds (``references.py``), so generated writes name records that
   exist; its exit status is ours.

The seed changes with every commit (the first 8 hex digits of ``git rev-parse HEAD``; the
date where there is no git), so each CI run explores new ground, and is printed first:
``--seed N`` replays a run. Schemathesis's output goes to ``output.txt`` in the report
directory and to the console, except its pytest-style closing banner: the runner closes
with its own summary in plain words instead (CI reads the log's last pytest-style line as
the test count, which must stay the pytest runs').

The server is stopped and the temporary files removed however the run ends.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.env import django_env  # the production-like, never-throttled environment bench/ uses
from bench.server import THREADS, WORKERS, Gunicorn

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = Path(__file__).resolve().parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
CONFIG = HERE / "schemathesis.toml"
SCHEMA = ROOT / "openapi.yaml"
USERNAME = "schemathesis"


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="tests/schemathesis/run",
        description=__doc__.split("\n\n")[0],
        epilog="Arguments after `--` go to `schemathesis run` as they are (e.g. -- --max-examples 5 --seed 1).",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SCHEMATHESIS_DATABASE_URL", ""),
        help="A PostgreSQL database to DROP and create again for the run (default: $SCHEMATHESIS_DATABASE_URL, "
        "else a SQLite file in a temporary directory).",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="Replay a run with this seed (default: derived from the commit, else from the date).",
    )
    parser.add_argument(
        "--no-references",
        action="store_true",
        help="Leave out the dictionaries of existing records (references.py): the schema alone drives generation.",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=ROOT / "artifacts" / "schemathesis",
        help="JUnit report and server log (default: artifacts/schemathesis).",
    )
    args, extra = parser.parse_known_args(argv)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    if any(arg == "--seed" or arg.startswith("--seed=") for arg in extra):
        parser.error("give the seed as the runner's own --seed N (it is printed first and replayed from there)")
    return args, extra


def derive_seed() -> tuple[int, str]:
    """A seed that changes with every commit (the date outside a git checkout), and where it came from."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        return int(commit[:8], 16), f"commit {commit[:12]}"
    except (OSError, subprocess.SubprocessError, ValueError):
        today = dt.datetime.now(dt.UTC).date()
        return int(today.strftime("%Y%m%d")), f"date {today.isoformat()}"


BANNER = re.compile(r"^=+ (.*) =+$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_schemathesis(command: list[str], output_path: Path, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Run schemathesis: every line to ``output_path``; to the console too, but banners as plain headings.

    Its closing banner (``=== 2 warnings in 180.03s ===``) is left out of the console: the
    runner's own summary closes the step.
    """
    lines = []
    with output_path.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in process.stdout:
            output.write(line)
            plain = ANSI.sub("", line.rstrip("\n"))
            lines.append(plain)
            banner = BANNER.match(plain.strip())
            if banner is None:
                print(line, end="", flush=True)
            elif not re.search(r"\bin [0-9.]+s\b", banner[1]):
                print(f"-- {banner[1].strip()} --", flush=True)
        status = process.wait()
    return status, lines


def reached_writes(path: Path) -> str | None:
    """How many writes each phase carried out, and the write operations none did (the hooks' report).

    ``writes carried out (2xx): 40 of 52 in examples, 812 of 1540 in fuzzing; none in any phase for
    2 of 56 write operations (PUT /api/v1/relations/{id}/, ...)``
    """
    try:
        counts = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    phases: dict[str, tuple[int, int]] = {}
    carried_out: dict[str, bool] = {}
    for key, count in counts.items():
        phase, operation, outcome = key.split("|")
        done, sent = phases.get(phase, (0, 0))
        phases[phase] = (done + (count if outcome == "2xx" else 0), sent + count)
        carried_out[operation] = carried_out.get(operation, False) or outcome == "2xx"
    if not phases:
        return None
    order = {"examples": 0, "coverage": 1, "fuzzing": 2, "stateful": 3}
    parts = [
        f"{done} of {sent} in {phase}"
        for phase, (done, sent) in sorted(phases.items(), key=lambda p: order.get(p[0], 4))
    ]
    never = sorted(operation for operation, done in carried_out.items() if not done)
    listed = f" ({', '.join(never)})" if never else ""
    return (
        f"writes carried out (2xx): {', '.join(parts)}; none in any phase for {len(never)} of "
        f"{len(carried_out)} write operations{listed}"
    )


def summary(
    status: int, lines: list[str], seed: int, took_s: float, output_path: Path, reach: str | None = None
) -> str:
    """The step's closing words: the outcome, the warnings by name, and how to replay it."""
    warnings = sorted({m[1] for line in lines if (m := re.match(r"\s*⚠️?\s*([A-Z][a-z ]+): \d+ operations", line))})
    mismatch = next(
        (m[1] for line in lines if (m := re.match(r"\s*⚠️?\s*Schema validation mismatch: (\d+) operations", line))),
        None,
    )
    outcome = "found no failures" if status == 0 else f"FAILED (exit status {status})"
    details = [f"seed {seed}", f"took {took_s / 60:.1f} min"]
    if warnings:
        details.append("warnings: " + ", ".join(w.lower() for w in warnings))
    if mismatch is not None:
        details.append(f"schema validation mismatch on {mismatch} operations")
    if reach:
        details.append(reach)
    return (
        f"Schemathesis {outcome} ({'; '.join(details)}). "
        f"Full output: {output_path}. Replay: tests/schemathesis/run --seed {seed}"
    )


def recreate_postgres_database(url: str) -> None:
    """DROP (ending its sessions) and CREATE the database ``url`` names, through the ``postgres`` database."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    settings = dj_database_url.parse(url)
    if settings["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit(f"--database-url must be a PostgreSQL URL, got {url!r}")
    name = settings["NAME"]
    connection = psycopg.connect(
        dbname="postgres",
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    )
    with connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def prepare_database(env: dict[str, str]) -> str:
    """Migrate, seed, create the curator; return a fresh token key for it."""
    manage(env, "migrate", "--noinput", "-v", "0")
    print(manage(env, "seed").strip())
    # "--password=...": a token may start with "-", which argparse would read as an option.
    manage(env, "createcurator", USERNAME, f"--password={secrets.token_urlsafe(24)}")
    output = manage(env, "issue_token", USERNAME, "--days", "1", "--description", "schemathesis run")
    return output.strip().splitlines()[-1]


def write_config(env: dict[str, str], path: Path) -> Path:
    """``schemathesis.toml`` plus dictionaries of the records the seeded database holds (``references.py``)."""
    result = subprocess.run(
        [PYTHON, "-m", "tests.schemathesis.references"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"tests.schemathesis.references failed ({result.returncode}):\n{result.stderr}")
    generated = "# Generated by tests/schemathesis/references.py from the seeded database.\n" + result.stdout
    path.write_text(CONFIG.read_text(encoding="utf-8") + "\n" + generated, encoding="utf-8")
    bound = result.stdout.count("[[operations]]")
    print(f"References: existing records bound in the requests of {bound} resources ({path})", flush=True)
    return path


def _stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    args, extra = parse_args(argv)
    seed, origin = (args.seed, "--seed") if args.seed is not None else derive_seed()
    print(f"Schemathesis seed: {seed} (from {origin}); replay with: tests/schemathesis/run --seed {seed}", flush=True)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    args.report_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as scratch:
        if args.database_url:
            database_url = args.database_url
            recreate_postgres_database(database_url)
        else:
            database_url = f"sqlite:///{Path(scratch) / 'registry.sqlite3'}"
        print(f"Database: {database_url}", flush=True)
        env = django_env(database_url)
        token = prepare_database(env)
        config = CONFIG if args.no_references else write_config(env, args.report_dir / "schemathesis.toml")
        # SQLite takes one writer at a time: serve it one request at a time ("database is locked").
        workers, threads = (WORKERS, THREADS) if args.database_url else (1, 1)
        server = Gunicorn(
            "tests.schemathesis.wsgi:application",
            env,
            args.report_dir / "server.log",
            "/health/ready",
            workers=workers,
            threads=threads,
            timeout_s=120,
        )
        with server:
            print(f"Server: {server.base_url} (log: {server.log_path})", flush=True)
            command = [
                str(BIN / "schemathesis"), "--config-file", str(config),
                "run", str(SCHEMA),
                "--url", server.base_url,
                "--header", f"Authorization: Bearer {token}",
                "--report", "junit", "--report-junit-path", str(args.report_dir / "junit.xml"),
                "--seed", str(seed),
                *extra,
            ]  # fmt: skip
            started = time.monotonic()
            output_path = args.report_dir / "output.txt"
            reach_path = args.report_dir / "reach.json"
            reach_path.unlink(missing_ok=True)
            schemathesis_env = {**os.environ, "SCHEMATHESIS_REACH_REPORT": str(reach_path)}
            status, lines = run_schemathesis(command, output_path, schemathesis_env)
            took_s = time.monotonic() - started
        if status != 0:
            print(f"schemathesis failed ({status}); the server log's last lines:\n{server.log_tail()}", flush=True)
        print(summary(status, lines, seed, took_s, output_path, reached_writes(reach_path)), flush=True)
        return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
