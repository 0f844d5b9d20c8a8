"""The hub headers of the HTTP contract: ``Registry-Hub`` and ``Consistency-Token``.

Their names, the token's syntax, and how the schema documents them. What a token
means (a WAL position of the primary) and how reads honour it is ``config.hubs``'s part.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter

HUB_HEADER = "Registry-Hub"
TOKEN_HEADER = "Consistency-Token"

# PostgreSQL's text form of a WAL position (two hexadecimal halves), kept opaque for clients.
TOKEN_PATTERN = r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$"
TOKEN_SYNTAX = re.compile(TOKEN_PATTERN)

WRITE_STATUS = {"POST": 201, "PUT": 200, "PATCH": 200, "DELETE": 204}

TOKEN_RESPONSE_DESCRIPTION = (
    "Opaque read-your-writes token: the primary database's position just after this write committed. "
    "Send it back as the Consistency-Token header of later reads (at any hub) to be sure they show this "
    "write. Sent by PostgreSQL deployments (a SQLite development database has no such position)."
)
TOKEN_REQUEST_DESCRIPTION = (
    "The Consistency-Token of your latest write, as it was returned. The read is then served from "
    "the hub's replica only once it has replayed that write (waiting a moment at most), otherwise "
    "from the primary: it never misses the write. Without it, a read may lag behind by the "
    "replication delay. A malformed token is a 400."
)


def token_request_parameter() -> OpenApiParameter:
    return OpenApiParameter(
        TOKEN_HEADER, str, OpenApiParameter.HEADER, pattern=TOKEN_PATTERN, description=TOKEN_REQUEST_DESCRIPTION
    )


def token_response_header(method: str) -> OpenApiParameter:
    return OpenApiParameter(
        TOKEN_HEADER,
        str,
        OpenApiParameter.HEADER,
        pattern=TOKEN_PATTERN,
        response=[WRITE_STATUS[method]],
        description=TOKEN_RESPONSE_DESCRIPTION,
    )


def schema_parameters(method: str) -> list[OpenApiParameter]:
    """The token on reads' requests and on writes' successful responses."""
    if method in ("GET", "HEAD"):
        return [token_request_parameter()]
    if method in WRITE_STATUS:
        return [token_response_header(method)]
    return []


PARAMETER_REF = "#/components/parameters/ConsistencyToken"
HEADER_REF = "#/components/headers/ConsistencyToken"


def token_components(result, generator, request, public):
    """drf-spectacular postprocessing hook: the token documented once, as components, and referenced.

    (Inline, its two descriptions would be repeated on each of the API's ~90 operations.) A
    delete's 204 gets the header here: drf-spectacular adds none to a response without a body.
    """
    parameter = header = None
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            if method == "delete" and "204" in operation.get("responses", {}):
                operation["responses"]["204"].setdefault("headers", {})[TOKEN_HEADER] = {"$ref": HEADER_REF}
            for index, candidate in enumerate(operation.get("parameters", [])):
                if candidate.get("in") == "header" and candidate.get("name") == TOKEN_HEADER:
                    parameter = candidate
                    operation["parameters"][index] = {"$ref": PARAMETER_REF}
            for response in operation.get("responses", {}).values():
                headers = response.get("headers", {})
                if TOKEN_HEADER in headers:
                    header = headers[TOKEN_HEADER]
                    headers[TOKEN_HEADER] = {"$ref": HEADER_REF}
    components = result.setdefault("components", {})
    if parameter is not None:
        components.setdefault("parameters", {})["ConsistencyToken"] = parameter
    if header is not None:
        components.setdefault("headers", {})["ConsistencyToken"] = header
    return result


__all__ = ["HUB_HEADER", "TOKEN_HEADER", "TOKEN_PATTERN", "TOKEN_SYNTAX", "schema_parameters", "token_components"]
