"""Purchase orders → the vendor: `purchase_order_sent` queues an email to the vendor with
the PO's PDF attached (rendered once, when the row is written, and stored with it) and,
when the vendor has a phone, an SMS heads-up; `purchase_order_message` sends what the staff
wrote in the PO's thread (a reply, a request for an update) on its channel. Vendors have no
account: they get the messages the supplier sends them, whatever any preference says, and
their email replies go to the PO's reply address (`po+<token>@…`), so they land in its
thread (inbound.py), as do their texts. `purchase_order_rescheduled` warns the supplier's
other staff about the customer orders waiting for a PO whose date moved."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from messaging.notifications.addresses import normalize_email, normalize_phone
from messaging.notifications.billing import PDF, money
from messaging.notifications.links import base_url, purchase_order_reply_address
from messaging.notifications.models import Channel, RecipientKind
from messaging.notifications.outbox import Draft, enqueue
from messaging.notifications.payloads import day
from messaging.providers import Attachment
from wholesale import signals
from wholesale.accounts.models import User
from wholesale.extensions import db
from wholesale.purchasing.models import PurchaseOrder, PurchaseOrderMessage
from wholesale.tenancy import as_tenant

log = logging.getLogger(__name__)

EVENT = "purchase_order"
MESSAGE_EVENT = "purchase_order_message"
RESCHEDULED_EVENT = "purchase_order_rescheduled"
# Texts to a vendor: a reply by SMS from its number lands in the thread of the latest.
VENDOR_SMS_EVENTS = (EVENT, MESSAGE_EVENT)
MAX_LINES = 20


def summary(po: PurchaseOrder) -> dict[str, Any]:
    """The purchase order as the templates show it (plain values, stored in the payload)."""
    lines = list(po.lines)
    return {
        "id": po.id,
        "number": po.display_number,
        "buyer": po.supplier.name,
        "vendor": po.vendor.name,
        "warehouse": po.warehouse.name,
        "address": po.warehouse.address,
        "total": money(po.total, po.currency),
        "expected_on": min((f"{ln.expected_on:%a %b} {ln.expected_on.day}, "
                            f"{ln.expected_on:%Y}" for ln in lines if ln.expected_on),
                           default=None),
        "lines": [{"name": ln.product.name, "code": ln.vendor_code or ln.product.sku,
                   "quantity": ln.quantity, "unit": ln.product.unit,
                   "amount": money(ln.cost * ln.quantity)} for ln in lines[:MAX_LINES]],
        "more_lines": max(0, len(lines) - MAX_LINES),
    }


def _pdf(kwargs: dict[str, Any], po: PurchaseOrder) -> tuple[Attachment, ...]:
    make, filename = kwargs.get("pdf"), str(kwargs.get("filename") or f"{po.display_number}.pdf")
    if not callable(make):
        return ()
    try:
        content = make()
    except Exception:  # the email still goes, without the file
        log.exception("could not render %s for the vendor", filename)
        return ()
    return (Attachment(filename, PDF, bytes(content)),) if content else ()


def on_purchase_order_sent(sender: Any, **kwargs: Any) -> None:
    po = kwargs.get("purchase_order")
    if not isinstance(po, PurchaseOrder):
        return
    actor = kwargs.get("actor")
    vendor = po.vendor
    base = {"event": EVENT, "purchase_order": summary(po),
            "recipient": {"name": vendor.contact_name or vendor.name, "side": "vendor"},
            "sent_by": getattr(actor, "name", None), "links": {}, "reply_enabled": False}
    reply_to = purchase_order_reply_address(po.id, vendor.id)
    targets = [(Channel.EMAIL, normalize_email(vendor.email or "")),
               (Channel.SMS, normalize_phone(vendor.phone or ""))]
    for channel, address in targets:
        if not address:
            continue
        enqueue(Draft(
            event=EVENT, event_key=f"{EVENT}:{po.id}", channel=channel, address=address,
            organization_id=po.supplier_id, supplier_id=po.supplier_id,
            recipient_kind=RecipientKind.ADDRESS, recipient_name=vendor.name,
            recipient_side="vendor", supplier_only=True, payload=base,
            attachments=_pdf(kwargs, po) if channel is Channel.EMAIL else (),
            reply_to=reply_to if channel is Channel.EMAIL else None))


def on_purchase_order_message(sender: Any, **kwargs: Any) -> None:
    po, message = kwargs.get("purchase_order"), kwargs.get("message")
    if not isinstance(po, PurchaseOrder) or not isinstance(message, PurchaseOrderMessage):
        return
    vendor = po.vendor
    email = message.channel == Channel.EMAIL.value
    address = normalize_email(vendor.email or "") if email else \
        normalize_phone(vendor.phone or "")
    if not address:
        return
    payload = {"event": MESSAGE_EVENT, "purchase_order": summary(po),
               "recipient": {"name": vendor.contact_name or vendor.name, "side": "vendor"},
               "message": {"body": message.body, "author": message.author_name,
                           "update_requested": message.event_type == "update_requested"},
               "links": {}, "reply_enabled": False}
    enqueue(Draft(
        event=MESSAGE_EVENT, event_key=f"{MESSAGE_EVENT}:{po.id}:{message.id}",
        channel=Channel(message.channel), address=address, organization_id=po.supplier_id,
        supplier_id=po.supplier_id, recipient_kind=RecipientKind.ADDRESS,
        recipient_name=vendor.name, recipient_side="vendor", supplier_only=True,
        payload=payload,
        reply_to=purchase_order_reply_address(po.id, vendor.id) if email else None))


def on_purchase_order_rescheduled(sender: Any, **kwargs: Any) -> None:
    """Email the supplier's staff (not who posted the date) what waits for the PO."""
    po = kwargs.get("purchase_order")
    if not isinstance(po, PurchaseOrder):
        return
    actor = kwargs.get("actor")
    dependents = kwargs.get("dependents") or []
    new_date = kwargs.get("expected_on")
    message = kwargs.get("message")
    staff = db.session.scalars(select(User).where(
        User.organization_id == po.supplier_id, User.deactivated_at.is_(None),
        User.id != getattr(actor, "id", None)).order_by(User.id))
    payload = {"event": RESCHEDULED_EVENT, "purchase_order": summary(po),
               "expected_on": day(new_date), "previous": day(kwargs.get("previous")),
               "note": kwargs.get("note") or "", "by": getattr(actor, "name", None),
               "dependents": [{"number": d.number, "buyer": d.buyer, "sku": d.sku,
                               "waiting": d.waiting, "due": day(d.due),
                               "backorder": d.backorder, "late": d.late(new_date)}
                              for d in dependents[:MAX_LINES]],
               "more_dependents": max(0, len(dependents) - MAX_LINES),
               "links": {"purchase_order": f"{base_url()}/purchasing/orders/{po.id}"},
               "reply_enabled": False}
    for user in staff:
        address = normalize_email(user.email or "")
        if not address:
            continue
        enqueue(Draft(
            event=RESCHEDULED_EVENT,
            event_key=f"{RESCHEDULED_EVENT}:{po.id}:{getattr(message, 'id', new_date)}",
            channel=Channel.EMAIL, address=address, organization_id=po.supplier_id,
            supplier_id=po.supplier_id, recipient_kind=RecipientKind.USER, user_id=user.id,
            recipient_name=user.name, recipient_side="supplier", supplier_only=True,
            payload={**payload, "recipient": {"name": user.name, "side": "supplier"}}))


def _tenantless(handler: Callable[..., None]) -> Callable[..., None]:
    def receive(sender: Any, **kwargs: Any) -> None:
        with as_tenant(None):
            handler(sender, **kwargs)

    return receive


def subscribe() -> None:
    signals.purchase_order_sent.connect(_tenantless(on_purchase_order_sent), weak=False)
    signals.purchase_order_message.connect(_tenantless(on_purchase_order_message),
                                           weak=False)
    signals.purchase_order_rescheduled.connect(_tenantless(on_purchase_order_rescheduled),
                                               weak=False)
