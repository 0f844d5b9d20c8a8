"""CI's closing line (.ci/test-summary) is pytest's own summary format, counted from JUnit reports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / ".ci" / "test-summary"
# The shape CI's landing check reads: pytest's closing banner.
PYTEST_CLOSING = re.compile(r"^=+ (?:(\d+) failed, )?(\d+) passed(?:, (\d+) skipped)? in [\d.]+s =+$")


def report(tmp_path: Path, name: str, tests: int, failures: int, errors: int, skipped: int) -> str:
    path = tmp_path / name
    path.write_text(
        f'<testsuites><testsuite name="pytest" tests="{tests}" failures="{failures}" errors="{errors}"'
        f' skipped="{skipped}" time="1.25"/></testsuites>'
    )
    return str(path)


def run(*paths: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *paths], capture_output=True, text=True, check=False)


def test_closing_line_sums_every_report_in_pytest_format(tmp_path):
    result = run(report(tmp_path, "a.xml", 10, 0, 0, 2), report(tmp_path, "b.xml", 7, 0, 0, 1))
    last = result.stdout.splitlines()[-1]
    match = PYTEST_CLOSING.match(last)
    assert result.returncode == 0
    assert match, last
    assert match.group(2) == "14" and match.group(3) == "3"
    assert "2.50s" in last


def test_a_failure_is_counted_and_fails_the_run(tmp_path):
    result = run(report(tmp_path, "a.xml", 10, 1, 1, 0))
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1].strip("= ").startswith("2 failed, 8 passed")


def test_a_missing_report_or_no_test_fails(tmp_path):
    assert run(str(tmp_path / "missing.xml")).returncode == 1
    assert run(report(tmp_path, "empty.xml", 0, 0, 0, 0)).returncode == 1
