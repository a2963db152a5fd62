"""A purchase order's own thread: the conversation with its vendor.

The vendor has no account. What the supplier's staff write goes out to the vendor (email or
SMS: `purchase_order_message`, delivered by messaging through the outbox); the vendor's
email and SMS replies come back here through messaging's inbound routing
(`vendor_replied`). "Request an update" is a templated message. A new date from the vendor,
posted by staff, moves the open lines' expected date and lists — in the thread, and to the
other staff (`purchase_order_rescheduled`) — the customer orders and backorders waiting for
those products, flagging those due before the new date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment import machine
from wholesale.orders.models import Order, OrderLine
from wholesale.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderMessage,
    PurchaseOrderMessageKind,
    PurchaseOrderStatus,
)
from wholesale.purchasing.purchase_orders import WrongStatus, lock
from wholesale.purchasing.suggestions import reserved_of_line
from wholesale.purchasing.vendors import buying_supplier

S = PurchaseOrderStatus
K = PurchaseOrderMessageKind
MAX_BODY = 5000
CHANNELS = ("email", "sms")
# A PO the vendor has (it was sent) and that is still open: one can talk about it.
TALKING = (S.SENT, S.CONFIRMED, S.PARTLY_RECEIVED)
RESCHEDULABLE = (S.DRAFT, S.SENT, S.CONFIRMED, S.PARTLY_RECEIVED)
UPDATE_REQUEST = ("Hello {name}, could you give us an update on purchase order {number}{due}? "
                  "Please reply with the date you expect to deliver. Thank you, {buyer}")


@dataclass(frozen=True)
class Dependent:
    """A customer order (or backorder) waiting for a product of the purchase order."""

    order_id: int
    number: str
    buyer: str
    sku: str
    waiting: int
    due: date
    backorder: bool

    def late(self, expected: date) -> bool:
        return self.due < expected


def post_event(po: PurchaseOrder, body: str, event_type: str, actor: User | None = None
               ) -> PurchaseOrderMessage:
    message = PurchaseOrderMessage(
        supplier_id=po.supplier_id, purchase_order_id=po.id, kind=K.EVENT, body=body,
        event_type=event_type, author_id=actor.id if actor else None,
        author_name=actor.name if actor else "")
    return _added(po, message)


def write(user: User, po_id: int, body: str, channel: str | None = None,
          event_type: str | None = None) -> PurchaseOrderMessage:
    """A staff member's message to the vendor, sent on `channel` — by default the one the
    vendor last wrote on, else email, else SMS."""
    buying_supplier(user)
    po = lock(po_id)
    text = (body or "").strip()
    if not text:
        raise ValidationFailed.one("body", "Write a message.")
    if len(text) > MAX_BODY:
        raise ValidationFailed.one("body", f"At most {MAX_BODY} characters.")
    if po.status not in TALKING:
        raise WrongStatus(f"{po.display_number} is {po.status.value.replace('_', ' ')}; "
                          "the vendor has no open order to talk about.")
    channel = channel or _default_channel(po)
    if channel not in CHANNELS:
        raise ValidationFailed.one("channel", "Email or SMS.")
    if not (po.vendor.email if channel == "email" else po.vendor.phone):
        what = "email address" if channel == "email" else "phone number"
        raise ValidationFailed.one("channel", f"{po.vendor.name} has no {what}.")
    message = PurchaseOrderMessage(
        supplier_id=po.supplier_id, purchase_order_id=po.id, kind=K.OUTBOUND, channel=channel,
        author_id=user.id, author_name=user.name, body=text, event_type=event_type)
    _added(po, message)
    signals.purchase_order_message.send(po.supplier, purchase_order=po, message=message,
                                        actor=user)
    return message


def _added(po: PurchaseOrder, message: PurchaseOrderMessage) -> PurchaseOrderMessage:
    db.session.add(message)
    db.session.flush()
    signals.purchase_order_thread_changed.send(po.supplier, purchase_order=po,
                                               message=message)
    return message


def _default_channel(po: PurchaseOrder) -> str:
    last = db.session.scalar(
        select(PurchaseOrderMessage.channel)
        .where(PurchaseOrderMessage.purchase_order_id == po.id,
               PurchaseOrderMessage.kind == K.INBOUND)
        .order_by(PurchaseOrderMessage.id.desc()).limit(1))
    if last == "sms" and po.vendor.phone:
        return "sms"
    return "email" if po.vendor.email or not po.vendor.phone else "sms"


def request_update(user: User, po_id: int, channel: str | None = None
                   ) -> PurchaseOrderMessage:
    """The templated nudge: is it on track, and when will it come?"""
    po = db.session.get(PurchaseOrder, po_id)
    expected = expected_on(po) if po is not None else None
    body = UPDATE_REQUEST.format(
        name=(po.vendor.contact_name or po.vendor.name) if po else "",
        number=po.display_number if po else "",
        due=f" (expected {expected:%a %b} {expected.day})" if expected else "",
        buyer=user.organization.name)
    return write(user, po_id, body, channel, event_type="update_requested")


def expected_on(po: PurchaseOrder) -> date | None:
    """The earliest expected date of the lines still open."""
    return min((ln.expected_on for ln in po.lines if ln.expected_on and ln.open_quantity),
               default=None)


def vendor_replied(po: PurchaseOrder, channel: str, address: str, body: str
                   ) -> PurchaseOrderMessage:
    """The vendor's reply (routed and checked by messaging's inbound handling)."""
    name = po.vendor.contact_name or po.vendor.name
    message = PurchaseOrderMessage(
        supplier_id=po.supplier_id, purchase_order_id=po.id, kind=K.INBOUND, channel=channel,
        author_name=f"{name} ({address})", body=body[:MAX_BODY])
    return _added(po, message)


def set_expected_date(user: User, po_id: int, new_date: date, note: str = ""
                      ) -> PurchaseOrderMessage:
    """The vendor gave a new date: the open lines now expect it. The thread says so and
    lists what waits for it; the other staff are warned (`purchase_order_rescheduled`)."""
    buying_supplier(user)
    po = lock(po_id)
    if po.status not in RESCHEDULABLE:
        raise WrongStatus(f"{po.display_number} is {po.status.value.replace('_', ' ')}; "
                          "nothing more is expected.")
    if new_date < date.today():
        raise ValidationFailed.one("expected_on", "The new date is in the past.")
    note = (note or "").strip()[:500]
    previous = expected_on(po)
    open_lines = [ln for ln in po.lines if ln.open_quantity]
    for line in open_lines:
        line.expected_on = new_date
    dependents = waiting_on(po.supplier_id, [ln.product_id for ln in open_lines])
    body = _rescheduled_text(po, user, previous, new_date, note, dependents)
    message = post_event(po, body, "rescheduled", user)
    signals.purchase_order_rescheduled.send(
        po.supplier, purchase_order=po, actor=user, previous=previous, expected_on=new_date,
        note=note, dependents=dependents, message=message)
    return message


def _day(value: date) -> str:
    return f"{value:%a %b} {value.day}"


def _rescheduled_text(po: PurchaseOrder, user: User, previous: date | None, new: date,
                      note: str, dependents: list[Dependent]) -> str:
    was = f" (was {_day(previous)})" if previous and previous != new else ""
    text = f"{user.name} set {po.display_number}'s expected date to {_day(new)}{was}"
    text += f": {note}" if note else ""
    text += "" if text.endswith((".", "!", "?")) else "."
    if not dependents:
        return text + " No customer order is waiting for these products."
    late = [d for d in dependents if d.late(new)]
    lines = [f"{d.number} {d.buyer}{' (backorder)' if d.backorder else ''}: {d.waiting} × "
             f"{d.sku}, due {_day(d.due)}{' — LATE' if d.late(new) else ''}"
             for d in dependents]
    head = (f" {len(late)} of {len(dependents)} waiting customer orders are due before then."
            if late else f" {len(dependents)} waiting customer orders depend on it, "
            "none due before then.")
    return text + head + "\n" + "\n".join(lines)


def waiting_on(supplier_id: int, product_ids: list[int]) -> list[Dependent]:
    """The supplier's open orders with units of these products not reserved yet (the
    backorders and orders the purchase order fills), earliest due first."""
    if not product_ids:
        return []
    reserved = reserved_of_line()
    stmt = (
        select(Order, OrderLine, (OrderLine.quantity - reserved).label("waiting"))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.supplier_id == supplier_id, Order.status.in_(machine.OPEN),
               OrderLine.product_id.in_(product_ids), OrderLine.quantity > reserved)
        .order_by(Order.requested_delivery_date, Order.id, OrderLine.id)
        .execution_options(all_tenants=True)
    )
    return [Dependent(order.id, order.display_number, order.buyer.name, line.product.sku,
                      int(waiting), order.requested_delivery_date,
                      order.backorder_of_id is not None)
            for order, line, waiting in db.session.execute(stmt)]
