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

TOKEN_RESPONSE_DESCRIPTION = "Opaque: send it with later reads to see this write (see Hubs and read-your-writes)."
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


def token_components(result, generator, request, public):
    """drf-spectacular postprocessing hook: the request header documented once, as a component.

    (Inline, its description would be repeated on each of the API's ~35 reads.) The response
    header stays inline (openapi-core cannot resolve a referenced response header), and a
    delete's 204 gets it here: drf-spectacular adds no header to a response without a body.
    """
    parameter = header = None
    deletes = []
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for index, candidate in enumerate(operation.get("parameters", [])):
                if candidate.get("in") == "header" and candidate.get("name") == TOKEN_HEADER:
                    parameter = candidate
                    operation["parameters"][index] = {"$ref": PARAMETER_REF}
            for response in operation.get("responses", {}).values():
                header = response.get("headers", {}).get(TOKEN_HEADER, header)
            if method == "delete" and "204" in operation.get("responses", {}):
                deletes.append(operation["responses"]["204"])
    if header is not None:
        for response in deletes:
            response.setdefault("headers", {})[TOKEN_HEADER] = header
    if parameter is not None:
        result.setdefault("components", {}).setdefault("parameters", {})["ConsistencyToken"] = parameter
    return result


__all__ = ["HUB_HEADER", "TOKEN_HEADER", "TOKEN_PATTERN", "TOKEN_SYNTAX", "schema_parameters", "token_components"]
