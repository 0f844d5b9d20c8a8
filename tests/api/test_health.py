"""/health (liveness) and /health/ready (readiness) report the truth, unthrottled and without a token."""

from django.db.migrations.recorder import MigrationRecorder

from api.core.throttling import AnonThrottle
from tests.support.db_outage import connections_refused

# `client` is pytest-django's plain django.test.Client: these endpoints are outside the API schema.


def test_liveness_never_touches_the_database(client):
    # No `db` fixture: pytest-django fails any database access, a connection included.
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_liveness_answers_during_a_database_outage(client, db):
    with connections_refused():
        assert client.get("/health").status_code == 200


def test_ready_on_a_migrated_database(client, db):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": {"status": "ok"}, "migrations": {"status": "ok"}}}


def test_not_ready_while_the_database_is_unreachable(client, db):
    with connections_refused():
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "fail"
    assert "OperationalError" in body["checks"]["database"]["detail"]
    assert body["checks"]["migrations"]["status"] == "unknown"


def test_not_ready_with_an_unapplied_migration_and_it_is_named(client, db):
    latest = MigrationRecorder.Migration.objects.filter(app="cooperation").latest("id")
    latest.delete()  # as if the deploy had not run `migrate` yet (rolled back after the test)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    checks = response.json()["checks"]
    assert checks["database"] == {"status": "ok"}
    assert checks["migrations"]["status"] == "fail"
    assert checks["migrations"]["pending"] == [f"cooperation.{latest.name}"]


def test_health_endpoints_need_no_token_and_are_not_throttled(client, db, monkeypatch):
    monkeypatch.setattr(AnonThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "2/min"})
    for _ in range(5):
        assert client.get("/health/ready", HTTP_AUTHORIZATION="Token not-a-real-key").status_code == 200
        assert client.get("/health").status_code == 200


def test_health_endpoints_only_read(client, db):
    assert client.post("/health/ready").status_code == 405
    assert client.head("/health").status_code == 200
