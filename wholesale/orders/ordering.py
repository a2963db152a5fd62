"""Who an order is for, by who asks: a buyer orders for itself; a supplier's staff enter an
order for one of their customers (a phone order). Both end in `place_order()`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wholesale.accounts.models import Organization, OrgKind, User
from wholesale.db import is_id
from wholesale.errors import BadRequest, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.orders import idempotency
from wholesale.orders.models import Channel
from wholesale.orders.placement import PlacementResult, place_order
from wholesale.trading.models import TradingRelationship


def customer_of(supplier: Organization, buyer_id: Any) -> Organization:
    """A buyer the supplier trades with, else 404 (as for any other tenant's resource)."""
    buyer = None
    if is_id(buyer_id):
        stmt = (
            select(TradingRelationship)
            .where(TradingRelationship.supplier_id == supplier.id,
                   TradingRelationship.buyer_id == buyer_id)
            .execution_options(all_tenants=True)
        )
        relationship = db.session.scalars(stmt).first()
        buyer = relationship.buyer if relationship is not None else None
    if buyer is None:
        raise NotFound("Buyer not found: they are not one of your customers.")
    return buyer


def resolve_parties(actor: User, supplier_id: int | None,
                    buyer_id: int | None) -> tuple[Organization, int, Channel]:
    """(buyer, supplier id, channel) for an API request: a buyer's own order (`api`), or a
    supplier entering one for a customer named by `buyer_id` (`phone`)."""
    org = actor.organization
    if org.kind is OrgKind.SUPPLIER:
        if buyer_id is None:
            raise ValidationFailed.one("buyer_id", "Name the customer this order is for.")
        if supplier_id is not None and supplier_id != org.id:
            raise NotFound("Supplier not found.")
        return customer_of(org, buyer_id), org.id, Channel.PHONE
    if buyer_id is not None and buyer_id != org.id:
        raise ValidationFailed.one(
            "buyer_id", "Only a supplier entering an order for a customer sets buyer_id."
        )
    if supplier_id is None:
        raise ValidationFailed.one("supplier_id", "Choose the supplier to order from.")
    return org, supplier_id, Channel.API


def require_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise BadRequest(
            "Send an Idempotency-Key header (e.g. a UUID) so a retry cannot place the order "
            "twice.",
            code="idempotency_key_required",
        )
    return key


def place_api_order(actor: User, data: dict[str, Any], key: str | None) -> PlacementResult:
    """`POST /api/v1/orders`: `data` is the validated body, `key` the Idempotency-Key."""
    key = require_key(key)
    buyer, supplier_id, channel = resolve_parties(actor, data.get("supplier_id"),
                                                  data.get("buyer_id"))
    return place_order(
        actor=actor,
        buyer=buyer,
        supplier_id=supplier_id,
        lines=data["lines"],
        requested_delivery_date=data["requested_delivery_date"],
        delivery_location_id=data["delivery_location_id"],
        notes=data.get("notes"),
        contacts=data.get("contacts"),
        po_number=data.get("po_number"),
        channel=channel,
        idempotency_key=key,
        fingerprint=idempotency.fingerprint(data),
    )


def place_phone_order(actor: User, buyer_id: Any, form: dict[str, Any],
                      key: str | None) -> PlacementResult:
    """A supplier's staff enter an order for a customer (channel `phone`); `key` is the
    form's own idempotency key, so submitting the form twice places one order."""
    org = actor.organization
    if org.kind is not OrgKind.SUPPLIER:
        raise NotFound("Page not found.")
    buyer = customer_of(org, buyer_id)
    return place_order(
        actor=actor, buyer=buyer, supplier_id=org.id, lines=form.get("lines") or [],
        requested_delivery_date=form.get("requested_delivery_date"),
        delivery_location_id=form.get("delivery_location_id"), notes=form.get("notes"),
        contacts=form.get("contacts"), po_number=form.get("po_number"),
        channel=Channel.PHONE, idempotency_key=require_key(key),
    )
