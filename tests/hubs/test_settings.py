"""The hub settings: a replica is configured like the primary, and bad values stop the app from starting."""

import json

from tests.support.settings_env import run_python, subprocess_env

DUMP = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({"databases": settings.DATABASES, "hub": settings.HUB_NAME, "wait": settings.REPLICA_WAIT_MS,
                  "lag": settings.REPLICA_MAX_LAG_S}, default=str))
"""
PRIMARY = "postgres://app@primary.example.org:5432/registry"
REPLICA = "postgres://app@127.0.0.1:5432/registry?connect_timeout=1"


def test_a_replica_is_a_second_database_configured_like_the_primary():
    env = subprocess_env(
        {"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": REPLICA, "HUB_NAME": "beijing", "REPLICA_WAIT_MS": "100"}
    )
    result = run_python(["-c", DUMP], env)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    primary, replica = values["databases"]["default"], values["databases"]["replica"]
    assert (replica["HOST"], replica["OPTIONS"]["connect_timeout"]) == ("127.0.0.1", 1)  # the URL's own option wins
    assert replica["OPTIONS"]["options"] == primary["OPTIONS"]["options"]
    assert (primary["ATOMIC_REQUESTS"], replica["ATOMIC_REQUESTS"]) == (True, False)
    assert (values["hub"], values["wait"], values["lag"]) == ("beijing", 100, 30.0)


def test_without_a_replica_there_is_one_database():
    result = run_python(["-c", DUMP], subprocess_env({"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": ""}))
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout)["databases"]) == ["default"]


def test_bad_hub_settings_are_refused_by_name():
    cases = {
        "HUB_NAME must be": {"HUB_NAME": "Beijing hub"},
        "DATABASE_REPLICA_URL needs PostgreSQL": {"DATABASE_REPLICA_URL": "sqlite:///replica.sqlite3"},
        "REPLICA_WAIT_MS must be": {"REPLICA_WAIT_MS": "-1"},
    }
    for message, values in cases.items():
        result = run_python(["manage.py", "check"], subprocess_env(values))
        assert result.returncode != 0 and message in result.stderr, (values, result.stderr[-300:])
