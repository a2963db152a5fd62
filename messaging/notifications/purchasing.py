"""Purchase orders → the vendor: `purchase_order_sent` queues an email to the vendor with
the PO's PDF attached (rendered once, when the row is written, and stored with it) and,
when the vendor has a phone, an SMS heads-up. Vendors have no account: they get the
messages the supplier sends them, whatever any preference says, and their reply goes to
whoever sent the order."""

from __future__ import annotations

import logging
from typing import Any

from messaging.notifications.addresses import normalize_email, normalize_phone
from messaging.notifications.billing import PDF, money
from messaging.notifications.models import Channel, RecipientKind
from messaging.notifications.outbox import Draft, enqueue
from messaging.providers import Attachment
from wholesale import signals
from wholesale.purchasing.models import PurchaseOrder
from wholesale.tenancy import as_tenant

log = logging.getLogger(__name__)

EVENT = "purchase_order"
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
    reply_to = normalize_email(getattr(actor, "email", "") or "")
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


def _receiver(sender: Any, **kwargs: Any) -> None:
    with as_tenant(None):
        on_purchase_order_sent(sender, **kwargs)


def subscribe() -> None:
    signals.purchase_order_sent.connect(_receiver, weak=False)
