"""The committed OpenAPI schema is current, valid, and exact about what matters to SDKs."""

from django.core.management import call_command

from tests.support.schema_checked_client import SCHEMA_PATH, committed_schema


def test_committed_schema_is_current(tmp_path):
    fresh = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(fresh))
    assert fresh.read_text() == SCHEMA_PATH.read_text(), "openapi.yaml is stale: run `make schema` and commit it"


def test_operation_ids_and_component_names_are_unique():
    schema = committed_schema()
    ids = [op["operationId"] for path in schema["paths"].values() for op in path.values() if "operationId" in op]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 14 * 6  # list, create, retrieve, update, partial update, delete per resource


def test_every_operation_documents_its_errors():
    schema = committed_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "429", "500", "503"} <= codes, f"{method.upper()} {path} lacks error responses"
            # 414 comes from the HTTP server, before the API, so it has no Error body.
            assert "content" not in operation["responses"]["414"], f"{method.upper()} {path} 414"
            for code in codes - {"200", "201", "204", "304", "414"}:
                content = operation["responses"][code]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/Error"}, f"{method.upper()} {path} {code}"
            if method in ("post", "put", "patch", "delete"):
                assert {"401", "403"} <= codes


def test_docs_are_served_offline(client, db):
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
    assert client.get("/api/redoc/").status_code == 200
    assert client.get("/api/schema/").status_code == 200
    bundle = next(p for p in html.split('"') if p.startswith("/static/drf_spectacular_sidecar/") and p.endswith(".js"))
    assert client.get(bundle).status_code == 200, f"{bundle} is not served"


def test_root_lists_every_resource_by_url(api):
    from api.resources import RESOURCES

    root = api.get("/api/v1/").json()
    for resource in RESOURCES.values():
        url = root[resource.prefix.replace("-", "_")]
        assert url.endswith(f"/api/v1/{resource.prefix}/")
        assert api.get(url).status_code == 200
    assert root["throttle"].endswith("/api/v1/throttle/")


def test_no_string_query_parameter_admits_an_empty_value():
    """The API refuses ``?name=`` as blank (400), so the schema must not call it valid: each string
    query parameter has minLength 1, an enum, a pattern the empty string fails, or the date-time
    format (which "" is not). ``tests/schemathesis/hooks.py`` relies on it."""
    import re

    admits_empty = []
    for path, operations in committed_schema()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                if parameter["in"] != "query" or schema.get("type") != "string":
                    continue
                refused = (
                    schema.get("minLength", 0) >= 1
                    or ("enum" in schema and "" not in schema["enum"])
                    or ("pattern" in schema and not re.search(schema["pattern"], ""))
                    or schema.get("format") == "date-time"
                )
                if not refused:
                    admits_empty.append(f"{method.upper()} {path} {parameter['name']}")
    assert admits_empty == []


def test_every_list_envelope_requires_count_exact():
    """Every paginated answer says whether its count is exact, and what count means when it is not."""
    schema = committed_schema()
    components = schema["components"]["schemas"]
    envelopes = 0
    for path, operations in schema["paths"].items():
        answer = operations.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        body = answer.get("application/json", {}).get("schema", {})
        body = components[body["$ref"].rsplit("/", 1)[1]] if "$ref" in body else body
        if "results" not in body.get("properties", {}):
            continue
        envelopes += 1
        assert {"count", "count_exact", "next", "previous", "results"} <= set(body["required"]), path
        assert body["properties"]["count_exact"]["type"] == "boolean", path
        assert "exact" in body["properties"]["count"]["description"], path
    assert envelopes >= 14 + 3  # every resource's list, the timeline, the search, the change log
