"""``/health/ready`` at a hub: the hub, each database, the replica's lag; ready while reads can be served."""

import pytest

from tests.support.hubs import CAUGHT_UP, both_databases

# `client` is Django's plain test client: the health endpoints are outside the API schema.


@pytest.fixture
def moscow(settings):
    settings.HUB_NAME = "moscow"


def test_a_named_hub_without_a_replica_reports_itself(client, db, moscow):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "hub": "moscow",
        "reads": "primary",
        "writes": "available",
        "checks": {"database": {"status": "ok"}, "migrations": {"status": "ok"}},
    }


def test_a_named_hub_without_its_primary_is_not_ready(client, db, moscow, primary_down):
    with primary_down():
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert (body["status"], body["reads"], body["writes"]) == ("unavailable", "unavailable", "unavailable")
    assert body["checks"]["database"]["status"] == "fail"


@both_databases
@pytest.mark.usefixtures("stand_in_replica")
class TestWithAReplica:
    def test_everything_up(self, client, replica_at):
        replica_at(replayed=CAUGHT_UP)
        body = client.get("/health/ready").json()
        assert (body["status"], body["hub"], body["reads"], body["writes"]) == ("ok", "main", "replica", "available")
        assert body["checks"]["replica"] == {
            "status": "ok",
            "standby": True,
            "wal_receiver": None,
            "lag_bytes": 0,
            "lag_seconds": 0.0,
        }
        assert body["checks"]["migrations"] == {"status": "ok"}

    def test_lag_in_bytes_and_seconds(self, client, replica_at, settings):
        settings.REPLICA_MAX_LAG_S = 10
        replica_at(replayed=0, lag_s=2.5)
        response = client.get("/health/ready")
        replica = response.json()["checks"]["replica"]
        assert response.status_code == 200
        assert replica["status"] == "ok"
        assert replica["lag_bytes"] > 0
        assert replica["lag_seconds"] == 2.5

    def test_a_replica_lagging_past_the_limit(self, client, replica_at, settings):
        settings.REPLICA_MAX_LAG_S = 10
        replica_at(replayed=0, lag_s=11)
        response = client.get("/health/ready")
        body = response.json()
        assert response.status_code == 200
        assert (body["status"], body["reads"], body["checks"]["replica"]["status"]) == (
            "degraded",
            "primary",
            "lagging",
        )

    def test_the_replica_down(self, client, replica_at):
        replica_at(down=True)
        response = client.get("/health/ready")
        body = response.json()
        assert response.status_code == 200
        assert (body["status"], body["reads"], body["writes"]) == ("degraded", "primary", "available")
        assert body["checks"]["replica"]["status"] == "fail"

    def test_the_primary_down_reads_go_on_and_writes_are_unavailable(self, client, replica_at, primary_down):
        replica_at(replayed=0)
        with primary_down():
            response = client.get("/health/ready")
        body = response.json()
        assert response.status_code == 200
        assert (body["status"], body["reads"], body["writes"]) == ("degraded", "replica", "unavailable")
        assert body["checks"]["database"]["status"] == "fail"
        assert body["checks"]["migrations"] == {"status": "ok"}  # read from the replica
        assert body["checks"]["replica"]["lag_seconds"] == 0.0  # against what it received

    def test_both_down(self, client, replica_at, primary_down):
        replica_at(down=True)
        with primary_down():
            response = client.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert response.json()["reads"] == "unavailable"

    def test_liveness_touches_no_database(self, client, replica_at, primary_down):
        fake = replica_at(down=True)
        with primary_down():
            assert client.get("/health").status_code == 200
        assert fake.looks == 0
