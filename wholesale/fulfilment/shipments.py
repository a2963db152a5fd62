"""Shipments: goods leave a warehouse with a carrier and a tracking number.

A shipment takes some or all of what the order has reserved and not shipped yet (by
default: all of it; quantities still waiting for stock are never shipped). For each unit,
on hand and reserved go down together (ledger SHIPMENT), and the allocations it came from
count it as shipped. A supplier may ship from any open status (placed, received, picking,
packed): small teams ship straight away and should not have to click through three steps.
When everything on the order has shipped, the order walks through the steps it skipped —
each one an event on its timeline — to `shipped`. Partial shipments leave the status alone.

The tracking URL is derived for UPS, FedEx, USPS and DHL when none is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment import access, machine, reservations, timeline
from wholesale.fulfilment.errors import InvalidTransition, NothingToShip
from wholesale.fulfilment.models import EventKind, Shipment, ShipmentLine, Side
from wholesale.inventory.ledger import lock_order, move
from wholesale.inventory.models import MovementKind
from wholesale.orders.models import Allocation, Order, OrderLine, OrderStatus

MAX_CARRIER = 64
MAX_TRACKING = 100
MAX_URL = 500


@dataclass(frozen=True)
class Carrier:
    name: str
    url: str  # with {number}


CARRIERS: dict[str, Carrier] = {
    "ups": Carrier("UPS", "https://www.ups.com/track?tracknum={number}"),
    "fedex": Carrier("FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}"),
    "usps": Carrier("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
    "dhl": Carrier("DHL",
                   "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
                   "?submit=1&tracking-id={number}"),
}
_ALIASES = {
    "fed ex": "fedex", "federal express": "fedex", "fedex ground": "fedex",
    "dhl express": "dhl", "united parcel service": "ups", "us postal service": "usps",
    "u.s. postal service": "usps", "united states postal service": "usps",
}


def known_carrier(name: str) -> Carrier | None:
    key = re.sub(r"\s+", " ", name.strip().lower())
    return CARRIERS.get(_ALIASES.get(key, key))


def tracking_url_for(carrier: str, tracking_number: str) -> str | None:
    """The carrier's tracking page for this number, for the carriers we know."""
    known = known_carrier(carrier)
    number = tracking_number.strip()
    if known is None or not number:
        return None
    return known.url.format(number=quote(number, safe=""))


def ship(order: Order | int, actor: User | None, *, carrier: Any, tracking_number: Any = "",
         tracking_url: Any = None, lines: Sequence[Mapping[str, Any]] | None = None) -> Shipment:
    """Record a shipment (see the module docstring). 403 for the buyer, 409 when the order
    is not open or nothing can ship, 422 for bad fields. Flushes; the caller commits."""
    with db.session.begin_nested():
        locked = access.lock(order)
        assert locked is not None
        side = access.require_supplier(actor, locked, "ships orders")
        name, number, url = _details(carrier, tracking_number, tracking_url)
        if locked.status not in machine.OPEN:
            raise InvalidTransition(
                f"Order {locked.display_number} is {locked.status.value}; nothing more can "
                "ship on it.")
        units = wanted(locked, lines)
        shipment = _write(locked, actor, name, number, url, units)
        timeline.record(locked, EventKind.SHIPMENT, actor, side, data={
            "shipment_id": shipment.id, "carrier": name, "tracking_number": number,
            "tracking_url": url, "units": shipment.total_quantity,
            "lines": [{"line_id": ln.order_line_id, "sku": ln.order_line.sku,
                       "quantity": ln.quantity} for ln in shipment.lines]})
        signals.order_shipped.send(locked.supplier, order=locked, actor=actor,
                                   shipment=shipment)
        if reservations.fully_shipped(locked):
            machine.walk_to_shipped(locked, actor, side, f"Everything has shipped ({name}).")
    return shipment


def void(order: Order, shipment: Shipment, actor: User | None, side: Side, note: str) -> None:
    """Undo a shipment whose parcel never left (its label refunded), in the (locked) order:
    each unit goes back on the shelf still reserved for the order — ledger SHIPMENT_VOID,
    on hand +q and reserved +q, the mirror of SHIPMENT — and its allocation counts it as
    not shipped; the shipment's lines go (so nothing counts them as shipped or invoiceable)
    and it is marked void; `shipment_voided` is announced. A `shipped` order is no longer
    all shipped: it is `packed` again. Flushes; the caller commits."""
    with db.session.begin_nested():
        per_level: dict[tuple[int, int], int] = {}
        for item in shipment.lines:
            line = item.order_line
            left = item.quantity
            mine = [a for a in reservations.open_allocations(line)
                    if a.warehouse_id == item.warehouse_id and a.shipped_quantity > 0]
            for allocation in sorted(mine, key=lambda a: a.id, reverse=True):
                back = min(left, allocation.shipped_quantity)
                allocation.shipped_quantity -= back
                left -= back
            assert left == 0, "a shipment line with no allocation that shipped it"
            key = (item.warehouse_id, line.product_id)
            per_level[key] = per_level.get(key, 0) + item.quantity
        ids = reservations.level_ids(order.supplier_id, per_level)
        by_level = {ids[key]: quantity for key, quantity in per_level.items()}
        for level_id in lock_order(by_level):
            move(level_id, MovementKind.SHIPMENT_VOID, on_hand=by_level[level_id],
                 reserved=by_level[level_id],
                 reason=f"Label refunded: shipment on order {order.display_number} void",
                 user_id=actor.id if actor else None, order_id=order.id)
        timeline.record(order, EventKind.SHIPMENT_VOIDED, actor, side, note=note, data={
            "shipment_id": shipment.id, "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number, "units": shipment.total_quantity,
            "lines": [{"line_id": ln.order_line_id, "sku": ln.order_line.sku,
                       "quantity": ln.quantity} for ln in shipment.lines]})
        shipment.lines.clear()
        shipment.voided_at = utcnow()
        shipment.voided_by_id = actor.id if actor else None
        shipment.void_note = note
        db.session.flush()
        signals.shipment_voided.send(order.supplier, order=order, actor=actor,
                                     shipment=shipment, note=note)
        if order.status is OrderStatus.SHIPPED and not reservations.fully_shipped(order):
            machine.unship(order, actor, side, f"{shipment.carrier} label refunded: the "
                                               "parcel did not leave.")


def _details(carrier: Any, tracking_number: Any, tracking_url: Any) -> tuple[str, str, str | None]:
    name = timeline.clean_text(carrier, "carrier", required=True, limit=MAX_CARRIER,
                               what="Name the carrier (e.g. UPS, FedEx, or 'Own van').")
    number = timeline.clean_text(tracking_number, "tracking_number", required=False,
                                 limit=MAX_TRACKING, what="")
    known = known_carrier(name)
    if known is not None:
        name = known.name
    url = timeline.clean_text(tracking_url, "tracking_url", required=False, limit=MAX_URL,
                              what="")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationFailed.one("tracking_url", "Give a web address (https://…).")
    else:
        url = tracking_url_for(name, number) or ""
    return name, number, url or None


def wanted(order: Order, lines: Sequence[Mapping[str, Any]] | None) -> dict[int, int]:
    """order line id → units to ship now; 409 or 422 as `ship` answers (labels check first)."""
    by_id = {line.id: line for line in order.lines}
    if not lines:
        everything = {line.id: reservations.unshipped_reserved(line) for line in order.lines}
        everything = {k: v for k, v in everything.items() if v > 0}
        if not everything:
            raise NothingToShip(
                f"Nothing on order {order.display_number} is reserved and waiting to ship "
                "(what is backordered ships once stock arrives).")
        return everything
    wanted: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(lines):
        line_id, quantity = item.get("line_id"), item.get("quantity")
        line = by_id.get(line_id) if isinstance(line_id, int) else None
        if line is None:
            errors[f"lines.{index}.line_id"] = ["Not a line of this order."]
            continue
        if line_id in wanted:
            errors[f"lines.{index}.line_id"] = ["This line is listed twice."]
            continue
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            errors[f"lines.{index}.quantity"] = ["Must be a whole number, at least 1."]
            continue
        can = reservations.unshipped_reserved(line)
        if quantity > can:
            waiting = reservations.waiting(line)
            why = f"Only {can} {line.unit} of {line.sku} can ship now"
            why += f" ({waiting} still wait for stock)." if waiting else "."
            errors[f"lines.{index}.quantity"] = [why]
            continue
        wanted[line.id] = quantity
    if errors:
        raise ValidationFailed(errors, "Some lines can't ship as asked: "
                               + next(iter(errors.values()))[0])
    return wanted


def _write(order: Order, actor: User | None, carrier: str, number: str, url: str | None,
           wanted: dict[int, int]) -> Shipment:
    shipment = Shipment(order_id=order.id, carrier=carrier, tracking_number=number,
                        tracking_url=url, shipped_by_id=actor.id if actor else None)
    shipment.lines = []
    takes: list[tuple[OrderLine, Allocation, int]] = []
    for line in order.lines:
        remaining = wanted.get(line.id, 0)
        for allocation in reservations.open_allocations(line):
            if remaining == 0:
                break
            take = min(remaining, allocation.quantity - allocation.shipped_quantity)
            if take > 0:
                takes.append((line, allocation, take))
                remaining -= take
    per_level: dict[tuple[int, int], int] = {}
    per_shipment_line: dict[tuple[int, int], int] = {}
    for line, allocation, take in takes:
        level_key = (allocation.warehouse_id, line.product_id)
        per_level[level_key] = per_level.get(level_key, 0) + take
        line_key = (line.id, allocation.warehouse_id)
        per_shipment_line[line_key] = per_shipment_line.get(line_key, 0) + take
        allocation.shipped_quantity += take
    ids = reservations.level_ids(order.supplier_id, per_level)
    by_level = {ids[key]: quantity for key, quantity in per_level.items()}
    for level_id in lock_order(by_level):
        move(level_id, MovementKind.SHIPMENT, on_hand=-by_level[level_id],
             reserved=-by_level[level_id], reason=f"Shipped on order {order.display_number}",
             user_id=actor.id if actor else None, order_id=order.id)
    lines_by_id = {line.id: line for line in order.lines}
    for (line_id, warehouse_id), quantity in per_shipment_line.items():
        shipment.lines.append(ShipmentLine(order_line_id=line_id, order_line=lines_by_id[line_id],
                                           warehouse_id=warehouse_id, quantity=quantity))
    order.shipments.append(shipment)
    db.session.flush()
    return shipment
