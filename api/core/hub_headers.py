"""The hub headers of the HTTP contract: ``Registry-Hub`` and ``Consistency-Token``.

Their names, the token's syntax, and how the schema documents them. What a token
means (a WAL position of the primary) and how reads honour it is ``config.hubs``'s part.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter

HUB_HEADER = "Registry-Hub"
TOKEN_HEADER = "Consistency-Token"

# A WAL position as a hexadecimal number (PostgreSQL writes 1/3000060 for 103000060); opaque to clients.
# Letters and digits only: header tooling (and Schemathesis's generator) handles it as a plain token.
TOKEN_PATTERN = r"^[0-9A-Fa-f]{1,16}$"
TOKEN_SYNTAX = re.compile(TOKEN_PATTERN)

WRITE_STATUS = {"POST": 201, "PUT": 200, "PATCH": 200, "DELETE": 204}

TOKEN_RESPONSE_DESCRIPTION = "Opaque: send it with later reads to see this write (see Hubs and read-your-writes)."
TOKEN_REQUEST_DESCRIPTION = (
    "The Consistency-Token of your latest write: the answer then shows that write (see Hubs and "
    "read-your-writes). Malformed: 400."
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


def delete_headers(result, generator, request, public):
    """drf-spectacular postprocessing hook: a delete's 204 documents the token too.

    (drf-spectacular adds no header to a response without a body.)
    """
    header = None
    deletes = []
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            for response in responses.values():
                header = response.get("headers", {}).get(TOKEN_HEADER, header)
            if method == "delete" and "204" in responses:
                deletes.append(responses["204"])
    if header is not None:
        for response in deletes:
            response.setdefault("headers", {})[TOKEN_HEADER] = header
    return result


__all__ = ["HUB_HEADER", "TOKEN_HEADER", "TOKEN_PATTERN", "TOKEN_SYNTAX", "delete_headers", "schema_parameters"]
