"""Shipping by carrier: parcels from the order's lines, rates side by side, a label bought
for one of them, which records the shipment.

Rates are quoted for what would ship by default (everything reserved and not shipped), from
the warehouse holding most of it to the order's delivery location; the supplier may send
parcels of its own. Each rate is kept as a `ShippingQuote` for `QUOTE_TTL`: buying a label
names one of the order's quotes (any other id is refused before the carrier is asked). The
label is bought first (that is where it can fail), then the shipment is recorded through
`shipments.ship` — the same stock moves, events, status walk and buyer notice as any
shipment; should that fail, the label is refunded at once. The label PDF is kept under
`<instance>/uploads/labels/`, shown only to the two sides of the order.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from wholesale.accounts.models import User
from wholesale.db import is_id, utcnow
from wholesale.errors import DomainError, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment import access, machine, reservations, shipments
from wholesale.fulfilment.carriers import carrier
from wholesale.fulfilment.carriers.base import CarrierError, Parcel, parse_address
from wholesale.fulfilment.errors import (
    CarrierRefused,
    CarrierUnavailable,
    InvalidTransition,
    RateExpired,
)
from wholesale.fulfilment.models import Shipment, ShippingQuote
from wholesale.orders.models import Order

QUOTE_TTL = timedelta(hours=12)
MAX_PARCELS = 50
_DEFAULT_CASE_CM = Decimal("30")  # a case with no size in the catalog: a 30 cm cube


def default_parcels(order: Order) -> list[Parcel]:
    """One parcel per case of what would ship now: the product's unit weight times the
    units in the case, the case's size from the catalog. 422 naming the product when a
    weight is missing (the supplier then gives the parcels)."""
    parcels: list[Parcel] = []
    missing: list[str] = []
    for line in order.lines:
        units = reservations.unshipped_reserved(line)
        product = line.product
        if units <= 0:
            continue
        if product.weight_kg is None:
            missing.append(line.sku)
            continue
        size = max(product.case_size, 1)
        dims = [product.case_length_cm, product.case_width_cm, product.case_height_cm]
        length, width, height = (d if d is not None else _DEFAULT_CASE_CM for d in dims)
        for start in range(0, units, size):
            in_case = min(size, units - start)
            parcels.append(Parcel((product.weight_kg * in_case).quantize(Decimal("0.001")),
                                  length, width, height))
    if missing:
        raise ValidationFailed.one(
            "parcels", f"No weight in the catalog for {', '.join(missing)}: give the parcels "
                       "(weight and size) or add the weight to the product.")
    if not parcels:
        raise ValidationFailed.one("parcels", "Nothing on this order is waiting to ship.")
    if len(parcels) > MAX_PARCELS:
        raise ValidationFailed.one(
            "parcels", f"That is {len(parcels)} cases: give the parcels as they will be packed "
                       f"(at most {MAX_PARCELS}).")
    return parcels


def quote(order_id: int, actor: User, parcels: Sequence[Mapping[str, Any]] | None = None
          ) -> list[ShippingQuote]:
    """Ask the carrier backend for rates and keep them as the order's quotes (cheapest
    first). 403 for the buyer, 409 when the order is not open, 422 for parcels the carrier
    refuses or an address it can't use, 503 when it does not answer."""
    order = _open_order(order_id, actor)
    boxes = ([Parcel(*(_decimal(p[k]) for k in ("weight_kg", "length_cm", "width_cm",
                                                 "height_cm"))) for p in parcels]
             if parcels else default_parcels(order))
    warehouse = _origin(order)
    sender = parse_address(order.supplier.name, warehouse.address)
    location = order.delivery_location
    recipient = parse_address(f"{order.buyer.name} — {location.name}", location.address,
                              phone=location.contact_phone, email=location.contact_email)
    backend = carrier()
    try:
        rates = backend.rates(sender, recipient, boxes)
    except CarrierError as exc:
        raise _domain_error(exc) from None
    described = [{"weight_kg": str(p.weight_kg), "length_cm": str(p.length_cm),
                  "width_cm": str(p.width_cm), "height_cm": str(p.height_cm)} for p in boxes]
    quotes = [ShippingQuote(order_id=order.id, backend=backend.name, rate_id=r.id,
                            carrier=r.carrier, service=r.service, amount=r.amount,
                            currency=r.currency, days=r.days, parcels=described)
              for r in rates]
    db.session.add_all(quotes)
    db.session.flush()
    return quotes


def buy_label(order_id: int, actor: User, rate_id: str,
              lines: Sequence[Mapping[str, Any]] | None = None) -> Shipment:
    """Buy the label of one of the order's quotes and record the shipment with its
    tracking (see the module docstring). 404 for another tenant's order, 403 for the buyer,
    409 for an order that is not open or a quote too old, 422 for an unknown rate or lines
    that can't ship, 503 when the carrier does not answer. Nothing changes on an error."""
    order = _open_order(order_id, actor)
    found = db.session.scalars(select(ShippingQuote).where(
        ShippingQuote.order_id == order.id, ShippingQuote.rate_id == rate_id)).first()
    if found is None:
        raise ValidationFailed.one("rate_id", "Not a rate quoted for this order: get the "
                                              "rates again and choose one of them.")
    if utcnow() - _aware(found.created_at) > QUOTE_TTL:
        raise RateExpired("That rate has expired: get the rates again.")
    shipments.wanted(order, lines)  # can it ship as asked? (before anything is bought)
    backend = carrier()
    try:
        label = backend.buy_label(rate_id)
    except CarrierError as exc:
        raise _domain_error(exc) from None
    try:
        shipment = shipments.ship(order, actor, carrier=found.carrier,
                                  tracking_number=label.tracking_number,
                                  tracking_url=label.tracking_url, lines=lines)
    except DomainError:
        try:
            backend.refund(label.transaction_id)
        except CarrierError:
            current_app.logger.error("label %s bought but not used and not refunded",
                                     label.transaction_id)
        raise
    shipment.label_backend = backend.name
    shipment.label_transaction_id = label.transaction_id
    shipment.label_service = found.service
    shipment.label_amount = found.amount
    shipment.label_currency = found.currency
    shipment.label_remote_url = label.label_url
    shipment.carrier_eta = label.eta
    if label.pdf:
        shipment.label_file = f"{order.id}-{shipment.id}-{secrets.token_hex(8)}.pdf"
        target = labels_root() / shipment.label_file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(label.pdf)
    # The rate is spent: the order's quotes go (asking to buy one again is an unknown rate).
    db.session.execute(delete(ShippingQuote).where(ShippingQuote.order_id == order.id))
    db.session.flush()
    return shipment


def labels_root() -> Path:
    return Path(current_app.instance_path) / "uploads" / "labels"


def label_file(shipment_id: int) -> Path:
    """The stored label PDF of a shipment the current tenant may see."""
    shipment = None
    if is_id(shipment_id):
        shipment = db.session.get(Shipment, shipment_id)
    if shipment is None or not shipment.label_file:
        raise NotFound("Label not found.")
    root = labels_root().resolve()
    path = (root / shipment.label_file).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound("Label not found.")
    return path


def _open_order(order_id: int, actor: User) -> Order:
    order = access.lock(order_id)
    assert order is not None
    access.require_supplier(actor, order, "buys shipping labels")
    if order.status not in machine.OPEN:
        raise InvalidTransition(f"Order {order.display_number} is {order.status.value}; "
                                "nothing more can ship on it.")
    return order


def _origin(order: Order) -> Any:
    """The warehouse holding most of what would ship."""
    units: dict[int, int] = {}
    warehouses: dict[int, Any] = {}
    for line in order.lines:
        for allocation in reservations.open_allocations(line):
            left = allocation.quantity - allocation.shipped_quantity
            units[allocation.warehouse_id] = units.get(allocation.warehouse_id, 0) + left
            warehouses[allocation.warehouse_id] = allocation.warehouse
    if not units:
        raise ValidationFailed.one("parcels", "Nothing on this order is waiting to ship.")
    return warehouses[max(units, key=lambda w: (units[w], -w))]


def _decimal(value: float) -> Decimal:
    """A JSON number as the carrier gets it: 30 → "30", 2.5 → "2.5" (never "3E+1")."""
    return Decimal(format(Decimal(str(value)).quantize(Decimal("0.001")).normalize(), "f"))


def _aware(value: datetime) -> datetime:
    """SQLite hands timestamps back without their zone (they are UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# The field a carrier's refusal is about (a 422 names one).
_FIELDS = {"invalid_address": "delivery_location", "no_rates": "parcels",
           "label_failed": "rate_id"}


def _domain_error(exc: CarrierError) -> DomainError:
    if exc.transient:
        return CarrierUnavailable(exc.message)
    if exc.code == "rate_expired":
        return RateExpired(exc.message)
    field = _FIELDS.get(exc.code, "parcels")
    return CarrierRefused(exc.message, code=exc.code, fields={field: [exc.message]})

