"""Drive load with wrk (installed with apt-get when missing and we are root), else with ``bench.pyload``."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.pyload import run_python_load
from bench.results import LoadResult

LUA = Path(__file__).with_name("wrk.lua")
MARKER = "WRK_JSON "


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _apt_get(*args: str) -> bool:
    command = ["apt-get", *args]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=sys.stderr).returncode == 0


def ensure_wrk() -> str | None:
    """The path of wrk, installing Debian's package if it is missing and we may; None to use Python."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("[wrk] not found: apt-get install wrk")
        installed = _apt_get("install", "-y", "--no-install-recommends", "wrk")
        if not installed and _apt_get("update"):
            _apt_get("install", "-y", "--no-install-recommends", "wrk")
        found = shutil.which("wrk")
        if found:
            return found
    log("[wrk] wrk unavailable (not root, or the install failed): using the bounded Python client")
    return None


def _whole(seconds: float) -> int:
    return max(1, math.ceil(seconds))


def parse_wrk_output(stdout: str) -> LoadResult:
    """The LoadResult in the ``WRK_JSON`` line that ``wrk.lua``'s ``done()`` prints."""
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            data = json.loads(line[len(MARKER) :])
            return LoadResult(
                requests=data["requests"],
                duration_s=data["duration_us"] / 1e6,
                p50_ms=data["p50_us"] / 1000,
                p90_ms=data["p90_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
                max_ms=data["max_us"] / 1000,
                errors=data["errors"],
            )
    raise RuntimeError(f"no {MARKER.strip()} line in wrk's output:\n{stdout}")


def run_load(
    wrk: str | None,
    base_url: str,
    paths: list[str],
    *,
    duration_s: float,
    connections: int,
    threads: int = 1,
    timeout_s: float = 10,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """Send GETs for ``paths`` (in rotation) to ``base_url`` for ``duration_s`` over ``connections``.

    wrk takes whole seconds only, so both times are rounded up to at least 1 s.
    """
    if wrk is None:
        return run_python_load(
            base_url, paths, duration_s=duration_s, connections=connections, timeout_s=timeout_s, headers=headers
        )
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as file:
        file.write("\n".join(paths) + "\n")
    try:
        command = [
            wrk, "-t", str(min(threads, connections)), "-c", str(connections), "-d", f"{_whole(duration_s)}s",
            "--timeout", f"{_whole(timeout_s)}s", "-s", str(LUA),
            *(part for name, value in (headers or {}).items() for part in ("-H", f"{name}: {value}")),
            base_url, "--", file.name,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        os.unlink(file.name)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return parse_wrk_output(done.stdout)
