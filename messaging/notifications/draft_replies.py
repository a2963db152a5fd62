"""Answers to a buyer who orders by SMS or email: the draft read from their message (lines,
prices, date, questions, what stops it) ending "Reply YES to place it, or tell me what to
change", the confirmation, or why it couldn't be placed — on the channel they wrote on,
through the outbox like every notification. A reply by email goes to the account thread's
reply address (`acct+<token>@…`)."""

from __future__ import annotations

from typing import Any

from messaging.chat.access import ThreadRef
from messaging.notifications import links, outbox
from messaging.notifications.addresses import normalize_email, normalize_phone
from messaging.notifications.models import Channel, RecipientKind
from wholesale.accounts.models import Organization, User
from wholesale.db import utcnow
from wholesale.drafts.models import DraftSource, OrderDraft
from wholesale.extensions import db
from wholesale.orders.models import Order

EVENT = "draft_reply"
# The changes the buyer hears about on their channel (a rep's silent fix is not one).
TOLD = {"opened", "replaced", "amended", "answered", "sent_back", "confirmed",
        "confirm_failed", "expired"}


def send_text(ref: ThreadRef, to: User, text: str, source: str) -> None:
    """A plain answer (no draft) on the channel `to` wrote on."""
    _send(ref.thread_id, ref.supplier_id, ref.buyer_id, to, source,
          subject="Your message", text=text, key=f"intake:{ref.thread_id}:{utcnow():%s%f}")


def send_draft(draft: OrderDraft, change: str, payload: dict[str, Any], *, note: str | None,
               actor: User | None, order: Order | None) -> None:
    """Tell the buyer who wrote by SMS or email what became of their draft."""
    if draft.source not in (DraftSource.SMS, DraftSource.EMAIL) or change not in TOLD:
        return
    buyer_user = db.session.get(User, draft.created_by_id) if draft.created_by_id else None
    if buyer_user is None or buyer_user.organization_id != draft.buyer_id:
        return
    supplier = db.session.get(Organization, draft.supplier_id)
    text = summary(payload, change, supplier.name if supplier else "", note=note, order=order)
    subject = (f"Order {order.display_number} placed" if order is not None
               else f"Your draft order with {supplier.name if supplier else 'your supplier'}")
    _send(draft.thread_id, draft.supplier_id, draft.buyer_id, buyer_user,
          draft.source.value, subject=subject, text=text,
          key=f"draft:{draft.id}:{change}:{utcnow():%s%f}")


def summary(payload: dict[str, Any], change: str, supplier: str, *, note: str | None = None,
            order: Order | None = None) -> str:
    """The draft in a few lines of plain text (an SMS may take several segments)."""
    if change == "confirmed" and order is not None:
        day = order.requested_delivery_date
        return (f"{supplier}: order {order.display_number} placed for delivery "
                f"{day:%a %b} {day.day}. Thank you!")
    if change == "expired":
        return f"{supplier}: your draft order expired. Send the order again when you're ready."
    head = f"{supplier}: " if supplier else ""
    if change == "confirm_failed":
        head += f"couldn't place it yet: {note}. " if note else "couldn't place it yet. "
    parts = []
    for line in payload["lines"]:
        quantity = line["quantity"]
        price = f" {line['line_total']}" if line.get("line_total") else ""
        parts.append(f"{quantity} {line['unit']} {line['name']}{price}")
    text = head + ("Draft: " + "; ".join(parts) if parts else "Draft")
    if payload.get("subtotal") and parts:
        text += f". Total {payload['subtotal']} {payload.get('currency') or ''}".rstrip()
    if payload.get("requested_delivery_date"):
        text += f". Delivery {payload['requested_delivery_date']}"
    if payload.get("date_note"):
        text += f" ({payload['date_note']})"
    text += "."
    for issue in payload.get("issues", []):
        text += f" {issue}"
    if payload.get("unmatched"):
        text += " Not found: " + ", ".join(payload["unmatched"][:3]) + "."
    if payload.get("questions"):
        return text
    return text + " Reply YES to place it, or tell me what to change."


def _send(thread_id: int | None, supplier_id: int, buyer_id: int, to: User, source: str, *,
          subject: str, text: str, key: str) -> None:
    # Normalized as every recipient's: the reply context (and suppressions) match by it.
    phone, email = normalize_phone(to.phone), normalize_email(to.email)
    if source == "sms" and phone:
        channel, address = Channel.SMS, phone
    elif source == "email" and email:
        channel, address = Channel.EMAIL, email
    else:
        return
    reply_to = links.account_reply_address(thread_id, to.id) if thread_id else None
    outbox.enqueue(outbox.Draft(
        event=EVENT, event_key=key, channel=channel, address=address,
        organization_id=buyer_id, recipient_kind=RecipientKind.USER,
        recipient_name=to.name, recipient_side="buyer", user_id=to.id,
        supplier_id=supplier_id, buyer_id=buyer_id, reply_to=reply_to,
        payload={"event": EVENT, "order": None, "detail": {"subject": subject, "text": text},
                 "recipient": {"name": to.name, "side": "buyer"}, "links": {},
                 "reply_enabled": True}))
