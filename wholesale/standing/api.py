"""The standing-orders endpoints (CONTRACT.md §3 "Standing orders and carrier shipping")."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import select

from wholesale.api.pagination import Page, paginate
from wholesale.api.registry import route
from wholesale.standing import services
from wholesale.standing.models import StandingOrder
from wholesale.standing.schemas import (
    OccurrenceSchema,
    OccurrencesQuery,
    OccurrencesSchema,
    SkipBody,
    StandingOrderCreate,
    StandingOrderSchema,
    StandingOrderUpdate,
)
from wholesale.tenancy import as_tenant


@route("/standing-orders", "POST", summary="Set up a standing order (a buyer with its "
       "supplier, or a supplier for a customer); the supplier's rules are checked now",
       body=StandingOrderCreate, response=StandingOrderSchema, status=201,
       extra_responses={422: "validation_error: a schedule on no delivery day, an end "
                        "before the start, lines the supplier's rules refuse"})
def create_standing_order(data: dict[str, Any]) -> StandingOrder:
    return services.create(current_user, data)


@route("/standing-orders", summary="Standing orders, oldest first", response=StandingOrderSchema,
       paginated=True)
def list_standing_orders(query: dict[str, Any]) -> Page:
    with as_tenant(current_user.organization_id):
        return paginate(select(StandingOrder), StandingOrder.id, query)


@route("/standing-orders/<int:standing_id>", summary="One standing order",
       response=StandingOrderSchema)
def get_standing_order(standing_id: int) -> StandingOrder:
    return services.get(current_user, standing_id)


@route("/standing-orders/<int:standing_id>", "PATCH", summary="Change a standing order "
       "(lines, location, schedule; pause or resume), checked as a whole",
       body=StandingOrderUpdate, response=StandingOrderSchema)
def update_standing_order(standing_id: int, data: dict[str, Any]) -> StandingOrder:
    return services.update(current_user, services.get(current_user, standing_id), data)


@route("/standing-orders/<int:standing_id>/skip", "POST", summary="Skip one occurrence",
       body=SkipBody, response=OccurrenceSchema,
       extra_responses={409: "invalid_transition: it was placed already",
                        422: "not a day of the schedule, or its cut-off passed"})
def skip_standing_occurrence(standing_id: int, data: dict[str, Any]) -> Any:
    return services.skip(current_user, services.get(current_user, standing_id), data["date"])


@route("/standing-orders/<int:standing_id>/occurrences", summary="The occurrences of the "
       "last four weeks and the next `ahead` ones", query=OccurrencesQuery,
       response=OccurrencesSchema)
def list_standing_occurrences(standing_id: int, query: dict[str, Any]) -> dict[str, Any]:
    standing = services.get(current_user, standing_id)
    return {"items": services.occurrences(standing, ahead=query["ahead"])}
