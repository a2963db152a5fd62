"""Receivers of `wholesale.signals`: each turns a domain event into notifications, inside
the transaction of the change (see docs/notifications.md for the kwargs read). The
invoicing signals' receivers are in billing.py.

An order that ships is announced once: when both `order_status_changed` (to shipped) and
`order_shipped` fire in one transaction, the message with the tracking wins."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from messaging.notifications import billing, deferred, deliveries, payloads
from messaging.notifications.addresses import normalize_email
from messaging.notifications.catalog import BUYER, CONTACT, STATUS_EVENTS, SUPPLIER
from messaging.notifications.fanout import notify_order
from messaging.notifications.models import Channel, Notification, NotificationEvent, RecipientKind
from messaging.notifications.outbox import Draft, enqueue
from wholesale import signals
from wholesale.accounts.models import User
from wholesale.db import replaying
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant

log = logging.getLogger(__name__)
_SHIPPED_KEY = "messaging.notifications.shipped"


def _actor(kwargs: dict[str, Any]) -> User | None:
    actor = kwargs.get("actor") or kwargs.get("user") or kwargs.get("by")
    return actor if isinstance(actor, User) else None


def _attr(obj: Any, name: str, kwargs: dict[str, Any]) -> Any:
    value = getattr(obj, name, None) if obj is not None else None
    return kwargs.get(name) if value is None else value


def _id_or_random(obj: Any) -> str:
    value = getattr(obj, "id", None)
    return str(value) if value is not None else uuid.uuid4().hex


def _other(side: str | None) -> set[str]:
    if side == SUPPLIER:
        return {BUYER, CONTACT}
    if side == BUYER:
        return {SUPPLIER}
    return {SUPPLIER, BUYER, CONTACT}


def _side_value(value: Any) -> str | None:
    value = getattr(value, "value", value)
    return str(value) if value in (SUPPLIER, BUYER) else None


# -- handlers ------------------------------------------------------------------------------


def on_order_placed(sender: Any, order: Order, **kwargs: Any) -> None:
    """Deferred to the dispatcher (deferred.py): placement is the hot path."""
    detail = {"backorder_of": None}
    if order.backorder_of_id and order.backorder_of is not None:
        detail["backorder_of"] = payloads.order_number(order.backorder_of)
    parts = [(order, f"order_placed:{order.id}", detail)]
    for backorder in getattr(order, "backorders", None) or []:
        parts.append((backorder, f"order_placed:{backorder.id}",
                      {"backorder_of": payloads.order_number(order)}))
    deferred.defer("order_placed", order, _actor(kwargs) or order.placed_by, parts)


def on_status_changed(sender: Any, order: Order, **kwargs: Any) -> None:
    to_status = payloads.plain(kwargs.get("to_status") or kwargs.get("status") or order.status)
    event = STATUS_EVENTS.get(str(to_status))
    if event is None:
        return
    detail = {"from_status": payloads.plain(kwargs.get("from_status")), "to_status": to_status,
              "note": kwargs.get("note") or ""}
    shipped = db.session.info.setdefault(_SHIPPED_KEY, {})
    if event == "order_shipped":
        if order.id in shipped:  # the shipment already announced it, with tracking
            return
        ids = notify_order(order, event, f"shipped:{order.id}:status", detail,
                           actor=_actor(kwargs))
        shipped[order.id] = ("status", ids)
        return
    sides = None if event != "order_cancelled" else {SUPPLIER, BUYER, CONTACT}
    ids = notify_order(order, event, f"status:{order.id}:{to_status}", detail,
                       actor=_actor(kwargs), sides=sides)
    if event == "order_cancelled":  # a credit rejection in this transaction replaces it
        billing.remember_cancellation(order.id, ids)


def on_shipped(sender: Any, order: Order, **kwargs: Any) -> None:
    shipment = kwargs.get("shipment")
    detail = {
        "carrier": _attr(shipment, "carrier", kwargs),
        "tracking_number": _attr(shipment, "tracking_number", kwargs),
        "tracking_url": _attr(shipment, "tracking_url", kwargs),
    }
    url = detail["tracking_url"]
    if url and not str(url).startswith(("http://", "https://")):
        detail["tracking_url"] = None
    shipped = db.session.info.setdefault(_SHIPPED_KEY, {})
    previous = shipped.get(order.id)
    if previous and previous[0] == "status" and previous[1]:
        # The status change queued a message without tracking: this one replaces it.
        db.session.execute(delete(NotificationEvent).where(
            NotificationEvent.notification_id.in_(previous[1])))
        db.session.execute(delete(Notification).where(Notification.id.in_(previous[1])))
    ids = notify_order(order, "order_shipped", f"shipped:{order.id}:{_id_or_random(shipment)}",
                       detail, actor=_actor(kwargs))
    shipped[order.id] = ("shipment", ids)


def on_delayed(sender: Any, order: Order, **kwargs: Any) -> None:
    delay = kwargs.get("delay")
    previous, new = _attr(delay, "previous_eta", kwargs), _attr(delay, "new_eta", kwargs)
    detail = {"previous_eta": payloads.day(previous), "new_eta": payloads.day(new),
              "reason": _attr(delay, "reason", kwargs) or ""}
    key = f"delayed:{order.id}:{payloads.plain(previous)}:{payloads.plain(new)}"
    notify_order(order, "order_delayed", key, detail, actor=_actor(kwargs))


def _change_detail(change: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    location = _attr(change, "delivery_location", kwargs)
    requested_by = _attr(change, "requested_by", kwargs)
    return {
        "delivery_date": payloads.day(_attr(change, "delivery_date", kwargs)),
        "previous_delivery_date": payloads.day(_attr(change, "previous_delivery_date", kwargs)),
        "location": getattr(location, "name", None),
        "reason": _attr(change, "reason", kwargs) or "",
        "response_note": _attr(change, "response_note", kwargs) or "",
        "requested_by": getattr(requested_by, "name", None),
    }


def _requester_side(order: Order, change: Any, kwargs: dict[str, Any]) -> str | None:
    side = _side_value(_attr(change, "requested_side", kwargs))
    if side:
        return side
    requester = _attr(change, "requested_by", kwargs)
    org_id = getattr(requester, "organization_id", None)
    if org_id == order.supplier_id:
        return SUPPLIER
    if org_id == order.buyer_id:
        return BUYER
    return None


def _on_change(event: str) -> Callable[..., None]:
    def receive(sender: Any, order: Order, **kwargs: Any) -> None:
        change = kwargs.get("change")
        requester = _requester_side(order, change, kwargs)
        if event == "delivery_change_requested":
            sides = _other(requester)
        else:  # the requester's side hears the answer; contacts when the delivery moves
            sides = {requester} if requester else {SUPPLIER, BUYER}
            if event == "delivery_change_accepted" or requester == SUPPLIER:
                sides.add(CONTACT)
        key = f"{event}:{order.id}:{_id_or_random(change)}"
        notify_order(order, event, key, _change_detail(change, kwargs), actor=_actor(kwargs),
                     sides=sides)

    return receive


def on_expedited(sender: Any, order: Order, **kwargs: Any) -> None:
    actor = _actor(kwargs)
    side = None
    if actor is not None:
        side = SUPPLIER if actor.organization_id == order.supplier_id else BUYER
    sides = {SUPPLIER} if side in (None, BUYER) else {BUYER}
    notify_order(order, "order_expedited", f"expedited:{order.id}:{uuid.uuid4().hex}",
                 {"reason": kwargs.get("reason") or getattr(order, "expedite_reason", "")},
                 actor=actor, sides=sides)


def on_backorder_ready(sender: Any, order: Order, **kwargs: Any) -> None:
    parent = order.backorder_of
    detail = {"backorder_of": payloads.order_number(parent) if parent else None}
    notify_order(order, "backorder_ready", f"backorder_ready:{order.id}", detail,
                 actor=_actor(kwargs))


def on_late(sender: Any, order: Order, **kwargs: Any) -> None:
    notify_order(order, "order_late", f"late:{order.id}", {}, actor=_actor(kwargs))


def on_shipment_problem(sender: Any, order: Order, **kwargs: Any) -> None:
    shipment = kwargs.get("shipment")
    status = str(kwargs.get("status") or "")
    detail = {"carrier": getattr(shipment, "carrier", None),
              "tracking_number": getattr(shipment, "tracking_number", None),
              "status": status, "details": kwargs.get("details") or ""}
    notify_order(order, "shipment_problem",
                 f"shipment_problem:{_id_or_random(shipment)}:{status}", detail,
                 actor=_actor(kwargs), sides={SUPPLIER})


def on_shipment_voided(sender: Any, order: Order, **kwargs: Any) -> None:
    """Only the buyer's side hears of it, and only if they had been told it shipped."""
    shipment = kwargs.get("shipment")
    told = db.session.scalar(select(Notification.id).where(
        Notification.event_key == f"shipped:{order.id}:{_id_or_random(shipment)}",
        Notification.recipient_side.in_((BUYER, CONTACT))).limit(1))
    if told is None:
        return
    detail = {"carrier": getattr(shipment, "carrier", None),
              "tracking_number": getattr(shipment, "tracking_number", None),
              "note": kwargs.get("note") or ""}
    notify_order(order, "shipment_voided", f"shipment_voided:{_id_or_random(shipment)}",
                 detail, actor=_actor(kwargs), sides={BUYER, CONTACT})


def on_invitation(sender: Any, invitation: Any = None, token: str | None = None,
                  **kwargs: Any) -> None:
    """The contract promises invitations are emailed: one email to the invited address."""
    from messaging.notifications.links import base_url

    address = normalize_email(getattr(invitation, "email", None))
    if invitation is None or not token or not address:
        return
    org = invitation.organization
    inviter = invitation.invited_by
    kind = payloads.plain(invitation.kind)
    expires = getattr(invitation, "expires_at", None)
    payload = {
        "event": "invitation",
        "recipient": {"name": "", "side": ""},
        "detail": {
            "organization": org.name,
            "invited_by": getattr(inviter, "name", None) or org.name,
            "kind": kind,
            "url": f"{base_url()}/invitations/{token}",
            "expires": payloads.day(expires - timedelta(0)) if expires else None,
        },
        "links": {},
        "reply_enabled": False,
    }
    enqueue(Draft(
        event="invitation",
        event_key=f"invitation:{invitation.id}",
        channel=Channel.EMAIL,
        address=address,
        organization_id=org.id,
        recipient_kind=RecipientKind.ADDRESS,
        recipient_name=address,
        recipient_side="invitee",
        payload=payload,
    ))


def _guarded(name: str, handler: Callable[..., None]) -> Callable[..., None]:
    """Run the handler unscoped (it reads both sides of the order); no order, no work;
    nothing for history replayed as of a past moment."""

    def receive(sender: Any, **kwargs: Any) -> None:
        if replaying():  # the demo's back-dated history: nobody is told about the past
            return
        if name != "invitation_created" and not isinstance(kwargs.get("order"), Order):
            log.warning("signal %s without an order: no notification", name)
            return
        with as_tenant(None):
            handler(sender, **kwargs)

    return receive


HANDLERS: dict[str, Callable[..., None]] = {
    "order_placed": on_order_placed,
    "order_status_changed": on_status_changed,
    "order_shipped": on_shipped,
    "order_delayed": on_delayed,
    "delivery_change_requested": _on_change("delivery_change_requested"),
    "delivery_change_accepted": _on_change("delivery_change_accepted"),
    "delivery_change_declined": _on_change("delivery_change_declined"),
    "order_expedited": on_expedited,
    "backorder_ready": on_backorder_ready,
    "order_late": on_late,
    "shipment_problem": on_shipment_problem,
    "shipment_voided": on_shipment_voided,
    "invitation_created": on_invitation,
    # invoicing (billing.py)
    "invoice_issued": billing.on_invoice_issued,
    "invoice_reminder_due": billing.on_invoice_reminder,
    "invoice_overdue": billing.on_invoice_overdue,
    "order_held_for_credit": billing.on_held_for_credit,
    "order_credit_decided": billing.on_credit_decided,
    **deliveries.HANDLERS,  # delivery runs
}
_connected: list[Callable[..., None]] = []


def subscribe() -> list[str]:
    """Connect every handler whose signal exists (once per process)."""
    if _connected:
        return [name for name in HANDLERS if hasattr(signals, name)]
    names = []
    for name, handler in HANDLERS.items():
        signal = getattr(signals, name, None)
        if signal is None:
            continue
        receiver = _guarded(name, handler)
        signal.connect(receiver, weak=False)
        _connected.append(receiver)
        names.append(name)
    return names
