"""Delivery changes: one side asks to deliver on another date and/or at another of the
buyer's locations, with a reason; the other side accepts or declines it with a note.

- At most one request is pending per order: a second one while one is pending is 409
  `change_pending` (answer or wait for the first).
- Requests are possible until the order ships (409 `order_closed` after).
- The new date is checked against the supplier's delivery days, lead time and cut-off when
  asked and again when accepted (time has passed): a date the supplier does not deliver on
  is 422 on `delivery_date`. Only the other side answers (403 `forbidden_role`); an answered
  request can't be answered again (409 `change_not_pending`).
- Accepting moves the order's delivery date (and clears a delay's ETA: the accepted date is
  the new promise) and/or location. Every step is an event and a signal.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.db import MAX_ID, is_id, utcnow
from wholesale.errors import Forbidden, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment import access, machine, timeline
from wholesale.fulfilment.errors import ChangeNotPending, ChangePending, OrderClosed
from wholesale.fulfilment.models import ChangeStatus, DeliveryChange, EventKind, Side
from wholesale.orders import rules
from wholesale.orders.models import Order
from wholesale.sites.models import DeliveryLocation


def request_change(order: Order | int, actor: User, *, delivery_date: object = None,
                   delivery_location_id: object = None, reason: object,
                   now: datetime | None = None) -> DeliveryChange:
    with db.session.begin_nested():
        locked = access.lock(order)
        assert locked is not None
        side = access.side_of(actor, locked)
        _require_open(locked)
        if any(c.status is ChangeStatus.PENDING for c in locked.delivery_changes):
            raise ChangePending(
                f"A delivery change on order {locked.display_number} is already waiting for "
                "an answer; it must be accepted or declined before another is asked.")
        text = timeline.clean_text(reason, "reason", required=True,
                                   what="Say why the delivery should change.")
        new_date = _date(delivery_date)
        location = _location(locked, delivery_location_id)
        if new_date is None and location is None:
            raise ValidationFailed.one("delivery_date",
                                       "Give a new delivery date, a new location, or both.")
        if new_date == locked.requested_delivery_date:
            new_date = None
        if location is not None and location.id == locked.delivery_location_id:
            location = None
        if new_date is None and location is None:
            raise ValidationFailed.one("delivery_date",
                                       "That is already the order's delivery date and place.")
        if new_date is not None:
            _check_date(locked, new_date, now)
        change = DeliveryChange(
            order_id=locked.id, requested_by_id=actor.id, requested_by=actor,
            requested_side=side, delivery_date=new_date,
            delivery_location_id=location.id if location else None, delivery_location=location,
            previous_delivery_date=locked.requested_delivery_date,
            previous_location_id=locked.delivery_location_id, reason=text,
            status=ChangeStatus.PENDING, response_note="", created_at=utcnow(),
        )
        locked.delivery_changes.append(change)
        db.session.flush()
        timeline.record(locked, EventKind.CHANGE_REQUESTED, actor, side, note=text,
                        data=_describe(change))
        signals.delivery_change_requested.send(locked.supplier, order=locked, actor=actor,
                                               change=change)
    return change


def accept_change(change_id: int, actor: User, note: object = "",
                  now: datetime | None = None) -> DeliveryChange:
    with db.session.begin_nested():
        change, order, side = _answerable(change_id, actor)
        text = timeline.clean_text(note, "note", required=False, what="")
        _require_open(order)
        if change.delivery_date is not None:
            _check_date(order, change.delivery_date, now)
            order.requested_delivery_date = change.delivery_date
            order.eta = None
        if change.delivery_location_id is not None:
            order.delivery_location_id = change.delivery_location_id
            order.delivery_location = change.delivery_location
        _answer(change, ChangeStatus.ACCEPTED, actor, text)
        timeline.record(order, EventKind.CHANGE_ACCEPTED, actor, side, note=text,
                        data=_describe(change))
        signals.delivery_change_accepted.send(order.supplier, order=order, actor=actor,
                                              change=change)
    return change


def decline_change(change_id: int, actor: User, note: object = "") -> DeliveryChange:
    with db.session.begin_nested():
        change, order, side = _answerable(change_id, actor)
        text = timeline.clean_text(note, "note", required=True,
                                   what="Say why you decline; the other side sees it.")
        _answer(change, ChangeStatus.DECLINED, actor, text)
        timeline.record(order, EventKind.CHANGE_DECLINED, actor, side, note=text,
                        data=_describe(change))
        signals.delivery_change_declined.send(order.supplier, order=order, actor=actor,
                                              change=change)
    return change


def visible_change(change_id: int) -> DeliveryChange:
    """The request if the current tenant may see its order, else 404."""
    change = None
    if is_id(change_id):
        change = db.session.scalars(
            select(DeliveryChange).where(DeliveryChange.id == change_id)).first()
    if change is None:
        raise NotFound("Delivery change not found.")
    return change


def _answerable(change_id: int, actor: User) -> tuple[DeliveryChange, Order, Side]:
    change = visible_change(change_id)
    order = access.lock(change.order_id)
    assert order is not None
    db.session.refresh(change)
    side = access.side_of(actor, order)
    if side is change.requested_side:
        raise Forbidden("The other side of the order answers this request"
                        f" ({change.other_side.value}).", code="forbidden_role")
    if change.status is not ChangeStatus.PENDING:
        raise ChangeNotPending(f"This delivery change was already {change.status.value}.")
    return change, order, side


def _answer(change: DeliveryChange, status: ChangeStatus, actor: User, note: str) -> None:
    change.status = status
    change.responded_by_id = actor.id
    change.responded_by = actor
    change.responded_at = utcnow()
    change.response_note = note
    db.session.flush()


def _require_open(order: Order) -> None:
    if order.status not in machine.OPEN:
        raise OrderClosed(f"Order {order.display_number} is {order.status.value}; its delivery "
                          "can no longer be changed.")


def _date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationFailed.one("delivery_date", "Give the date as YYYY-MM-DD.") from None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationFailed.one("delivery_date", "Give the date as YYYY-MM-DD.")
    return value


def _location(order: Order, location_id: object) -> DeliveryLocation | None:
    if location_id is None or location_id == "":
        return None
    location = None
    if isinstance(location_id, int) and not isinstance(location_id, bool) \
            and 0 < location_id <= MAX_ID:
        location = db.session.scalars(
            select(DeliveryLocation)
            .where(DeliveryLocation.id == location_id, DeliveryLocation.buyer_id == order.buyer_id)
            .execution_options(all_tenants=True)).first()
    if location is None:
        raise ValidationFailed.one("delivery_location_id",
                                   f"Choose one of {order.buyer.name}'s delivery locations.")
    return location


def _check_date(order: Order, day: date, now: datetime | None) -> None:
    """The supplier's delivery days, lead time and cut-off, as at placement (422)."""
    try:
        rules.check_delivery_date(rules.rules_for(order.supplier_id), day, now or utcnow())
    except ValidationFailed as exc:
        messages = [m for ms in exc.fields.values() for m in ms]
        raise ValidationFailed({"delivery_date": messages}, messages[0]) from None


def _describe(change: DeliveryChange) -> dict[str, object]:
    location = change.delivery_location
    return {
        "change_id": change.id,
        "delivery_date": change.delivery_date,
        "previous_delivery_date": change.previous_delivery_date,
        "delivery_location": ({"id": location.id, "name": location.name}
                              if location is not None else None),
        "reason": change.reason,
        "status": change.status,
    }
