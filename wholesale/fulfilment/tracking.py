"""Carrier tracking updates (Shippo's `track_updated` webhook) applied to shipments.

Each update names a tracking number and the carrier's status event (with its id, so a
delivery retried by Shippo is applied once). TRANSIT and the others update the shipment;
DELIVERED also marks it delivered and moves the order to `delivered` through the state
machine once every shipment of a fully shipped order is delivered; FAILURE and RETURNED
announce `shipment_problem` (the thread and the supplier hear of it). A carrier ETA later
than the order's promised date posts a delay (the buyer's delay notice), once per shipment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from wholesale import signals
from wholesale.db import utcnow
from wholesale.errors import BadRequest, DomainError, NotFound
from wholesale.extensions import db
from wholesale.fulfilment import access, delays, late, machine
from wholesale.fulfilment.models import Shipment, TrackingUpdate
from wholesale.orders.models import OrderStatus

STATUSES = frozenset({"UNKNOWN", "PRE_TRANSIT", "TRANSIT", "DELIVERED", "RETURNED", "FAILURE"})
PROBLEMS = frozenset({"FAILURE", "RETURNED"})


@dataclass(frozen=True)
class Update:
    tracking_number: str
    event_id: str
    status: str
    details: str
    at: datetime | None
    eta: datetime | None


def parse(payload: Any) -> Update:
    """A `track_updated` body (Shippo's WebhookPayloadTrack) → Update; 400 when malformed."""
    data = payload.get("data") if isinstance(payload, dict) else None
    status = data.get("tracking_status") if isinstance(data, dict) else None
    if not isinstance(status, dict):
        raise BadRequest("Expected a track_updated body with data.tracking_status.")
    number, event_id, code = (data.get("tracking_number"), status.get("object_id"),
                              status.get("status"))
    if not (isinstance(number, str) and number.strip() and isinstance(event_id, str)
            and event_id and code in STATUSES):
        raise BadRequest("data.tracking_number, data.tracking_status.object_id and a known "
                         "data.tracking_status.status are required.")
    return Update(number.strip()[:100], event_id[:64], code,
                  str(status.get("status_details") or "")[:2000],
                  _when(status.get("status_date")), _when(data.get("eta")))


def apply(update: Update) -> str:
    """Apply one update (see the module docstring); the outcome for the webhook's answer.
    404 for a tracking number no shipment has (nothing changes)."""
    shipment = db.session.scalars(
        select(Shipment).where(Shipment.tracking_number == update.tracking_number)
        .order_by(Shipment.id.desc()).execution_options(all_tenants=True)).first()
    if shipment is None:
        raise NotFound(f"No shipment has the tracking number {update.tracking_number!r}.",
                       code="unknown_tracking_number")
    if shipment.voided_at is not None:
        return "voided"  # its label was refunded: the order no longer counts on it
    with db.session.begin_nested():
        order = access.lock(shipment.order_id)
        assert order is not None
        seen = db.session.scalars(select(TrackingUpdate.id).where(
            TrackingUpdate.shipment_id == shipment.id,
            TrackingUpdate.event_id == update.event_id)).first()
        if seen is not None:
            return "duplicate"
        db.session.add(TrackingUpdate(shipment_id=shipment.id, event_id=update.event_id,
                                      status=update.status, details=update.details))
        shipment.tracking_status = update.status
        shipment.tracking_details = update.details
        if update.eta is not None:
            shipment.carrier_eta = update.eta
        db.session.flush()
        if update.status == "DELIVERED":
            return _delivered(shipment, update)
        if update.status in PROBLEMS:
            signals.shipment_problem.send(order.supplier, order=order, actor=None,
                                          shipment=shipment, status=update.status,
                                          details=update.details)
            return update.status.lower()
        _later_eta(shipment, update)
    return update.status.lower()


def _delivered(shipment: Shipment, update: Update) -> str:
    shipment.delivered_at = update.at or utcnow()
    db.session.flush()
    order = shipment.order
    if order.status is OrderStatus.SHIPPED and all(
            s.delivered_at for s in order.shipments if s.voided_at is None):
        machine.transition(order, OrderStatus.DELIVERED, None,
                           f"Delivered ({shipment.carrier} tracking {shipment.tracking_number}).")
        return "order_delivered"
    return "shipment_delivered"


def _later_eta(shipment: Shipment, update: Update) -> None:
    """The carrier's new ETA is later than promised: the delay notice, once a shipment."""
    order = shipment.order
    if (update.eta is None or shipment.eta_notice_sent
            or order.status not in late.CAN_BE_LATE):
        return
    new_eta: date = update.eta.date()
    if new_eta <= late.due_date(order):
        return
    try:
        delays.post_delay(order, None, new_eta=new_eta,
                          reason=f"{shipment.carrier} now expects to deliver on "
                                 f"{new_eta.isoformat()} (tracking {shipment.tracking_number}).")
    except DomainError:
        return  # an ETA we can't post (in the past, beyond the horizon): tracking still shows
    shipment.eta_notice_sent = True
    db.session.flush()


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
