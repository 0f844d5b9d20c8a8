"""A private, throwaway PostgreSQL cluster for the outage drill (never the machine's own cluster).

``initdb`` refuses to run as root, so when we are root every PostgreSQL binary runs as the
``postgres`` OS user through ``runuser``, and the temporary directory is handed to that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psycopg

SUPERUSER = "postgres"


def free_port(preferred: int) -> int:
    """``preferred`` if nothing listens on it, else any free port the kernel offers."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free TCP port")


def postgres_bindir() -> Path:
    """The newest installed PostgreSQL's bin directory (Debian layout)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not candidates:
        raise RuntimeError("no /usr/lib/postgresql/*/bin/initdb: install the postgresql package")
    return Path(candidates[-1]).parent


class PrivateCluster:
    """initdb + pg_ctl on 127.0.0.1:<port>, trust auth, everything inside ``root``."""

    def __init__(self, root: Path, port: int):
        self.root = root
        self.port = port
        self.data = root / "pgdata"
        self.log = root / "postgres.log"
        self.bindir = postgres_bindir()
        self.as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/registry"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

    def create(self) -> None:
        if self.as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--no-sync",
        )  # fmt: skip
        self.start()
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE registry")

    def dsn(self, dbname: str = "registry") -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={dbname} connect_timeout=2"

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log), "-o", options)

    def stop(self) -> None:
        """Fast shutdown: open sessions are terminated, like a crash from the clients' side."""
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def wait_until_accepting(self, timeout: float = 30.0) -> float:
        """Block until a new connection succeeds; return that moment (time.monotonic())."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.dsn(), autocommit=True) as conn:
                    conn.execute("SELECT 1")
                return time.monotonic()
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def destroy(self) -> None:
        """Stop the server if it runs (immediate mode); the caller removes the directory."""
        if self.is_running():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))
