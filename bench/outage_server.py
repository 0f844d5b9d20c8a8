"""The application side of the outage drill: prepare the database, run gunicorn, list its workers."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
DRILL_USER = "outage-drill"


def app_environment(database_url: str) -> dict[str, str]:
    """Production-like settings against the private cluster; throttles out of the way of the traffic."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback, as behind a TLS-terminating proxy
        "API_THROTTLE_ANON": "1000000/min",
        "API_THROTTLE_USER": "1000000/min",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def prepare_database(env: dict[str, str]) -> str:
    """Migrate, seed, and create a curator; return a fresh API token's key."""
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed")
    # "--password=...": a token may start with "-", which argparse would read as an option.
    manage(env, "createcurator", DRILL_USER, f"--password={secrets.token_urlsafe(16)}")
    return manage(env, "issue_token", DRILL_USER, "--days", "1", "--description", "outage drill").split()[-1]


class Gunicorn:
    """gunicorn (``workers`` processes) serving the project on 127.0.0.1:port, in its own session."""

    def __init__(self, env: dict[str, str], port: int, log: Path, workers: int, worker_class: str, threads: int):
        self.env = env
        self.port = port
        self.log = log
        self.args = ["--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads)]
        self.workers = workers
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        command = [
            str(GUNICORN), "bench.outage_wsgi:application", "--chdir", str(ROOT),
            "--bind", f"127.0.0.1:{self.port}", *self.args,
            "--timeout", "30", "--graceful-timeout", "5", "--no-control-socket",
            "--error-logfile", str(self.log), "--capture-output",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            with contextlib.suppress(httpx.TransportError):
                live = httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200
                if live and len(self.worker_pids()) == self.workers:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /health within {timeout:.0f} s; see {self.log}")

    def worker_pids(self) -> frozenset[int]:
        """The master's child processes (Linux /proc)."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return frozenset(int(pid) for pid in children.read_text().split())
        except FileNotFoundError:
            return frozenset()

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL to whatever is left of its session."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
