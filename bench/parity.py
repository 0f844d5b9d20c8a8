"""The baseline must serve the same records as the API before anything is timed."""

from __future__ import annotations

import json
import urllib.request


class ParityError(RuntimeError):
    """The API and the baseline disagree (or the page is empty, which would prove nothing)."""


def fetch_json(url: str, host: str | None = None) -> dict:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def differences(ours, theirs, path: str = "$", limit: int = 10) -> list[str]:
    """Where two JSON documents differ (keys, list lengths, values), at most ``limit`` places."""
    found: list[str] = []

    def walk(a, b, where: str) -> None:
        if len(found) >= limit:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(a.keys() ^ b.keys()):
                side = "API only" if key in a else "baseline only"
                found.append(f"{where}.{key}: {side}")
            for key in sorted(a.keys() & b.keys()):
                walk(a[key], b[key], f"{where}.{key}")
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                found.append(f"{where}: {len(a)} items in the API, {len(b)} in the baseline")
            for index, (x, y) in enumerate(zip(a, b, strict=False)):
                walk(x, y, f"{where}[{index}]")
        elif a != b or type(a) is not type(b):
            found.append(f"{where}: API {a!r} != baseline {b!r}")

    walk(ours, theirs, path)
    return found[:limit]


def check_parity(api: dict, baseline: dict) -> int:
    """Raise ParityError unless both pages carry the same records and nested fields; return the record count."""
    results = api.get("results") or []
    if not results:
        raise ParityError("the benchmark page is empty in the API: parity would prove nothing")
    if not any(item.get("parties") for item in results) or not any(item.get("signatories") for item in results):
        raise ParityError("the benchmark page has no nested parties or signatories to compare")
    problems = differences(api, baseline)
    if problems:
        raise ParityError("the API and the baseline disagree:\n  " + "\n  ".join(problems))
    return len(results)


def check_servers(api_base: str, baseline_base: str, path: str) -> int:
    """Fetch ``path`` from both servers (the baseline under the API's Host, so URLs match) and compare."""
    host = api_base.split("://", 1)[1]
    return check_parity(fetch_json(api_base + path), fetch_json(baseline_base + path, host=host))
