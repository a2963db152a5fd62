"""`route()`: declare an API endpoint once — who may call it, what it takes and returns.

The wrapper authenticates, checks the organization kind (403), parses the query string and
the JSON body with marshmallow (400/422), calls the view, dumps the result with the response
schema and commits once. The same declarations produce the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any

from flask import current_app, request
from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowError

from wholesale.api import bp
from wholesale.api.auth import authenticate
from wholesale.api.pagination import Page, PageQuery
from wholesale.db import storable
from wholesale.errors import BadRequest, Forbidden, ValidationFailed
from wholesale.extensions import db
from wholesale.json_provider import TooDeep


@dataclass(frozen=True)
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    body: type[Schema] | None
    query: type[Schema] | None
    response: type[Schema] | None
    status: int
    kinds: tuple[str, ...] | None
    public: bool
    paginated: bool
    extra_responses: dict[int, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"lines.0.quantity": ["..."]}."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_messages(value, path))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    return {prefix or "_schema": [str(messages)]}


@cache
def schema_instance(schema: type[Schema], many: bool = False) -> Schema:
    """One shared instance per schema class: building one deep-copies every declared field,
    which cost more than the dump itself. Instances hold no per-call state (marshmallow 4 has
    no context), so threads may share them."""
    return schema(many=many)


def load(schema: type[Schema], data: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        instance = schema(**kwargs) if kwargs else schema_instance(schema)
        return instance.load(data)
    except MarshmallowError as exc:
        raise ValidationFailed(flatten_messages(exc.messages)) from None


def json_body(empty_is_object: bool = False) -> dict[str, Any]:
    """The request's JSON object, or a clear 400. With `empty_is_object` (a body whose fields
    are all optional, e.g. an action such as accept or dispatch) no body at all reads as {}."""
    if not request.data:
        if empty_is_object:
            return {}
        raise BadRequest("Send a JSON object as the request body.", code="malformed_json")
    try:
        payload = current_app.json.loads(request.data)
    except TooDeep as exc:
        raise BadRequest(str(exc), code="malformed_json") from None
    except ValueError:  # bad JSON, or bytes that are not UTF-8/16/32
        raise BadRequest("The request body is not valid JSON.", code="malformed_json") from None
    if not isinstance(payload, dict):
        raise BadRequest("The request body must be a JSON object.", code="malformed_json")
    if not storable(payload):
        raise BadRequest(
            "The body contains characters that cannot be stored (NUL or lone surrogates).",
            code="malformed_json",
        )
    return payload


def route(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    response: type[Schema] | None = None,
    status: int = 200,
    kinds: Sequence[str] | None = None,
    public: bool = False,
    paginated: bool = False,
    decorators: Sequence[Callable[..., Any]] = (),
    extra_responses: dict[int, str] | None = None,
    headers: dict[str, str] | None = None,
    drivers: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn` at `rule`. `fn` gets path values, `data` (body) and `query` as kwargs,
    and returns the object(s) to dump, or `(object, status)`. `headers` documents the request
    headers the operation requires (name: description); checking them is the view's job.
    A supplier's driver (role `driver`) may call only the operations marked `drivers`."""

    # Query schemas of list endpoints extend PageQuery (limit, cursor).
    query_schema = query or (PageQuery if paginated else None)
    # A body with no required field may be left out entirely (CONTRACT.md §3: actions).
    empty_is_object = body is not None and not any(
        f.required for f in schema_instance(body).load_fields.values())

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        def view(**path: Any) -> Any:
            if not public:
                user = authenticate()
                if kinds is not None and user.organization.kind.value not in kinds:
                    raise Forbidden(
                        f"Only {' or '.join(kinds)} accounts may do this.", code="forbidden_role"
                    )
                if user.role.value == "driver" and not drivers:
                    raise Forbidden("Drivers see only their delivery runs.",
                                    code="forbidden_role")
            kwargs: dict[str, Any] = dict(path)
            if query_schema is not None:
                kwargs["query"] = load(query_schema, request.args.to_dict())
            if body is not None:
                kwargs["data"] = load(body, json_body(empty_is_object))
            result = fn(**kwargs)
            code = status
            if isinstance(result, tuple):
                result, code = result
            payload = _dump(result)
            db.session.commit()
            return payload, code

        for extra in decorators:
            view = extra(view)
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        OPERATIONS.append(
            Operation(
                rule=bp.url_prefix + rule,
                method=method,
                endpoint=f"{bp.name}.{fn.__name__}",
                summary=summary,
                body=body,
                query=query_schema,
                response=response,
                status=status,
                kinds=tuple(kinds) if kinds else None,
                public=public,
                paginated=paginated,
                extra_responses=extra_responses or {},
                headers=headers or {},
            )
        )
        return view

    def _dump(result: Any) -> Any:
        if response is None:
            return result if isinstance(result, dict) else {}
        if isinstance(result, Page):
            return {
                "items": schema_instance(response, many=True).dump(result.items),
                "next_cursor": result.next_cursor,
            }
        return schema_instance(response).dump(result)

    return decorator
