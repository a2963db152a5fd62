"""`GET /api/v1/openapi.json`, built from the `route()` declarations and their schemas."""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.field_converter import FieldConverterMixin
from flask import current_app
from marshmallow import fields

from wholesale.api import bp
from wholesale.api.registry import OPERATIONS, Operation, route

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
# Error answers every operation documents (plus its own `extra_responses`).
_ERROR_CODES = {
    400: "Malformed request",
    401: "Missing or bad token",
    403: "Role not allowed",
    404: "Unknown, or another tenant's",
    405: "Method not allowed on this path",
    409: "Conflict",
    422: "Validation error",
}
# ... and those of an operation that takes a request body.
_BODY_ERROR_CODES = {413: "The request body is larger than the server accepts"}
# Answered by the HTTP server (gunicorn) before the app sees the request: not JSON.
_SERVER_RESPONSES = {
    "414": {
        "description": "The request line (path and query string) is longer than the HTTP "
                       "server accepts; answered in HTML by the server, not by the API",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
}


def decimal_strings(
    self: FieldConverterMixin, field: fields.Field, **kwargs: Any
) -> dict[str, Any]:
    """apispec maps every `fields.Decimal` to `number`, but one with `as_string=True` answers
    a decimal string ("12.50", as all money in the API): describe it as that string."""
    if not (isinstance(field, fields.Decimal) and field.as_string):
        return {}
    prop: dict[str, Any] = {"type": "string", "format": "decimal"}
    if field.places is not None:
        places = -field.places.as_tuple().exponent
        prop["pattern"] = rf"^-?\d+\.\d{{{places}}}$"
    return prop


def times_of_day(
    self: FieldConverterMixin, field: fields.Field, ret: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    """A `fields.Time` ("06:00"): under marshmallow 3 it is a DateTime, for which apispec
    writes `format: null` and `pattern: null` — not valid OpenAPI."""
    if not isinstance(field, fields.Time):
        return {}
    ret.pop("format", None)
    return {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2})?$", "example": "06:00"}


def openapi_path(rule: str) -> str:
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _success(op: Operation, description: str) -> dict[str, Any]:
    if op.response is None:
        return {"description": description}
    schema: Any = op.response
    if op.paginated:
        schema = {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": op.response},
                "next_cursor": {"type": "string", "nullable": True},
            },
        }
    return {"description": description, "content": {"application/json": {"schema": schema}}}


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
    params.extend(
        {"in": "header", "name": name, "required": True, "description": text,
         "schema": {"type": "string"}}
        for name, text in op.headers.items()
    )
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body}},
        }
    doc["responses"][str(op.status)] = _success(op, "A page of results" if op.paginated else "OK")
    errors = dict(_ERROR_CODES)
    if op.public:
        errors.pop(401)
        errors.pop(403)
    if op.method in ("POST", "PUT", "PATCH"):
        errors.update(_BODY_ERROR_CODES)
    errors.update(op.extra_responses)
    for code, text in sorted(errors.items()):
        if code < 400:  # another success, e.g. an idempotent replay: the same body
            doc["responses"][str(code)] = _success(op, text)
        else:
            doc["responses"][str(code)] = {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
    doc["responses"].update(copy.deepcopy(_SERVER_RESPONSES))
    if op.public:
        doc["security"] = []
    return doc


@cache
def _spec_dict(base_url: str) -> dict[str, Any]:
    marshmallow_plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Ordertalk API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[marshmallow_plugin],
        info={"description": "Wholesale ordering and order chat. See docs/api.md."},
        servers=[{"url": base_url}],
    )
    assert marshmallow_plugin.converter is not None
    marshmallow_plugin.converter.add_attribute_function(decimal_strings)
    marshmallow_plugin.converter.add_attribute_function(times_of_day)
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
