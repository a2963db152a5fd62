"""What the providers report after a send (Twilio status callbacks, SendGrid events):
statuses only move forward — a late `sent` never overwrites `delivered` — and every report
is kept in the notification's history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from messaging.notifications.addresses import normalize_email, normalize_phone
from messaging.notifications.fallback import queue_email_fallback
from messaging.notifications.models import (
    FINAL,
    STATUS_RANK,
    Channel,
    Notification,
    NotificationEvent,
    Status,
)
from messaging.notifications.suppressions import suppress
from wholesale.db import is_id, utcnow
from wholesale.extensions import db
from wholesale.tenancy import as_tenant

TWILIO_STATUSES: dict[str, Status] = {
    "accepted": Status.SENT, "scheduled": Status.SENT, "queued": Status.SENT,
    "sending": Status.SENT, "sent": Status.SENT, "delivered": Status.DELIVERED,
    "read": Status.DELIVERED, "undelivered": Status.FAILED, "failed": Status.FAILED,
    "canceled": Status.FAILED,
}
# Twilio delivery errors that will not change on another try: fall back to email.
TWILIO_PERMANENT_ERRORS = frozenset({"21211", "21610", "21612", "21614", "30003", "30005",
                                     "30006", "30007", "30008"})
SENDGRID_STATUSES: dict[str, Status] = {
    "processed": Status.SENT, "delivered": Status.DELIVERED, "bounce": Status.FAILED,
    "dropped": Status.FAILED, "blocked": Status.FAILED,
}
SENDGRID_SUPPRESS = frozenset({"bounce", "dropped", "spamreport", "unsubscribe",
                               "group_unsubscribe"})


def _history(n: Notification, status: str, detail: str, source: str) -> None:
    db.session.add(NotificationEvent(notification_id=n.id, status=status, detail=detail[:2000],
                                     source=source, created_at=utcnow()))


def advance(n: Notification, new: Status, detail: str, source: str) -> bool:
    """Move `n` to `new` if that is forward; always record the report."""
    current = n.status
    if current in FINAL or STATUS_RANK[new] <= STATUS_RANK[current]:
        _history(n, f"ignored:{new.value}", f"{detail} (already {current.value})", source)
        return False
    now = utcnow()
    n.status = new
    n.updated_at = now
    n.lease_until = None
    n.claimed_by = None
    if new in (Status.SENT, Status.DELIVERED) and n.sent_at is None:
        n.sent_at = now
    if new is Status.DELIVERED:
        n.delivered_at = now
    if new is Status.FAILED:
        n.last_error = detail[:2000]
    _history(n, new.value, detail, source)
    return True


def twilio_status(notification_id: int | None, message_sid: str, status: str,
                  error_code: str | None, to: str | None) -> bool:
    """A status callback; False when it names no notification of ours."""
    with as_tenant(None):
        n = _find(notification_id, message_sid)
        if n is None or n.channel is not Channel.SMS:
            return False
        if n.provider_message_id and message_sid and n.provider_message_id != message_sid:
            return False
        if not n.provider_message_id and message_sid:
            n.provider, n.provider_message_id = "twilio", message_sid
        new = TWILIO_STATUSES.get(status.lower())
        detail = f"twilio: {status}" + (f" (error {error_code})" if error_code else "")
        if new is None:
            _history(n, status.lower()[:16], detail, "twilio")
            return True
        if error_code == "21610":
            suppress(Channel.SMS.value, normalize_phone(to) or n.address, "unsubscribed",
                     "twilio")
        moved = advance(n, new, detail, "twilio")
        if moved and new is Status.FAILED and (error_code or "") in TWILIO_PERMANENT_ERRORS:
            queue_email_fallback(n)
        db.session.flush()
        return True


def sendgrid_event(event: dict[str, Any]) -> bool:
    """One event of the Event Webhook; False when it names no notification of ours."""
    kind = str(event.get("event") or "").lower()
    address = normalize_email(str(event.get("email") or ""))
    with as_tenant(None):
        if kind in SENDGRID_SUPPRESS and address:
            suppress(Channel.EMAIL.value, address, kind, "sendgrid")
        raw_id = event.get("ordertalk_notification_id")
        sg_id = str(event.get("sg_message_id") or "").split(".", 1)[0] or None
        try:
            nid = int(raw_id) if raw_id is not None else None
        except (TypeError, ValueError):
            nid = None
        n = _find(nid, sg_id)
        if n is None or n.channel is not Channel.EMAIL:
            return False
        reason = event.get("reason") or event.get("response") or event.get("status") or ""
        detail = f"sendgrid: {kind}" + (f" ({reason})" if reason else "")
        new = SENDGRID_STATUSES.get(kind)
        if new is None:
            _history(n, kind[:16] or "event", detail, "sendgrid")
        else:
            advance(n, new, detail, "sendgrid")
        db.session.flush()
        return True


def _find(notification_id: int | None, provider_id: str | None) -> Notification | None:
    if is_id(notification_id):
        found = db.session.get(Notification, notification_id)
        if found is not None:
            return found
    if provider_id:
        return db.session.scalars(select(Notification).where(
            Notification.provider_message_id == provider_id)).first()
    return None
