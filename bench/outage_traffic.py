"""Steady API traffic for the outage drill: every request's outcome is recorded, none may hang.

Readers GET lists and details; writers POST new organizations with a token and keep the
slug of every write acknowledged with a 2xx; a prober polls ``/health`` and ``/health/ready``.
Each request is bounded by a client timeout: one that exceeds it counts as hung.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass, field

import httpx

from bench.outage_wsgi import WORKER_PID_HEADER

ERROR_KEYS = {"status", "code", "detail", "errors"}


@dataclass(frozen=True)
class Outcome:
    kind: str  # read, write, live, ready, probe
    method: str
    path: str
    started: float  # time.monotonic()
    ended: float
    status: int | None = None  # None: no HTTP answer (timeout, refused, reset)
    transport_error: str | None = None
    content_type: str = ""
    retry_after: str | None = None
    body: dict | None = None  # the JSON body, when there is one
    worker_pid: int | None = None
    slug: str | None = None  # the record a write created (or tried to)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def is_json_503(self) -> bool:
        """The documented outage answer: 503, the one error shape, database_unavailable, Retry-After."""
        return (
            self.status == 503
            and self.content_type.startswith("application/json")
            and self.body is not None
            and set(self.body) == ERROR_KEYS
            and self.body["code"] == "database_unavailable"
            and (self.retry_after or "").isdigit()
        )

    def summary(self) -> str:
        answer = self.transport_error or f"{self.status} {self.content_type} {str(self.body)[:120]}"
        return f"{self.method} {self.path} -> {answer}"


def call(client: httpx.Client, kind: str, method: str, path: str, slug: str | None = None, **kwargs) -> Outcome:
    started = time.monotonic()
    try:
        response = client.request(method, path, **kwargs)
    except httpx.TimeoutException as exc:
        return Outcome(kind, method, path, started, time.monotonic(), transport_error=f"hung ({exc!r})", slug=slug)
    except httpx.TransportError as exc:
        return Outcome(kind, method, path, started, time.monotonic(), transport_error=repr(exc), slug=slug)
    content_type = response.headers.get("content-type", "")
    body = None
    if content_type.startswith("application/json"):
        try:
            body = response.json()
        except ValueError:
            body = None
    pid = response.headers.get(WORKER_PID_HEADER)
    return Outcome(
        kind, method, path, started, time.monotonic(), status=response.status_code, content_type=content_type,
        retry_after=response.headers.get("retry-after"), body=body if isinstance(body, dict) else None,
        worker_pid=int(pid) if pid else None, slug=slug,
    )  # fmt: skip


@dataclass
class Traffic:
    base_url: str
    token: str
    read_paths: list[str]
    readers: int = 2
    writers: int = 1
    timeout: float = 10.0
    pause: float = 0.02
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._run = f"{int(time.time())}-{random.randrange(10**6)}"

    def record(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def client(self, token: bool = False) -> httpx.Client:
        headers = {"Authorization": f"Token {self.token}"} if token else {}
        return httpx.Client(base_url=self.base_url, timeout=self.timeout, headers=headers)

    def start(self) -> None:
        self._stop.clear()
        loops = [self._read] * self.readers + [self._write] * self.writers + [self._probe_health]
        self._threads = [threading.Thread(target=loop, daemon=True) for loop in loops]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)

    def _read(self) -> None:
        rng = random.Random()
        with self.client() as client:
            while not self._stop.is_set():
                self.record(call(client, "read", "GET", rng.choice(self.read_paths)))
                time.sleep(self.pause)

    def _write(self) -> None:
        with self.client(token=True) as client:
            while not self._stop.is_set():
                number = next(self._numbers)
                slug = f"outage-drill-{self._run}-{number}"
                payload = {"slug": slug, "name": f"Outage drill {number}", "kind": "company", "countries": ["FR"]}
                self.record(call(client, "write", "POST", "/api/v1/organizations/", slug=slug, json=payload))
                time.sleep(self.pause)

    def _probe_health(self) -> None:
        with self.client() as client:
            for kind, path in itertools.cycle([("live", "/health"), ("ready", "/health/ready")]):
                if self._stop.is_set():
                    return
                self.record(call(client, kind, "GET", path))
                time.sleep(0.1)

    def burst(self, paths: list[str], concurrency: int) -> None:
        """Every path from each of ``concurrency`` threads at once, so that every worker gets some."""

        def worker() -> None:
            with self.client() as client:
                for path in paths:
                    self.record(call(client, "probe", "GET", path))

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.timeout * len(paths) + 5)
