"""``bench/load --reference``: how it reads each run's summary, and what it refuses."""

from __future__ import annotations

import json
import subprocess

import pytest

from bench.env import ROOT
from bench.load_reference import LoadRun, compare, extract, run_load
from bench.loadtest import GOAL_REFERENCE


def summary_line(**overrides) -> str:
    data = {"requests": 900, "rps": 15.0, "p50_ms": 120.5, "p99_ms": 390.0, "errors": {}, "passed": True}
    return json.dumps({**data, **overrides})


def test_the_last_json_line_is_the_summary():
    stdout = f"wrk output\n{summary_line(rps=1.0)}\n900 requests in 60 s\n{summary_line(rps=356.4)}\n"
    run = LoadRun.from_output(stdout)
    assert (run.rps, run.p50_ms, run.p99_ms, run.errors, run.passed) == (356.4, 120.5, 390.0, 0, True)


def test_errors_of_every_kind_are_added_up():
    run = LoadRun.from_output(summary_line(errors={"connect": 2, "timeout": 1, "status": 4}, passed=False))
    assert (run.errors, run.passed) == (7, False)


def test_output_without_a_summary_is_an_error():
    with pytest.raises(RuntimeError, match="no JSON summary"):
        LoadRun.from_output("[load] FAIL: URLs of the mix do not answer 200\n")


def test_a_commit_the_clone_lacks_is_refused_before_anything_starts():
    with pytest.raises(RuntimeError, match="not a commit of this clone"):
        compare("0" * 40, rounds=1, duration=1, connections=1)


@pytest.mark.skipif(
    subprocess.run(["git", "cat-file", "-e", GOAL_REFERENCE], cwd=ROOT, capture_output=True).returncode != 0,
    reason=f"{GOAL_REFERENCE} is not in this clone (a shallow one)",
)
def test_the_reference_tree_is_the_commits_own(tmp_path):
    """The goal's reference is extracted as committed, with this checkout's virtualenv linked in."""
    extract(GOAL_REFERENCE, tmp_path)
    assert (tmp_path / "bench" / "load").is_file()
    assert (tmp_path / ".venv").resolve() == (ROOT / ".venv").resolve()
    assert (tmp_path / ".venv" / "bin" / "python").exists()
    assert not (tmp_path / "bench" / "load_reference.py").exists()  # the tool came after the reference


def fake_tree(tmp_path, script: str):
    (tmp_path / "bench").mkdir()
    load = tmp_path / "bench" / "load"
    load.write_text("#!/bin/sh\n" + script)
    load.chmod(0o755)
    return tmp_path


def test_a_run_that_fails_its_check_still_gives_its_figures(tmp_path):
    """Exit 1 is bench/load's verdict on errors: the summary is read, the errors counted."""
    line = summary_line(errors={"status": 3}, passed=False)
    tree = fake_tree(tmp_path, f"echo '{line}'\nexit 1\n")
    run = run_load(tree, {"PATH": "/usr/bin:/bin"}, duration=1, connections=1)
    assert (run.errors, run.passed, run.rps) == (3, False, 15.0)


def test_a_run_that_crashes_is_an_error(tmp_path):
    tree = fake_tree(tmp_path, "echo 'Traceback: no corpus'\nexit 2\n")
    with pytest.raises(RuntimeError, match="exited 2"):
        run_load(tree, {"PATH": "/usr/bin:/bin"}, duration=1, connections=1)
