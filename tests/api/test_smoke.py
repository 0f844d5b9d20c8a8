"""The schema-checking client itself: it accepts documented responses and rejects drift."""

import pytest
from openapi_core.validation.response.exceptions import ResponseValidationError

from tests.support.schema_checked_client import validate_against_schema


def test_documented_responses_pass(api, seeded):
    assert api.get("/api/v1/agreements/").status_code == 200
    assert api.get("/api/v1/agreements/nope/").status_code == 404
    assert api.get("/api/v1/agreements/?colour=red").status_code == 400


def test_an_undocumented_body_is_caught(api, seeded):
    response = api.get("/api/v1/organizations/roscosmos/")
    response.content = b'{"id": "not an integer"}'
    with pytest.raises(ResponseValidationError):
        validate_against_schema(response)
