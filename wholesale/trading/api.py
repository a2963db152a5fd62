"""API: a supplier's customers and a buyer's suppliers."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from wholesale.api.pagination import Page, paginate
from wholesale.api.registry import route
from wholesale.trading import services
from wholesale.trading.models import TradingRelationship
from wholesale.trading.schemas import CustomerRequest, RelationshipSchema


def _as_seen_by(rel: TradingRelationship, org_id: int) -> dict[str, Any]:
    other = rel.buyer if rel.supplier_id == org_id else rel.supplier
    return {
        "id": rel.id,
        "organization": other,
        "payment_terms": rel.payment_terms,
        "notes": rel.notes,
        "created_at": rel.created_at,
    }


@route(
    "/customers",
    "POST",
    summary="Connect an existing buyer organization by email",
    body=CustomerRequest,
    response=RelationshipSchema,
    status=201,
    kinds=["supplier"],
)
def add_customer(data: dict[str, Any]) -> dict[str, Any]:
    rel = services.connect_customer(current_user, data["buyer_email"])
    return _as_seen_by(rel, current_user.organization_id)


@route(
    "/customers",
    summary="The buyers this supplier trades with",
    response=RelationshipSchema,
    kinds=["supplier"],
    paginated=True,
)
def list_customers(query: dict[str, Any]) -> Page:
    return _paged(query)


@route(
    "/suppliers",
    summary="The suppliers this buyer trades with",
    response=RelationshipSchema,
    kinds=["buyer"],
    paginated=True,
)
def list_suppliers(query: dict[str, Any]) -> Page:
    return _paged(query)


def _paged(query: dict[str, Any]) -> Page:
    org = current_user.organization
    page = paginate(services.relationships_query(org), TradingRelationship.id, query)
    page.items = [_as_seen_by(rel, org.id) for rel in page.items]
    return page
