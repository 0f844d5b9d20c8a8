"""The schema's request examples work: each write's example body is accepted on a freshly seeded registry."""

from __future__ import annotations

import re

import pytest

from api.resources import RESOURCES
from api.schema.examples import EXAMPLES
from tests.support.schema_checked_client import committed_schema

WRITES = ("post", "put", "patch")


def schema() -> dict:
    return committed_schema()


def write_operations() -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, operations in schema()["paths"].items()
        for method, operation in operations.items()
        if method in WRITES and "requestBody" in operation
    ]


def test_every_resource_has_examples_and_every_write_shows_one():
    assert set(EXAMPLES) == {resource.prefix for resource in RESOURCES.values()}
    for path, method, operation in write_operations():
        examples = operation["requestBody"]["content"]["application/json"].get("examples")
        assert examples and len(examples) == 1, f"{method.upper()} {path} has no request example"


def test_record_paths_name_an_example_record_that_exists(seeded):
    for path, operations in schema()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter["in"] == "path" and parameter["name"] in ("slug", "id") and "/changes/" not in path:
                    model = next(m for m, r in RESOURCES.items() if path.startswith(f"/api/v1/{r.prefix}/"))
                    key = "slug" if parameter["name"] == "slug" else "pk"
                    assert model.objects.filter(**{key: parameter["example"]}).exists(), f"{method.upper()} {path}"


@pytest.mark.parametrize(
    ("path", "method"), [pytest.param(path, method, id=f"{method}-{path}") for path, method, _ in write_operations()]
)
def test_the_example_is_accepted(curator, seeded, path, method):
    operation = schema()["paths"][path][method]
    (example,) = operation["requestBody"]["content"]["application/json"]["examples"].values()
    url = path
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            url = url.replace(f"{{{parameter['name']}}}", parameter["example"])
    response = getattr(curator, method)(url, example["value"], format="json", HTTP_IF_MATCH="*")
    assert response.status_code == (201 if method == "post" else 200), response.content


def test_the_if_match_pattern_is_the_header_s_grammar(curator, seeded):
    """``*`` or entity tags (RFC 9110 §13.1.1), so generated headers include ones that can match."""
    (parameter,) = [
        p for p in schema()["paths"]["/api/v1/persons/{slug}/"]["patch"]["parameters"] if p["name"] == "If-Match"
    ]
    pattern = re.compile(parameter["schema"]["pattern"])
    etag = curator.get("/api/v1/persons/igor-komarov/")["ETag"]
    for value in ("*", etag, f"W/{etag}", f'{etag}, "other"', '""'):
        assert pattern.search(value), value
    for value in ("", "**", "abc", '"unclosed', '"a" "b"', 'W/"a",'):
        assert not pattern.search(value), value
    first = curator.patch("/api/v1/persons/igor-komarov/", {"description": "one"}, HTTP_IF_MATCH="*")
    assert first.status_code == 200, first.content
    second = curator.patch("/api/v1/persons/igor-komarov/", {"description": "two"}, HTTP_IF_MATCH=first["ETag"])
    assert second.status_code == 200, second.content
    stale = curator.patch("/api/v1/persons/igor-komarov/", {"description": "three"}, HTTP_IF_MATCH=first["ETag"])
    assert stale.status_code == 412
