"""API: placing and reading orders (CONTRACT.md §3)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from flask_login import current_user

from wholesale.api.auth import authenticate
from wholesale.api.pagination import Page
from wholesale.api.registry import route
from wholesale.orders import ordering, queries
from wholesale.orders.models import Order
from wholesale.orders.schemas import OrderCreate, OrderListQuery, OrderSchema


def _key_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """No Idempotency-Key: 400 before the body is even read (after a 401 for a bad token)."""

    @wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        if not request.headers.get("Idempotency-Key", "").strip():
            authenticate()
            ordering.require_key(None)
        return view(**kwargs)

    return wrapped


@route(
    "/orders",
    "POST",
    summary="Place an order (header Idempotency-Key required)",
    body=OrderCreate,
    response=OrderSchema,
    status=201,
    decorators=[_key_required],
    headers={"Idempotency-Key": "1 to 255 printable characters; a retry with the same key "
                                "and body answers the order placed the first time"},
    extra_responses={
        200: "The same Idempotency-Key and body again: the order placed the first time",
        400: "idempotency_key_required",
        409: "insufficient_stock (fields name the short lines) or idempotency_key_reused",
    },
)
def create_order(data: dict[str, Any]) -> tuple[Order, int]:
    result = ordering.place_api_order(current_user, data, request.headers.get("Idempotency-Key"))
    return result.order, 201 if result.created else 200


@route(
    "/orders",
    summary="Orders the caller placed or received, newest first",
    query=OrderListQuery,
    response=OrderSchema,
    paginated=True,
)
def list_orders(query: dict[str, Any]) -> Page:
    return queries.list_orders(current_user.organization, queries.OrderFilters.from_query(query),
                               limit=query["limit"], cursor=query.get("cursor"))


@route("/orders/<int:order_id>", summary="One order, as its buyer or supplier sees it",
       response=OrderSchema)
def get_order(order_id: int) -> Order:
    return queries.get_order(order_id)
