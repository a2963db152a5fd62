"""`GET /api/v1/openapi.json`, built from the `route()` declarations and their schemas."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from wholesale.api import bp
from wholesale.api.registry import OPERATIONS, Operation, route

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_ERROR_CODES = {
    400: "Malformed request",
    401: "Missing or bad token",
    403: "Role not allowed",
    404: "Unknown, or another tenant's",
    409: "Conflict",
    422: "Validation error",
}


def openapi_path(rule: str) -> str:
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _operation(op: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.endpoint.split(".", 1)[1],
        "responses": {},
    }
    params = [
        {
            "in": "path",
            "name": name,
            "required": True,
            "schema": {"type": "integer" if conv == "int" else "string"},
        }
        for conv, name in _PARAM.findall(op.rule)
    ]
    if op.query is not None:
        params.append({"in": "query", "schema": op.query})
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body}},
        }
    if op.response is None:
        success: dict[str, Any] = {"description": "OK"}
    elif op.paginated:
        success = {
            "description": "A page of results",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["items", "next_cursor"],
                        "properties": {
                            "items": {"type": "array", "items": op.response},
                            "next_cursor": {"type": "string", "nullable": True},
                        },
                    }
                }
            },
        }
    else:
        success = {"description": "OK", "content": {"application/json": {"schema": op.response}}}
    doc["responses"][str(op.status)] = success
    errors = dict(_ERROR_CODES)
    if op.public:
        errors.pop(401)
        errors.pop(403)
    errors.update(op.extra_responses)
    for code, text in sorted(errors.items()):
        doc["responses"][str(code)] = {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    if op.public:
        doc["security"] = []
    return doc


@cache
def _spec_dict(base_url: str) -> dict[str, Any]:
    spec = APISpec(
        title="Ordertalk API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Wholesale ordering and order chat. See CONTRACT.md."},
        servers=[{"url": base_url}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema(
        "Error",
        {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "fields": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                }
            },
        },
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(op)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    result = spec.to_dict()
    result["security"] = [{"bearer": []}]
    return result


@route("/openapi.json", summary="This document", public=True)
def openapi() -> dict[str, Any]:
    return _spec_dict(current_app.config["PUBLIC_BASE_URL"])


__all__ = ["bp", "openapi"]
