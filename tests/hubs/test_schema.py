"""The schema documents the token where SDKs need it: on every read's request, on every write's success."""

from api.core.hub_headers import TOKEN_PATTERN
from tests.support.schema_checked_client import committed_schema

SUCCESS = {"post": "201", "put": "200", "patch": "200", "delete": "204"}


def test_every_read_takes_the_token_and_every_write_answers_one():
    schema = committed_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "get":
                (parameter,) = [p for p in operation["parameters"] if p["name"] == "Consistency-Token"]
                assert (parameter["in"], parameter.get("required", False)) == ("header", False), path
                assert parameter["schema"]["pattern"] == TOKEN_PATTERN
            else:
                header = operation["responses"][SUCCESS[method]]["headers"]["Consistency-Token"]
                assert header["schema"]["pattern"] == TOKEN_PATTERN, f"{method} {path}"
