"""One PostgreSQL database per corpus size, built once and reused.

A database is reused when its comment (``COMMENT ON DATABASE``) names the same
size, seed and corpus generator; anything else (missing, interrupted, other
seed, changed generator, ``--rebuild``) drops and rebuilds it: create, migrate,
``manage.py generate_corpus``, ``VACUUM (ANALYZE)`` (bulk inserts leave the planner
without statistics until autovacuum gets round to it), then the comment is written last.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys

import psycopg
from psycopg import sql

from bench.env import PYTHON, ROOT, database_name, database_url, django_env

SEED = 1
GENERATOR_FILES = ("cooperation/corpus.py", "cooperation/management/commands/generate_corpus.py")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fingerprint(agreements: int, seed: int) -> str:
    digest = hashlib.sha256()
    for name in GENERATOR_FILES:
        digest.update((ROOT / name).read_bytes())
    return f"bench corpus: agreements={agreements} seed={seed} generator={digest.hexdigest()[:12]}"


def _admin() -> psycopg.Connection:
    return psycopg.connect(database_url("postgres"), autocommit=True)


def _manage(url: str, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=django_env(url), check=True, stdout=sys.stderr)


def ensure_corpus(agreements: int, *, seed: int = SEED, rebuild: bool = False, name: str | None = None) -> str:
    """The URL of a migrated database holding exactly this corpus, building it if needed (``name``: the
    database's, default ``bench_<size>``)."""
    name = name or database_name(agreements)
    url = database_url(name)
    wanted = fingerprint(agreements, seed)
    with _admin() as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        reuse = row is not None and row[0] == wanted and not rebuild
        if row is not None and not reuse:
            log(f"[corpus] dropping {name} ({'--rebuild' if rebuild else 'stale or incomplete'})")
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        if not reuse:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    log(f"[corpus] {name}: migrate")
    _manage(url, "migrate", "--noinput", "-v0")
    if reuse:
        log(f"[corpus] {name}: reusing the {agreements}-agreement corpus (seed {seed})")
        return url
    log(f"[corpus] {name}: generating {agreements} agreements (seed {seed}); 100k takes a few minutes")
    progress = [] if sys.stderr.isatty() else ["--no-progress"]
    _manage(url, "generate_corpus", "--agreements", str(agreements), "--seed", str(seed), *progress)
    log(f"[corpus] {name}: VACUUM (ANALYZE), so the planner knows the bulk-inserted rows")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    with _admin() as admin:
        admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(wanted)))
    return url
