"""API: a customer's price list (the supplier's side of a trading relationship)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from wholesale.api.registry import route
from wholesale.catalog import price_lists
from wholesale.catalog.schemas import PriceListRequest, PriceListSchema


@route(
    "/customers/<int:relationship_id>/price-list",
    summary="A customer's price list",
    response=PriceListSchema,
    kinds=["supplier"],
)
def get_price_list(relationship_id: int) -> dict[str, Any]:
    return price_lists.view(current_user.organization, relationship_id)


@route(
    "/customers/<int:relationship_id>/price-list",
    "PUT",
    summary="Set a customer's price list: a percentage off everything and/or per product a "
    "fixed price or a percentage off",
    body=PriceListRequest,
    response=PriceListSchema,
    kinds=["supplier"],
)
def put_price_list(relationship_id: int, data: dict[str, Any]) -> dict[str, Any]:
    return price_lists.replace(current_user.organization, relationship_id, data)
