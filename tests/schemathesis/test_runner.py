"""tests/schemathesis/run: a new seed per commit, printed first and replayable; no pytest-style closing banner."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from schemathesis.config import SchemathesisConfig

from api.core.fields import BriefRelatedField
from api.resources import RESOURCES, registry_viewsets
from cooperation import models as m
from tests.schemathesis import references, runner

# What CI's landing check takes for a test count: a pytest-style closing line.
PYTEST_CLOSING = re.compile(r"^=+ .*\b\d+ (passed|failed|warnings?|errors?|skipped)\b.* in [0-9.]+s.* =+$")


def test_the_seed_is_derived_from_the_commit():
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=runner.ROOT, capture_output=True, text=True)
    if commit.returncode != 0:
        pytest.skip("not a git checkout")
    seed, origin = runner.derive_seed()
    assert seed == int(commit.stdout[:8], 16)
    assert origin == f"commit {commit.stdout[:12]}"


def test_the_seed_falls_back_to_the_date(monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(runner.subprocess, "run", no_git)
    seed, origin = runner.derive_seed()
    assert re.fullmatch(r"20\d{6}", str(seed))
    assert origin == f"date {seed // 10000:04d}-{seed // 100 % 100:02d}-{seed % 100:02d}"


def test_an_explicit_seed_replays_and_a_seed_after_the_dashes_is_refused(capsys):
    args, extra = runner.parse_args(["--seed", "42", "--", "--max-examples", "5"])
    assert (args.seed, extra) == (42, ["--max-examples", "5"])
    with pytest.raises(SystemExit):
        runner.parse_args(["--", "--seed", "42"])
    assert "--seed N" in capsys.readouterr().err


def test_the_config_fixes_no_seed():
    assert not re.search(r"^\s*seed\s*=", runner.CONFIG.read_text(), re.MULTILINE)


def test_output_is_kept_whole_but_the_console_loses_the_closing_banner(tmp_path, capsys):
    script = (
        "print('Seed: 7');"
        "print('=' * 10 + ' WARNINGS ' + '=' * 10);"
        "print('Schema validation mismatch: 3 operations mostly rejected generated data');"
        "print('  ⚠️ Schema validation mismatch: 3 operations mostly rejected generated data');"
        "print('  ⚠️ Missing test data: 8 operations repeatedly returned 404 responses');"
        "print('=' * 10 + ' 2 warnings in 180.03s ' + '=' * 10)"
    )
    output = tmp_path / "output.txt"
    status, lines = runner.run_schemathesis([sys.executable, "-c", script], output)
    console = capsys.readouterr().out
    assert status == 0
    assert "2 warnings in 180.03s" in output.read_text()
    assert "2 warnings in 180.03s" not in console
    assert "-- WARNINGS --" in console
    closing = runner.summary(status, lines, 7, 200.0, Path("artifacts/schemathesis/output.txt"))
    assert closing.startswith("Schemathesis found no failures (seed 7; took 3.3 min;")
    assert "warnings: missing test data, schema validation mismatch" in closing
    assert "schema validation mismatch on 3 operations" in closing
    assert "tests/schemathesis/run --seed 7" in closing
    for line in [*console.splitlines(), closing]:
        assert not PYTEST_CLOSING.match(line), line


def test_a_failure_is_said_so():
    closing = runner.summary(1, [], 9, 60.0, Path("out.txt"))
    assert "FAILED (exit status 1)" in closing and "--seed 9" in closing


def test_references_bind_every_reference_to_records_that_exist(seeded):
    fragment = references.configuration()
    config = tomllib.loads(runner.CONFIG.read_text() + "\n" + fragment)
    SchemathesisConfig.from_dict(config)  # Schemathesis accepts it
    dictionaries = {name: table["values"] for name, table in config["dictionaries"].items()}
    bound = {op["include-path-regex"]: op["parameters"] for op in config["operations"]}
    for viewset in registry_viewsets():
        model = viewset.queryset.model
        resource = RESOURCES[model]
        parameters = bound[f"^/api/v1/{resource.prefix}/"]
        lookup = dictionaries[parameters[f"path.{'slug' if resource.has_slug else 'id'}"]["dictionary"]]
        key = "slug" if resource.has_slug else "pk"
        assert model.objects.filter(**{f"{key}__in": lookup}).count() == len(lookup) > 0
        for name, field in viewset.serializer_class(context={}).fields.items():
            if isinstance(field, BriefRelatedField) and not field.read_only:
                values = dictionaries[parameters[f"body.{name}"]["dictionary"]]
                target = field.get_queryset().model
                slugs = [v for v in values if isinstance(v, str)]
                ids = [v for v in values if isinstance(v, int)]
                assert target.objects.filter(pk__in=ids).count() == len(ids) > 0, name
                if slugs:
                    assert target.objects.filter(slug__in=slugs).count() == len(slugs), name
    for arc in ("citation", "label"):
        ids = dictionaries[bound[f"^/api/v1/{arc}s/"]["body.subject_id"]["dictionary"]]
        assert ids
        model = {"citation": m.Citation, "label": m.Label}[arc]
        for name in model.arc_fields:
            subject = model._meta.get_field(name).related_model
            assert subject.objects.filter(pk__in=ids).count() == len(ids), (arc, name)


def test_the_summary_says_how_many_writes_were_carried_out(tmp_path):
    report = tmp_path / "reach.json"
    counts = {
        "coverage|POST /a/|4xx": 9,
        "examples|POST /a/|2xx": 40,
        "examples|PUT /a/{id}/|4xx": 12,
        "fuzzing|DELETE /a/{id}/|2xx": 5,
        "fuzzing|DELETE /a/{id}/|5xx": 1,
    }
    report.write_text(json.dumps(counts))
    reach = runner.reached_writes(report)
    assert reach == (
        "writes carried out (2xx): 40 of 52 in examples, 0 of 9 in coverage, 5 of 6 in fuzzing; "
        "none in any phase for 1 of 3 write operations (PUT /a/{id}/)"
    )
    assert reach in runner.summary(0, [], 7, 60.0, Path("out.txt"), reach)
    assert runner.reached_writes(tmp_path / "missing.json") is None


def test_the_hooks_parse_python_one_thread_at_a_time():
    """CPython 3.11's ast.parse is not thread-safe (a run failed with "AST constructor recursion depth mismatch")."""
    import ast

    from tests.schemathesis import hooks

    assert ast.parse is hooks._serialised
    assert isinstance(ast.parse("lambda x: x"), ast.Module)


def test_the_curator_password_may_start_with_a_dash(monkeypatch):
    """A run failed before it began: "createcurator: error: argument --password: expected one argument"."""
    calls = []
    monkeypatch.setattr(runner, "manage", lambda env, *args: calls.append(args) or "key")
    monkeypatch.setattr(runner.secrets, "token_urlsafe", lambda n: "-starts-with-a-dash")
    runner.prepare_database({})
    assert ("createcurator", runner.USERNAME, "--password=-starts-with-a-dash") in calls


def _read(query: dict, errors: list[dict]):
    """A positive GET case on the organizations list and the API's 400 to it, as the check sees them."""
    from types import SimpleNamespace

    mode = SimpleNamespace(is_positive=True)
    case = SimpleNamespace(
        meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)),
        method="GET",
        operation=SimpleNamespace(path="/api/v1/organizations/"),
        query=query,
    )
    response = SimpleNamespace(status_code=400, json=lambda: {"errors": errors}, text="")
    return case, response


def test_a_read_sent_with_a_blank_parameter_is_not_schema_valid():
    """Seed 1178810483: a stateful link inferred from an organization's empty wikidata_id sent
    ``wikidata_id=``; the API's 400 (blank) is right, as the schema's minLength says."""
    from tests.schemathesis import hooks

    blank = [{"field": "wikidata_id", "code": "blank", "detail": "Give a value, or leave the parameter out."}]
    case, response = _read({"wikidata_id": "", "kind": "forum"}, blank)
    assert hooks.valid_reads_are_refused_only_for_unstatable_rules(None, response, case) is None
    # A 400 the schema could have stated is still a failure.
    case, response = _read({"wikidata_id": "Q42"}, [{"field": "wikidata_id", "code": "invalid"}])
    with pytest.raises(AssertionError, match="could state"):
        hooks.valid_reads_are_refused_only_for_unstatable_rules(None, response, case)
