"""Schema postprocessing hooks: blank strings as an ``anyOf`` alternative, and closed request bodies."""

from __future__ import annotations


def _blank_alternative(schema) -> bool:
    return schema == {"type": "string", "maxLength": 0}


def blank_strings_use_any_of(result, generator, request, public):
    """``oneOf: [formatted string, empty string]`` becomes ``anyOf``.

    drf-spectacular documents blank-allowed URL fields as a oneOf; but "" also
    satisfies the first branch when ``format`` is not asserted (JSON Schema's
    default), which makes a strict oneOf reject valid responses.
    """
    stack = [result]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            branches = node.get("oneOf")
            if isinstance(branches, list) and len(branches) == 2 and _blank_alternative(branches[1]):
                node["anyOf"] = node.pop("oneOf")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return result


def request_bodies_are_closed(result, generator, request, public):
    """Request-body schemas say ``additionalProperties: false``, as the server does.

    The serializers reject any key that is not a writable field (``unknown_field``,
    read-only keys such as ``id`` included), so every component an operation takes as
    its body (``*Request``, ``Patched*Request``) is closed to match.
    """
    components = result.get("components", {}).get("schemas", {})
    prefix = "#/components/schemas/"
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                component = components.get(ref.removeprefix(prefix)) if ref.startswith(prefix) else None
                if component is not None and component.get("type") == "object":
                    component["additionalProperties"] = False
    return result
