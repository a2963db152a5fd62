"""Shipping by carrier: parcels from the order's lines, rates side by side, a label bought
for one of them, which records the shipment.

Rates are quoted for what would ship by default (everything reserved and not shipped), from
the warehouse holding most of it to the order's delivery location; the supplier may send
parcels of its own. Each rate is kept as a `ShippingQuote` for `QUOTE_TTL`: buying a label
names one of the order's quotes (any other id is refused before the carrier is asked). The
label is bought first (that is where it can fail), then the shipment is recorded through
`shipments.ship` — the same stock moves, events, status walk and buyer notice as any
shipment; should that fail, the label is refunded at once. The label PDF is kept under
`<instance>/uploads/labels/`, shown only to the two sides of the order. A label the carrier
has not scanned may be refunded: its shipment is voided (`shipments.void`). No database
transaction stays open while the carrier answers (see `buy_label`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update

from wholesale.accounts.models import User
from wholesale.db import is_id, utcnow
from wholesale.errors import DomainError, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment import (
    access,
    documents,
    machine,
    pdf,
    reservations,
    shipments,
    timeline,
)
from wholesale.fulfilment.carriers import carrier
from wholesale.fulfilment.carriers.base import CarrierError, Parcel, parse_address
from wholesale.fulfilment.errors import (
    CarrierRefused,
    CarrierUnavailable,
    InvalidTransition,
    LabelInDoubt,
    LabelNotRefundable,
    PurchaseInProgress,
    RateExpired,
)
from wholesale.fulfilment.models import Shipment, ShippingQuote
from wholesale.orders.models import Order, OrderStatus

QUOTE_TTL = timedelta(hours=12)
# A purchase or refund under way keeps others out this long (longer than the carrier's three
# tries of 15 s); after that it is taken to have died with its process.
CLAIM_TTL = timedelta(minutes=2)
# A refund the carrier has taken but not settled: asked about again (`check_refunds`).
REFUND_UNDER_WAY = ("QUEUED", "PENDING")
# Tracking statuses of a parcel the carrier has not scanned: its label may be refunded.
UNUSED = (None, "UNKNOWN", "PRE_TRANSIT")
MAX_PARCELS = 50
_DEFAULT_CASE_CM = Decimal("30")  # a case with no size in the catalog: a 30 cm cube


def default_parcels(order: Order, units_of: Mapping[int, int] | None = None) -> list[Parcel]:
    """One parcel per case of what would ship now (`units_of`: order line id → units; by
    default everything reserved and not shipped): the product's unit weight times the units
    in the case, the case's size from the catalog. 422 naming the product when a weight is
    missing (the supplier then gives the parcels)."""
    parcels: list[Parcel] = []
    missing: list[str] = []
    for line in order.lines:
        units = (reservations.unshipped_reserved(line) if units_of is None
                 else units_of.get(line.id, 0))
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


def quote(order_id: int, actor: User, parcels: Sequence[Mapping[str, Any]] | None = None,
          lines: Sequence[Mapping[str, Any]] | None = None) -> list[ShippingQuote]:
    """Ask the carrier backend for rates and keep them as the order's quotes (cheapest
    first), for `lines` (a partial shipment: its label must ship those) or everything that
    can ship. 403 for the buyer, 409 when the order is not open, 422 for lines that can't
    ship, parcels the carrier refuses or an address it can't use, 503 when it does not
    answer. The checks' transaction ends before the carrier is asked (no lock is held while
    it answers); the quotes are written in the next."""
    order = _open_order(order_id, actor)
    units = shipments.wanted(order, lines) if lines else None
    boxes = ([Parcel(*(_decimal(p[k]) for k in ("weight_kg", "length_cm", "width_cm",
                                                 "height_cm"))) for p in parcels]
             if parcels else default_parcels(order, units))
    warehouse = _origin(order, units)
    sender = parse_address(order.supplier.name, warehouse.address)
    location = order.delivery_location
    recipient = parse_address(f"{order.buyer.name} — {location.name}", location.address,
                              phone=location.contact_phone, email=location.contact_email)
    quoted_lines = [{"line_id": k, "quantity": v} for k, v in units.items()] if units else None
    db.session.commit()
    backend = carrier()
    try:
        rates = backend.rates(sender, recipient, boxes)
    except CarrierError as exc:
        raise _domain_error(exc) from None
    described = [{"weight_kg": str(p.weight_kg), "length_cm": str(p.length_cm),
                  "width_cm": str(p.width_cm), "height_cm": str(p.height_cm)} for p in boxes]
    quotes = [ShippingQuote(order_id=order_id, backend=backend.name, rate_id=r.id,
                            carrier=r.carrier, service=r.service, amount=r.amount,
                            currency=r.currency, days=r.days, parcels=described,
                            lines=quoted_lines)
              for r in rates]
    db.session.add_all(quotes)
    db.session.flush()
    # A purchase that did not finish keeps its rate on offer (last): it must be bought
    # again, recording its label if the carrier sold it, before any other (`_claim`).
    unfinished = db.session.scalars(select(ShippingQuote).where(
        ShippingQuote.order_id == order_id, ShippingQuote.claimed_at.is_not(None))).all()
    return quotes + list(unfinished)


@dataclass(frozen=True)
class _Claim:
    """What the purchase needs once the claim's transaction is committed (no ORM objects:
    they expire with the commit)."""

    quote_id: int
    rate_id: str
    carrier: str
    service: str
    amount: Decimal
    currency: str
    lines: list[dict[str, int]] | None
    recover: bool  # an earlier claim of this rate lapsed: its label may have been bought


def buy_label(order_id: int, actor: User, rate_id: str,
              lines: Sequence[Mapping[str, Any]] | None = None) -> Shipment:
    """Buy the label of one of the order's quotes and record the shipment with its
    tracking (see the module docstring). 404 for another tenant's order, 403 for the buyer,
    409 for an order that is not open, a quote too old or a purchase already under way,
    422 for an unknown rate or lines that can't ship, 503 when the carrier does not answer.
    Nothing changes on an error.

    Three steps, so no database transaction (nor the order's row lock) stays open while the
    carrier answers (up to three tries of 15 s): (1) under the order's lock, check and claim
    the quote, commit; (2) buy the label, with no transaction open; (3) under the lock again,
    record the shipment (the caller commits). A second purchase while the claim stands is
    409 `label_in_progress`; a claim older than `CLAIM_TTL` (its process died) lapses, and
    until that rate is bought again (recording its label if the carrier sold it) another rate
    of the order is 409 `label_in_doubt`."""
    claim = _claim(order_id, actor, rate_id, lines)
    backend = carrier()
    try:
        label = backend.buy_label(rate_id, recover=claim.recover)
    except CarrierError as exc:
        _unclaim(claim.quote_id)
        raise _domain_error(exc) from None
    try:
        shipment = shipments.ship(order_id, actor, carrier=claim.carrier,
                                  tracking_number=label.tracking_number,
                                  tracking_url=label.tracking_url, lines=claim.lines)
    except DomainError:  # the order changed while the carrier answered
        db.session.rollback()
        try:
            backend.refund(label.transaction_id)
        except CarrierError:
            current_app.logger.error("label %s bought but not used and not refunded",
                                     label.transaction_id)
        _unclaim(claim.quote_id)
        raise
    shipment.label_backend = backend.name
    shipment.label_transaction_id = label.transaction_id
    shipment.label_service = claim.service
    shipment.label_amount = claim.amount
    shipment.label_currency = claim.currency
    shipment.label_remote_url = label.label_url
    shipment.carrier_eta = label.eta
    if label.pdf:
        shipment.label_file = f"{order_id}-{shipment.id}-{secrets.token_hex(8)}.pdf"
        target = labels_root() / shipment.label_file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(label.pdf)
    # The rate is spent: the order's quotes go (asking to buy one again is an unknown rate).
    db.session.execute(delete(ShippingQuote).where(ShippingQuote.order_id == order_id))
    db.session.flush()
    return shipment


def _claim(order_id: int, actor: User, rate_id: str,
           lines: Sequence[Mapping[str, Any]] | None) -> _Claim:
    """Step 1 of `buy_label`: every check that needs no carrier, then the claim, committed."""
    order = _open_order(order_id, actor)
    quotes = list(db.session.scalars(select(ShippingQuote).where(
        ShippingQuote.order_id == order.id)))
    found = next((q for q in quotes if q.rate_id == rate_id), None)
    if found is None:
        raise ValidationFailed.one("rate_id", "Not a rate quoted for this order: get the "
                                              "rates again and choose one of them.")
    now = utcnow()
    if any(q.claimed_at is not None and now - _aware(q.claimed_at) < CLAIM_TTL
           for q in quotes):
        raise PurchaseInProgress("A label for this order is being bought right now: "
                                 "wait for it (the page shows it once the carrier answers).")
    lapsed = next((q for q in quotes if q.claimed_at is not None), None)
    if lapsed is not None and lapsed is not found:
        # Its label may exist and be paid for: recording it comes before any other label.
        raise LabelInDoubt(
            f"An earlier purchase of the {lapsed.carrier} {lapsed.service} label for this "
            f"order did not finish, and the carrier may have sold it. Buy that rate again: "
            f"its label is recorded if it was bought (it is not paid twice), or bought.")
    if lapsed is None and now - _aware(found.created_at) > QUOTE_TTL:
        raise RateExpired("That rate has expired: get the rates again.")
    if lines is None:
        lines = found.lines
    elif found.lines is not None and _as_map(lines) != _as_map(found.lines):
        raise ValidationFailed.one("lines", "This rate was quoted for other quantities: get "
                                            "the rates again for what this parcel holds.")
    shipments.wanted(order, lines)  # can it ship as asked? (before anything is bought)
    claim = _Claim(found.id, found.rate_id, found.carrier, found.service, found.amount,
                   found.currency, [dict(x) for x in lines] if lines else None,
                   recover=found.claimed_at is not None)
    found.claimed_at = now
    db.session.commit()
    return claim


def _unclaim(quote_id: int) -> None:
    db.session.rollback()
    quote = db.session.get(ShippingQuote, quote_id)
    if quote is not None:
        quote.claimed_at = None
        db.session.commit()


def _as_map(lines: Sequence[Mapping[str, Any]]) -> dict[Any, Any]:
    return {item.get("line_id"): item.get("quantity") for item in lines}


def refund_label(shipment_id: int, actor: User, note: str = "") -> Shipment:
    """Refund the label of a shipment the carrier has not scanned yet, and void the
    shipment (`shipments.void`: the goods are back on the shelf, still reserved; a `shipped`
    order is `packed` again; `shipment_voided` tells the buyer's people who had been told it
    shipped).

    404 for a shipment the tenant can't see, 403 for the buyer; 409 `label_not_refundable`
    (no label, already refunded, scanned, delivered or invoiced) or `label_in_progress` (a
    refund asked a moment ago); 422 `refund_refused` by the carrier; 503 when it does not
    answer. Nothing changes on an error. Like `buy_label`, the carrier is asked between two
    transactions: the request is claimed (committed), then recorded."""
    text = timeline.clean_text(note, "note", required=False, limit=timeline.MAX_NOTE, what="")
    transaction_id = _claim_refund(shipment_id, actor)
    backend = carrier()
    try:
        answer = backend.refund(transaction_id)
    except CarrierError as exc:
        db.session.rollback()
        shipment = db.session.get(Shipment, shipment_id)
        if shipment is not None:
            shipment.refund_requested_at = None
            db.session.commit()
        raise _domain_error(exc, field="shipment") from None
    order = access.lock(shipment_or_404(shipment_id).order_id)
    assert order is not None
    shipment = shipment_or_404(shipment_id)
    side = access.require_supplier(actor, order, "refunds labels")
    shipment.label_refund_status = answer.status
    shipment.label_refund_id = answer.refund_id or None
    shipments.void(order, shipment, actor, side, text)
    return shipment


def check_refunds(limit: int = 50) -> int:
    """Ask the carrier again about refunds it queued (QUEUED, PENDING) and record what they
    became; returns how many changed. For the worker's periodic work: no transaction stays
    open while the carrier answers (the ids are read, that transaction ends, then each answer
    is recorded and committed). A refund the carrier refuses after all (ERROR) leaves the
    shipment void (its goods never left) and the order page says the label stays paid."""
    rows = db.session.execute(
        select(Shipment.id, Shipment.label_refund_id)
        .where(Shipment.label_refund_status.in_(REFUND_UNDER_WAY),
               Shipment.label_refund_id.is_not(None))
        .order_by(Shipment.refund_requested_at, Shipment.id).limit(limit)
        .execution_options(all_tenants=True)).all()
    db.session.commit()
    if not rows:
        return 0
    backend = carrier()
    changed = 0
    for shipment_id, refund_id in rows:
        try:
            status = backend.refund_status(refund_id)
        except CarrierError as exc:
            current_app.logger.warning("refund %s: %s", refund_id, exc.message)
            continue
        updated = db.session.execute(
            update(Shipment).where(Shipment.id == shipment_id,
                                   Shipment.label_refund_status.in_(REFUND_UNDER_WAY))
            .values(label_refund_status=status[:20])
            .execution_options(all_tenants=True)).rowcount
        db.session.commit()
        if updated and status not in REFUND_UNDER_WAY:
            changed += 1
            if status == "ERROR":
                current_app.logger.error("the carrier refused refund %s of shipment %s: the "
                                         "label stays paid", refund_id, shipment_id)
    return changed


def refundable(shipment: Shipment) -> bool:
    """Whether the order page offers to refund the shipment's label (`refund_label` has
    the last word, and says why not)."""
    return (bool(shipment.label_transaction_id) and shipment.voided_at is None
            and shipment.tracking_status in UNUSED and shipment.delivered_at is None
            and shipment.order.status is not OrderStatus.DELIVERED)


def _claim_refund(shipment_id: int, actor: User) -> str:
    """Step 1 of `refund_label`: the checks, then the request marked as asked, committed."""
    order = access.lock(shipment_or_404(shipment_id).order_id)
    assert order is not None
    access.require_supplier(actor, order, "refunds labels")
    shipment = shipment_or_404(shipment_id)
    if shipment.voided_at is not None:
        when = f"{shipment.voided_at:%b %d, %H:%M} UTC"
        raise LabelNotRefundable(f"This label was refunded already ({when}); the shipment "
                                 "is void.")
    if not shipment.label_transaction_id:
        raise LabelNotRefundable("This shipment has no carrier label to refund (it was "
                                 "recorded by hand).")
    if (shipment.refund_requested_at is not None
            and utcnow() - _aware(shipment.refund_requested_at) < CLAIM_TTL):
        raise PurchaseInProgress("A refund of this label was asked a moment ago: wait for "
                                 "the carrier's answer.")
    if shipment.tracking_status not in UNUSED or shipment.delivered_at is not None \
            or order.status is OrderStatus.DELIVERED:
        raise LabelNotRefundable(
            f"{shipment.carrier} has this parcel already ("
            f"{(shipment.tracking_status or 'delivered').replace('_', ' ').lower()}): a used "
            "label can't be refunded.")
    _check_not_invoiced(shipment)
    shipment.refund_requested_at = utcnow()
    transaction_id = shipment.label_transaction_id
    db.session.commit()
    return transaction_id


def _check_not_invoiced(shipment: Shipment) -> None:
    """The shipment's units must not be on a live invoice once it is void."""
    from wholesale.invoicing.quantities import invoiced, shipped

    left = shipped(shipment.order_id)
    for line in shipment.lines:
        left[line.order_line_id] = left.get(line.order_line_id, 0) - line.quantity
    billed = invoiced(shipment.order_id)
    if any(quantity > left.get(line_id, 0) for line_id, quantity in billed.items()):
        raise LabelNotRefundable("Units of this shipment are on an invoice: void the invoice "
                                 "first, then refund the label.")


def shipment_or_404(shipment_id: int) -> Shipment:
    found = db.session.get(Shipment, shipment_id) if is_id(shipment_id) else None
    if found is None:
        raise NotFound("Shipment not found.")
    return found


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


def slip_and_label(shipment_id: int, supplier_id: int) -> tuple[bytes, str]:
    """The shipment's packing slip with its label's pages after it (one print gives both),
    and a file name; 404 for anyone but the supplier and for a void shipment."""
    shipment = shipment_or_404(shipment_id)
    order = shipment.order
    if order.supplier_id != supplier_id or shipment.voided_at is not None:
        raise NotFound("Shipment not found.")
    stored = label_file(shipment_id).read_bytes() if shipment.label_file else None
    where = ("Its label is on the next page." if stored else
             f"Print its label from {shipment.label_remote_url}." if shipment.label_remote_url
             else "")
    footer = " ".join(x for x in (
        f"Shipment {shipment.id}: {shipment.carrier} {shipment.label_service}".rstrip(),
        f"tracking {shipment.tracking_number}." if shipment.tracking_number else "", where) if x)
    slip = pdf.packing_slips_pdf([documents.shipment_slip(shipment)], order.supplier.name,
                                 footer)
    return pdf.with_label(slip, stored), f"packing-slip-{order.display_number}-{shipment.id}.pdf"


def _open_order(order_id: int, actor: User) -> Order:
    order = access.lock(order_id)
    assert order is not None
    access.require_supplier(actor, order, "buys shipping labels")
    if order.status not in machine.OPEN:
        raise InvalidTransition(f"Order {order.display_number} is {order.status.value}; "
                                "nothing more can ship on it.")
    return order


def _origin(order: Order, units_of: Mapping[int, int] | None = None) -> Any:
    """The warehouse holding most of what would ship (of `units_of`'s lines, if given)."""
    units: dict[int, int] = {}
    warehouses: dict[int, Any] = {}
    for line in order.lines:
        if units_of is not None and line.id not in units_of:
            continue
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


def _domain_error(exc: CarrierError, field: str | None = None) -> DomainError:
    if exc.transient:
        return CarrierUnavailable(exc.message)
    if exc.code == "rate_expired":
        return RateExpired(exc.message)
    field = field or _FIELDS.get(exc.code, "parcels")
    return CarrierRefused(exc.message, code=exc.code, fields={field: [exc.message]})

