"""OpenAPI links: the ETag a response carries is the If-Match of the next write to that record.

For every record (``/api/v1/<plural>/{slug}/`` or ``/{id}/``), the create (201), read (200),
update and partial update (200) responses link to reading, updating, partially updating and
deleting it, with its lookup taken from the response body and ``If-Match`` from the
response's ``ETag``. A client, an SDK generator or schemathesis's stateful phase can follow
them from a create to conditional writes without guessing either value.
"""

from __future__ import annotations

TARGETS = {"get": "read", "put": "update", "patch": "partial_update", "delete": "delete"}
VERBS = {"read": "Read", "update": "Replace", "partial_update": "Change some fields of", "delete": "Delete"}
SOURCES = {"post": "201", "get": "200", "put": "200", "patch": "200"}


def etag_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the links to every record's responses."""
    paths = result.get("paths", {})
    for path, detail in paths.items():
        lookup = _lookup(path)
        if lookup is None:
            continue
        sources = {method: detail.get(method) for method in ("get", "put", "patch")}
        sources["post"] = paths.get(path[: path.rindex("{")], {}).get("post")
        for method, operation in sources.items():
            response = (operation or {}).get("responses", {}).get(SOURCES[method])
            if response is None or "ETag" not in response.get("headers", {}):
                continue
            links = {
                name: _link(detail[target], lookup, name)
                for target, name in TARGETS.items()
                if target in detail and not (target == method == "get")
            }
            if links:
                response["links"] = links
    return result


def _lookup(path: str) -> str | None:
    for lookup in ("slug", "id"):
        if path.endswith(f"/{{{lookup}}}/"):
            return lookup
    return None


def _link(target: dict, lookup: str, name: str) -> dict:
    parameters = {f"path.{lookup}": f"$response.body#/{lookup}"}
    description = f"{VERBS[name]} this record"
    if name != "read":
        parameters["header.If-Match"] = "$response.header.ETag"
        description += ", if it is still as this response shows it (If-Match: this ETag)"
    return {"operationId": target["operationId"], "parameters": parameters, "description": description + "."}
