"""Paths, database URLs and the production-like environment every benchmark server runs with."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable

# Where the benchmark databases live: a server URL without a database name.
PG_SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")

# Far above anything one machine can send, so no benchmark request is ever throttled.
UNTHROTTLED = "100000000/s"


# The corpus databases' prefix: ``bench`` unless ``BENCH_DB_PREFIX`` names another (a branch measuring its
# own migrations on its own copies, say).
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "bench")


def database_name(agreements: int) -> str:
    """``bench_1k``, ``bench_10k``, ``bench_100k`` (``bench_1500`` for sizes that are not whole thousands)."""
    size = f"{agreements // 1000}k" if agreements % 1000 == 0 else str(agreements)
    return f"{DB_PREFIX}_{size}"


def database_url(name: str) -> str:
    return f"{PG_SERVER_URL}/{name}"


def django_env(database: str) -> dict[str, str]:
    """The environment of a production-like Django process on ``database`` (a URL)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database,
        DJANGO_DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        API_THROTTLE_ANON=UNTHROTTLED,
        API_THROTTLE_USER=UNTHROTTLED,
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback: TLS is the reverse proxy's job in production
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("DB_CONN_MAX_AGE", "60")
    return env
