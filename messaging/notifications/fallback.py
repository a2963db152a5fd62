"""A text that cannot be delivered for good (a bad number, a landline, an opted-out phone)
is sent again by email, when the person has an address. It uses the event's own key, so a
person who already got the email of that event gets no second one."""

from __future__ import annotations

from sqlalchemy import insert

from messaging.notifications import links, outbox
from messaging.notifications.models import (
    Channel,
    Notification,
    NotificationEvent,
    RecipientKind,
)
from wholesale.db import utcnow
from wholesale.extensions import db


def queue_email_fallback(failed: Notification) -> int | None:
    if failed.channel is not Channel.SMS or not failed.fallback_email:
        return None
    payload = dict(failed.payload or {})
    page_links = dict(payload.get("links") or {})
    if failed.recipient_kind is not RecipientKind.ADDRESS:
        ref = f"u{failed.user_id}" if failed.user_id else f"c{failed.contact_id}"
        page_links["unsubscribe"] = links.unsubscribe_url(ref, failed.event, Channel.EMAIL.value)
    payload.update(links=page_links, reply_enabled=True)
    new_id = outbox.enqueue(outbox.Draft(
        event=failed.event, event_key=failed.event_key, channel=Channel.EMAIL,
        address=failed.fallback_email, organization_id=failed.organization_id,
        recipient_kind=failed.recipient_kind, recipient_name=failed.recipient_name,
        recipient_side=failed.recipient_side, user_id=failed.user_id,
        contact_id=failed.contact_id, order_id=failed.order_id,
        supplier_id=failed.supplier_id, buyer_id=failed.buyer_id,
        supplier_only=failed.supplier_only, fallback_of_id=failed.id, payload=payload,
    ), max_attempts=failed.max_attempts)
    detail = (f"fallback email #{new_id} queued" if new_id
              else "no fallback: the email of this event was already queued")
    db.session.execute(insert(NotificationEvent).values(
        notification_id=failed.id, status="fallback", detail=detail, source="dispatcher",
        created_at=utcnow()))
    return new_id
