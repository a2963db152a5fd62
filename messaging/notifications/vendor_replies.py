"""A vendor's replies about a purchase order land in the PO's thread
(`wholesale.purchasing.thread.vendor_replied`), by the rules orders follow
(docs/notifications.md, "Where a reply goes"):

* email: the reply address `po+<po>.v<vendor>.<hmac>@INBOUND_EMAIL_DOMAIN` names the PO;
  the reply is posted when its From address is the vendor's, or one this PO's emails were
  sent to; anyone else's is held (kept in `notification_inbound`, never posted);
* SMS: a number of no user whose latest text from us was about a purchase order (sent to
  it as that PO's vendor) is that vendor: the text goes to that PO's thread, if the
  vendor's number is still this one."""

from __future__ import annotations

import logging
from typing import NamedTuple

from sqlalchemy import or_, select

from messaging.notifications.addresses import normalize_email, normalize_phone
from messaging.notifications.links import PurchaseOrderReplyTarget
from messaging.notifications.models import Channel, Notification
from messaging.notifications.purchasing import EVENT, MESSAGE_EVENT, VENDOR_SMS_EVENTS
from messaging.notifications.reply_context import CONTEXT_AGE
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.purchasing import thread
from wholesale.purchasing.models import PurchaseOrder

log = logging.getLogger(__name__)


class VendorReply(NamedTuple):
    outcome: str  # routed, held, empty, unmatched
    purchase_order_id: int | None = None
    body: str | None = None  # the text held


def email(target: PurchaseOrderReplyTarget, address: str, text: str,
          attachment_names: list[str]) -> VendorReply:
    po = db.session.get(PurchaseOrder, target.purchase_order_id)
    if po is None or po.vendor_id != target.vendor_id:
        return VendorReply("unmatched")
    names = ", ".join(attachment_names)
    body = text + (f"\n[attachments not kept: {names}]" if names else "")
    if not body.strip():
        return VendorReply("empty", po.id)
    if not _known_email(po, address):
        log.warning("inbound email for purchase order %s from %s held: not its vendor",
                    po.id, address)
        return VendorReply("held", po.id, body)
    thread.vendor_replied(po, "email", address, body)
    return VendorReply("routed", po.id)


def _known_email(po: PurchaseOrder, address: str) -> bool:
    """The vendor's address, or one this PO's emails were sent to (the vendor's address
    changed since)."""
    if address == normalize_email(po.vendor.email or ""):
        return True
    return db.session.scalar(
        select(Notification.id)
        .where(Notification.channel == Channel.EMAIL, Notification.address == address,
               Notification.supplier_id == po.supplier_id,
               Notification.sent_at.is_not(None),
               or_(Notification.event_key == f"{EVENT}:{po.id}",
                   Notification.event_key.startswith(f"{MESSAGE_EVENT}:{po.id}:")))
        .limit(1)) is not None


def sms(phone: str, text: str) -> VendorReply | None:
    """Into the thread of the purchase order our latest text to `phone` was about, if that
    PO's vendor still has this number; None when our latest text was about something else
    (then it is routed as any text)."""
    latest = db.session.scalars(
        select(Notification)
        .where(Notification.channel == Channel.SMS, Notification.address == phone,
               Notification.sent_at.is_not(None),
               Notification.sent_at >= utcnow() - CONTEXT_AGE)
        .order_by(Notification.sent_at.desc(), Notification.id.desc()).limit(1)).first()
    if latest is None or latest.event not in VENDOR_SMS_EVENTS:
        return None
    po_id = (latest.payload.get("purchase_order") or {}).get("id")
    po = db.session.get(PurchaseOrder, po_id) if isinstance(po_id, int) else None
    if po is None or normalize_phone(po.vendor.phone or "") != phone:
        return None
    thread.vendor_replied(po, "sms", phone, text)
    return VendorReply("routed", po.id)
