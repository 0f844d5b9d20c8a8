"""A broken fixture makes ``seed`` fail loudly, name the file and record, and write nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from cooperation.models import Agreement, Citation, Organization, Signatory
from tests.support.records import all_rows

GOOD_ORG = """
- model: cooperation.organization
  fields: {slug: new-agency, name: New Agency, kind: space_agency, countries: FR}
"""

BROKEN = {
    "not a party": (
        GOOD_ORG
        + """
- model: cooperation.signatory
  fields: {agreement: [russia-china-ilrs-mou-2021], person: [igor-komarov], on_behalf_of: [new-agency], title: x}
""",
        "record 2 (cooperation.signatory agreement=russia-china-ilrs-mou-2021, person=igor-komarov",
        "on_behalf_of: New Agency is not a party to this agreement",
    ),
    "unknown reference": (
        GOOD_ORG
        + """
- model: cooperation.organization
  fields: {slug: child, name: Child, kind: company, parent: [no-such-org]}
""",
        "record 2 (cooperation.organization child)",
        "does not exist",
    ),
    "precision mismatch": (
        GOOD_ORG
        + """
- model: cooperation.source
  fields: {slug: s, title: t, kind: news, tier: commentary, published_on: 2018-03-05, published_on_precision: month}
""",
        "record 2 (cooperation.source s)",
        "must start on day 1",
    ),
    "unknown field": (
        GOOD_ORG
        + """
- model: cooperation.organization
  fields: {slug: other, name: Other, kind: company, colour: blue}
""",
        "record 2 (cooperation.organization other)",
        "colour",
    ),
    "bad enum": (
        """
- model: cooperation.organization
  fields: {slug: x, name: X, kind: Space_Agency}
""",
        "record 1 (cooperation.organization x)",
        "kind: Value 'Space_Agency' is not a valid choice",
    ),
    "reversed validity": (
        """
- model: cooperation.agreement
  fields: {slug: a, title: A, kind: agreement, status: signed,
           valid_from: 2022-01-01, valid_from_precision: year, valid_until: 2018-01-01, valid_until_precision: year}
""",
        "record 1 (cooperation.agreement a)",
        "valid_until (2018) cannot be before valid_from (2022)",
    ),
    "invalid yaml": ("- model: [unclosed\n", "cannot be read as YAML", ""),
    "not a list": ("model: cooperation.organization\n", "must be a list of records", ""),
    "fields not a mapping": (
        "- model: cooperation.organization\n  fields: hello\n",
        "record 1 (cooperation.organization )",
        "a 'fields' mapping",
    ),
    "unknown model": ("- model: cooperation.rocket\n  fields: {}\n", "record 1", "Invalid model identifier"),
}


@pytest.fixture
def fixture_file(tmp_path):
    def write(text: str) -> Path:
        path = tmp_path / "broken.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.mark.django_db
@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_fixture_names_file_and_record_and_writes_nothing(case, fixture_file, seeded):
    text, where, why = BROKEN[case]
    path = fixture_file(text)
    before = all_rows()
    with pytest.raises(CommandError) as excinfo:
        call_command("seed", str(path), verbosity=0)
    message = str(excinfo.value)
    assert message.startswith("Seed failed, nothing was written.")
    assert str(path) in message
    assert where in message
    assert why in message
    assert all_rows() == before
    assert not Organization.objects.filter(slug="new-agency").exists()


@pytest.mark.django_db
def test_failure_late_in_the_run_rolls_back_earlier_files(fixture_file):
    """All files load in one transaction: a bad last file undoes the good ones before it."""
    bad = fixture_file(BROKEN["not a party"][0])
    good = sorted(Path(settings.FIXTURE_DIRS[0]).glob("*.yaml"))
    with pytest.raises(CommandError):
        call_command("seed", *map(str, good), str(bad), verbosity=0)
    assert Agreement.objects.count() == 0
    assert Citation.objects.count() == 0
    assert Signatory.objects.count() == 0


def test_seed_exits_non_zero_from_the_shell(tmp_path):
    """The real command line: exit status 1 and the record named on stderr."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN["bad enum"][0], encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=120)
    result = subprocess.run([*manage, "seed", str(bad)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"{bad}, record 1 (cooperation.organization x)" in result.stderr
    count = subprocess.run(
        [*manage, "shell", "-c", "from cooperation.models import Organization; print(Organization.objects.count())"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert count.stdout.strip().splitlines()[-1] == "0"
