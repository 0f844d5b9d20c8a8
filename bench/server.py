"""Start and stop gunicorn for a benchmark, and read its workers' memory.

Every server (the API and the baseline alike) runs with the same settings,
``WORKERS`` processes of the ``gthread`` class with ``THREADS`` threads each, on
loopback. On a 2-core machine two processes can use both cores for Python
work, while the threads keep a core busy when a request waits on PostgreSQL
and keep wrk's connections alive between requests (sync workers close every
connection, so a benchmark would also time TCP handshakes). Each worker listens
on its own socket (``--reuse-port``; ``BENCH_REUSE_PORT=0`` shares one), so the
kernel spreads connections over the workers instead of the first to wake taking
most of them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.env import PYTHON, ROOT

WORKERS = 2
WORKER_CLASS = "gthread"
THREADS = 4
WORKER_TIMEOUT_S = 300  # a streamed export of 100k agreements takes a while
START_TIMEOUT_S = 60


def describe() -> str:
    return f"gunicorn {WORKERS} x {WORKER_CLASS} workers, {THREADS} threads each"


def free_port() -> int:
    """A free loopback port: the first free one of ``$LOOPBACK_PORTS`` (e.g. 18100-18199) if set, else any."""
    first, _, last = os.environ.get("LOOPBACK_PORTS", "").partition("-")
    candidates = range(int(first), int(last or first) + 1) if first else [0]
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"no free port in LOOPBACK_PORTS={os.environ['LOOPBACK_PORTS']}")


def _parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # field 4, after the "(comm)" that may hold spaces


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


class Gunicorn:
    """``with Gunicorn("config.wsgi:application", env, log) as server:`` serves on ``server.base_url``."""

    def __init__(
        self,
        app: str,
        env: dict[str, str],
        log_path: Path,
        ready_path: str = "/",
        *,
        workers: int = WORKERS,
        threads: int = THREADS,
        timeout_s: int = WORKER_TIMEOUT_S,
        extra_args: tuple[str, ...] = (),
        port: int | None = None,
    ):
        self.app, self.env, self.log_path, self.ready_path = app, env, log_path, ready_path
        self.workers, self.threads, self.timeout_s = workers, threads, timeout_s
        self.extra_args = extra_args  # more gunicorn options, e.g. an access log
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        command = [
            PYTHON, "-m", "gunicorn", self.app,
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers), "--worker-class", WORKER_CLASS, "--threads", str(self.threads),
            "--timeout", str(self.timeout_s),
            "--no-control-socket",
            *(("--reuse-port",) if os.environ.get("BENCH_REUSE_PORT", "1") == "1" else ()),
            "--error-logfile", "-", "--log-level", "warning",
            *self.extra_args,
        ]  # fmt: skip
        with self.log_path.open("ab") as log:  # gunicorn's log and anything the app prints
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app} exited with {self.process.returncode}:\n{self.log_tail()}")
            if len(self.worker_pids()) == self.workers and self._answers():
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.app} not ready after {START_TIMEOUT_S} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + self.ready_path, timeout=10):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer means a worker is serving
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def worker_pids(self) -> list[int]:
        master = self.process.pid
        pids = (int(name) for name in os.listdir("/proc") if name.isdigit())
        return sorted(pid for pid in pids if _parent_pid(pid) == master)

    def reset_peak_rss(self) -> bool:
        """Reset every worker's peak RSS (``VmHWM``) to its current RSS; False where the kernel refuses."""
        try:
            for pid in self.worker_pids():
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def rss_mb(self, key: str = "VmRSS") -> list[float]:
        """Each worker's ``VmRSS`` (or ``VmHWM``, the peak since start or the last reset), in MiB."""
        return [_status_kb(pid, key) / 1024 for pid in self.worker_pids()]
