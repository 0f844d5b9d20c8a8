"""The router follows the request's routing; outside a request, and for every write, the primary."""

from django.contrib.sessions.models import Session

from api.models import ApiToken
from config.hubs.routing import HubRouter, Routing, routed_iterator, routing
from cooperation.models import Organization

router = HubRouter()


def test_outside_a_request_everything_is_the_primary():
    assert router.db_for_read(Organization) == "default"
    assert router.db_for_read(Session) == "default"
    assert router.db_for_write(Organization) == "default"


def test_reads_follow_the_request_and_sessions_their_own_choice():
    with routing(Routing(reads="replica")):
        assert router.db_for_read(Organization) == "replica"
        assert router.db_for_read(ApiToken) == "replica"
        assert router.db_for_read(Session) == "default"  # the session carries the token: read where it is fresh
        assert router.db_for_write(Organization) == "default"
    with routing(Routing(reads="replica", sessions="replica")):
        assert router.db_for_read(Session) == "replica"
    assert router.db_for_read(Organization) == "default"


def test_a_streamed_response_reads_where_its_request_did():
    def chunks():
        for _ in range(3):
            yield router.db_for_read(Organization)

    streamed = routed_iterator(chunks(), Routing(reads="replica"))
    assert list(streamed) == ["replica"] * 3
    assert router.db_for_read(Organization) == "default"  # nothing leaks past each chunk


def test_only_the_primary_is_migrated():
    assert router.allow_migrate("default", "cooperation")
    assert not router.allow_migrate("replica", "cooperation")
