"""Production configuration: ``.env.example`` documents exactly what settings.py reads, and
with those values (or with DJANGO_DEBUG=0 alone) ``manage.py check --deploy`` is clean.

Tests run with the development settings; production settings are only ever loaded in a
subprocess, with the environment parsed from ``.env.example``.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.support.settings_env import (
    ASSIGNMENT,
    ENV_EXAMPLE,
    parse_env_example,
    run_python,
    subprocess_env,
    variables_read_by_settings,
)


def production_env(**overrides: str) -> dict[str, str]:
    return subprocess_env({**parse_env_example(), **overrides})


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)


DUMP_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
names = ["DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
         "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "NUM_PROXIES"]
values = {name: getattr(settings, name) for name in names}
values["STATICFILES_BACKEND"] = settings.STORAGES["staticfiles"]["BACKEND"]
print(json.dumps(values))
"""


def settings_under(env: dict[str, str]) -> dict:
    result = run_python(["-c", DUMP_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- .env.example <-> settings.py ---------------------------------------------------------------


def test_env_example_lists_exactly_the_variables_settings_reads():
    read = variables_read_by_settings()
    documented = set(parse_env_example())
    assert {"SECRET_KEY", "DJANGO_DEBUG", "DATABASE_URL"} <= read  # the parser finds the readers

    assert sorted(read - documented) == [], "read by config/settings.py but missing from .env.example"
    assert sorted(documented - read) == [], "in .env.example but never read by config/settings.py"


def test_every_env_example_variable_is_explained_by_a_comment():
    """Each variable, or run of related variables, follows a comment line."""
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if not ASSIGNMENT.match(line):
            continue
        above = index - 1
        while above >= 0 and ASSIGNMENT.match(lines[above]):
            above -= 1
        assert above >= 0 and lines[above].startswith("# "), f"no comment explains {line!r}"


# --- check --deploy and production defaults -------------------------------------------------------


def test_check_deploy_is_clean_with_the_env_example_values():
    result = check_deploy(production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_defaults_are_secure_without_any_security_variable():
    """DJANGO_DEBUG=0 and a key alone (and the cache's server): no development default leaks into production."""
    env = subprocess_env(
        {
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": "",
            "ALLOWED_HOSTS": "registry.example.org",
            "REDIS_URL": "redis://r:6379/0",
        }
    )

    result = check_deploy(env)
    values = settings_under(env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # trusting a forwarded header needs explicit opt-in
    assert values["NUM_PROXIES"] == 0
    assert values["STATICFILES_BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_check_deploy_warns_when_rate_limits_are_counted_per_process():
    """Without REDIS_URL each gunicorn worker counts alone: N workers, N times the rates."""
    env = production_env()
    del env["REDIS_URL"]

    result = check_deploy(env)

    assert result.returncode != 0
    assert re.findall(r"\((\w+\.\w+)\)", result.stderr) == ["api.W001"], result.stderr
    assert "REDIS_URL" in result.stderr


def test_development_defaults_serve_plain_http_without_collectstatic():
    values = settings_under(subprocess_env({}))

    assert values["DEBUG"] is True
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["STATICFILES_BACKEND"] == "whitenoise.storage.CompressedStaticFilesStorage"


@pytest.mark.parametrize(
    "secret_key",
    [None, "", "django-insecure-dev-only-space-cooperation-registry"],
    ids=["unset", "empty", "development-key"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key):
    env = production_env()
    if secret_key is None:
        del env["SECRET_KEY"]
    else:
        env["SECRET_KEY"] = secret_key

    result = run_python(["manage.py", "check"], env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_a_malformed_proxy_ssl_header_is_refused():
    result = run_python(["manage.py", "check"], production_env(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO"))

    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must be" in result.stderr


# --- HTTPS behaviour (production values applied in-process, per test) ----------------------------


@pytest.fixture
def https_only(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_plain_http_is_redirected_to_https(client, https_only):
    response = client.get("/api/v1/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/api/v1/"


def test_requests_the_proxy_marks_as_https_are_served_with_hsts(db, client, https_only):
    response = client.get("/api/v1/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_health_probes_over_plain_http_are_not_redirected(client, https_only):
    assert client.get("/health").status_code == 200


# --- static files -----------------------------------------------------------------------------------

STATIC_REFERENCE = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@pytest.mark.parametrize("path", ["/admin/login/", "/explore/"])
def test_pages_render_with_their_static_files_in_development(db, client, path):
    """No collectstatic: whitenoise serves from the app directories."""
    page = client.get(path)
    assets = STATIC_REFERENCE.findall(page.content.decode())

    assert page.status_code == 200
    assert assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


RENDER_AFTER_COLLECTSTATIC = """
import json, re, sys, django
from django.conf import settings
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

with override_settings(STATIC_ROOT=sys.argv[1]):
    call_command("collectstatic", "--noinput", verbosity=0)
    client = Client(HTTP_HOST="registry.example.org", HTTP_X_FORWARDED_PROTO="https")
    report = {}
    for path in ["/admin/login/", "/explore/"]:
        page = client.get(path)
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.content.decode())
        served = {}
        for asset in assets:
            response = client.get(asset, HTTP_ACCEPT_ENCODING="gzip")
            served[asset] = [response.status_code, response.get("Content-Encoding"), response.get("Cache-Control")]
        report[path] = {"status": page.status_code, "assets": served}
print(json.dumps(report))
"""


def test_production_serves_collected_hashed_compressed_static_files(tmp_path):
    """DJANGO_DEBUG=0 after collectstatic (as the Dockerfile runs it): pages link content-hashed files,
    which whitenoise serves compressed and cacheable forever."""
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    result = run_python(["-c", RENDER_AFTER_COLLECTSTATIC, str(tmp_path / "static")], env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    for path, page in report.items():
        assert page["status"] == 200, path
        assert page["assets"], path
        for asset, (status, encoding, cache_control) in page["assets"].items():
            assert re.search(r"\.[0-9a-f]{12}\.\w+$", asset), f"{asset} has no content hash"
            assert status == 200, asset
            assert encoding == "gzip", asset
            assert "immutable" in cache_control, asset
