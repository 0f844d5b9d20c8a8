"""A private primary and its streaming standby for the hubs drill (never the machine's own cluster).

The primary is ``bench.outage_cluster.PrivateCluster`` (``initdb``, trust auth on loopback,
which also admits replication connections). The standby is seeded from it with
``pg_basebackup -R`` (which writes ``standby.signal`` and ``primary_conninfo``), possibly
through a relay that stands for the distance, and can be given an apply delay
(``recovery_min_apply_delay``), stopped, started and promoted.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import psycopg

from bench.outage_cluster import SUPERUSER, PrivateCluster


class Standby(PrivateCluster):
    """A hot standby in ``root``, on ``port``, streaming from ``source_port`` on loopback."""

    def __init__(self, root: Path, port: int, source_port: int):
        super().__init__(root, port)
        self.source_port = source_port

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")
        source = f"host=127.0.0.1 port={self.source_port} user={SUPERUSER} application_name=beijing"
        self._run(
            "pg_basebackup", "--dbname", source, "--pgdata", str(self.data), "--write-recovery-conf",
            "--wal-method=stream", "--checkpoint=fast", "--no-sync",
        )  # fmt: skip
        self.start()

    def query(self, sql: str, params=()) -> tuple:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            return conn.execute(sql, params).fetchone()

    def set_apply_delay(self, milliseconds: int) -> None:
        """``recovery_min_apply_delay``, effective at once (a reload; the standby stays up)."""
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f"ALTER SYSTEM SET recovery_min_apply_delay = '{int(milliseconds)}ms'")
            conn.execute("SELECT pg_reload_conf()")

    def replayed(self) -> int:
        return self.query("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint")[0]

    def wait_streaming(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.query("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")[0] == 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the standby is not streaming after {timeout:.0f} s; see {self.log}")
            time.sleep(0.1)

    def promote(self) -> None:
        """``pg_ctl promote``: it leaves recovery and takes writes (the README's runbook, step 2)."""
        self._run("pg_ctl", "promote", "-w", "-t", "60", "-D", str(self.data))

    def in_recovery(self) -> bool:
        return self.query("SELECT pg_is_in_recovery()")[0]


def run_quietly(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, check=False, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
