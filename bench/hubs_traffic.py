"""The hubs drill's client: writes, reads with and without the consistency token, and steady traffic.

Every request's answer is kept (status, latency, the hub that answered, the token). A write
creates an organization with a slug of its own; reading that slug back tells whether the
read saw the write (200) or was stale (404).
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass, field

import httpx

TIMEOUT_S = 10.0  # a request slower than this counts as hung
ERROR_KEYS = {"status", "code", "detail", "errors"}


@dataclass(frozen=True)
class Answer:
    hub: str
    kind: str  # read, write, token-read, fresh-read, ready
    method: str
    path: str
    started: float  # time.monotonic()
    ended: float
    status: int | None = None  # None: no HTTP answer (timeout, refused, reset)
    error: str | None = None
    served_by: str | None = None  # the Registry-Hub header
    token: str | None = None  # the Consistency-Token header
    retry_after: str | None = None
    body: dict | list | None = None
    slug: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def latency(self) -> float:
        return self.ended - self.started

    @property
    def is_json_503(self) -> bool:
        return (
            self.status == 503
            and isinstance(self.body, dict)
            and set(self.body) == ERROR_KEYS
            and self.body["code"] == "database_unavailable"
            and (self.retry_after or "").isdigit()
        )

    def summary(self) -> str:
        return f"{self.hub} {self.method} {self.path} -> {self.error or self.status} {str(self.body)[:100]}"


class Hub:
    """One hub's API, for any number of threads (a connection pool per thread)."""

    def __init__(self, name: str, base_url: str, api_token: str, sink: list[Answer] | None = None):
        self.name, self.base_url, self.api_token = name, base_url, api_token
        self.sink = [] if sink is None else sink  # every answer, in the order they came
        self._local = threading.local()

    def client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(base_url=self.base_url, timeout=TIMEOUT_S)
        return client

    def call(self, kind: str, method: str, path: str, *, slug: str | None = None, **kwargs) -> Answer:
        answer = self._call(kind, method, path, slug=slug, **kwargs)
        self.sink.append(answer)  # (list.append is atomic)
        return answer

    def _call(self, kind: str, method: str, path: str, *, slug: str | None = None, **kwargs) -> Answer:
        started = time.monotonic()
        try:
            response = self.client().request(method, path, **kwargs)
        except httpx.TransportError as exc:
            return Answer(self.name, kind, method, path, started, time.monotonic(), error=repr(exc), slug=slug)
        body = None
        if response.headers.get("content-type", "").startswith("application/json"):
            try:
                body = response.json()
            except ValueError:
                body = None
        return Answer(
            self.name, kind, method, path, started, time.monotonic(), status=response.status_code,
            served_by=response.headers.get("registry-hub"), token=response.headers.get("consistency-token"),
            retry_after=response.headers.get("retry-after"), body=body, slug=slug,
        )  # fmt: skip

    def write(self, slug: str) -> Answer:
        payload = {"slug": slug, "name": f"Hubs drill {slug}", "kind": "company", "countries": ["CN", "RU"]}
        headers = {"Authorization": f"Token {self.api_token}"}
        return self.call("write", "POST", "/api/v1/organizations/", slug=slug, json=payload, headers=headers)

    def read_back(self, slug: str, token: str | None, kind: str = "fresh-read") -> Answer:
        headers = {"Consistency-Token": token} if token else {}
        return self.call(kind, "GET", f"/api/v1/organizations/{slug}/", slug=slug, headers=headers)

    def read(self, path: str) -> Answer:
        return self.call("read", "GET", path)

    def ready(self) -> Answer:
        return self.call("ready", "GET", "/health/ready")


def saw_the_write(answer: Answer) -> bool:
    return answer.status == 200 and isinstance(answer.body, dict) and answer.body.get("slug") == answer.slug


class Slugs:
    """Unique slugs for this run's writes."""

    def __init__(self):
        self._numbers = itertools.count(1)
        self._run = f"{int(time.time())}-{random.randrange(10**6)}"
        self._lock = threading.Lock()

    def next(self, hub: str) -> str:
        with self._lock:
            return f"hubs-drill-{self._run}-{hub}-{next(self._numbers)}"


@dataclass
class Traffic:
    """Steady traffic at one hub until stopped: plain reads, writes, and reads back of earlier writes with
    their tokens (only of writes at least ``settle`` seconds old: a read of a write acknowledged a moment
    before the primary stopped may rightly need the primary)."""

    hub: Hub
    slugs: Slugs
    read_paths: list[str]
    readers: int = 2
    writers: int = 1
    settle: float = 0.5
    pause: float = 0.01
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.written: list[Answer] = []

    def record(self, answer: Answer) -> Answer:
        with self._lock:
            self.answers.append(answer)
            if answer.kind == "write" and answer.ok:
                self.written.append(answer)
        return answer

    def start(self, written: list[Answer] = ()) -> None:
        self.written.extend(written)
        self._stop.clear()
        loops = [self._read] * self.readers + [self._write] * self.writers
        self._threads = [threading.Thread(target=loop, daemon=True) for loop in loops]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT_S + 5)

    def _read(self) -> None:
        rng = random.Random()
        while not self._stop.is_set():
            settled = [w for w in self.written if w.ended < time.monotonic() - self.settle]
            if settled and rng.random() < 0.5:
                earlier = rng.choice(settled)
                self.record(self.hub.read_back(earlier.slug, earlier.token, kind="token-read"))
            else:
                self.record(self.hub.read(rng.choice(self.read_paths)))
            time.sleep(self.pause)

    def _write(self) -> None:
        while not self._stop.is_set():
            self.record(self.hub.write(self.slugs.next(self.hub.name)))
            time.sleep(self.pause)
