"""Writing notifications: one row per recipient, channel and event, in the transaction of
the change that caused it (signal receivers run inside it), rendered at once and keyed so
the same event never queues the same message twice. The dispatcher sends them after the
commit; a rollback takes them away with the change. Files attached to an email (an invoice
PDF) are stored with its row, in the same transaction, as they are at that moment."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app
from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite

from messaging.notifications import links, render, sms
from messaging.notifications.models import (
    Channel,
    Notification,
    NotificationAttachment,
    NotificationEvent,
    RecipientKind,
    Status,
)
from messaging.notifications.settings import dispatcher_settings
from messaging.notifications.suppressions import is_suppressed
from messaging.providers import Attachment
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.transaction_state import lasts_one_transaction

# Set after a commit that queued notifications: wakes the in-process dispatcher at once.
WAKE = threading.Event()
WAKE_KEY = "messaging.notifications.wake"


@dataclass
class Draft:
    """One message to queue, before it is rendered."""

    event: str
    event_key: str  # identifies the occurrence (e.g. "order_delayed:42:7")
    channel: Channel
    address: str
    organization_id: int
    recipient_kind: RecipientKind
    recipient_name: str = ""
    recipient_side: str = ""
    user_id: int | None = None
    contact_id: int | None = None
    order_id: int | None = None
    supplier_id: int | None = None
    buyer_id: int | None = None
    supplier_only: bool = False
    fallback_email: str | None = None
    fallback_of_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    # Email only (SMS templates link instead): stored with the row as they are now.
    attachments: tuple[Attachment, ...] = ()
    # Instead of the order's reply address (e.g. the supplier's billing address for
    # someone without an account).
    reply_to: str | None = None


def idempotency_key(event_key: str, channel: Channel | str, address: str) -> str:
    raw = f"{event_key}|{Channel(channel).value}|{address.lower()}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _insert() -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(Notification)
    return sqlite.insert(Notification)


def attachment_meta(attachments: tuple[Attachment, ...]) -> list[dict[str, Any]]:
    """What the payload (templates, the dispatcher, the logs) says of the attachments."""
    return [{"filename": a.filename, "content_type": a.content_type, "size": len(a.content)}
            for a in attachments]


def _content(draft: Draft) -> dict[str, Any]:
    if draft.channel is Channel.EMAIL:
        email = render.render_email(draft.event, draft.payload)
        reply_to = draft.reply_to
        if reply_to is None and draft.order_id \
                and draft.recipient_kind is not RecipientKind.ADDRESS:
            ref = f"u{draft.user_id}" if draft.user_id else f"c{draft.contact_id}"
            reply_to = links.reply_address(draft.order_id, ref)
        return {"subject": email.subject, "body_text": email.text, "body_html": email.html,
                "reply_to": reply_to}
    text = render.render_sms(draft.event, draft.payload)
    return {"body_text": text, "segments": sms.measure(text).segments}


def enqueue(draft: Draft, max_attempts: int | None = None) -> int | None:
    """Queue one message; returns its id, or None when the same one was already queued."""
    if max_attempts is None:
        max_attempts = dispatcher_settings(current_app).max_attempts
    key = idempotency_key(draft.event_key, draft.channel, draft.address)
    suppressed = is_suppressed(draft.channel.value, draft.address)
    now = utcnow()
    files = draft.attachments if draft.channel is Channel.EMAIL else ()
    if files:
        draft = replace(draft, payload={**draft.payload, "attachments": attachment_meta(files)})
    values = {
        "idempotency_key": key,
        "event_key": draft.event_key[:200],
        "event": draft.event,
        "channel": draft.channel,
        "status": Status.SUPPRESSED if suppressed else Status.PENDING,
        "organization_id": draft.organization_id,
        "supplier_id": draft.supplier_id,
        "buyer_id": draft.buyer_id,
        "order_id": draft.order_id,
        "supplier_only": draft.supplier_only,
        "recipient_kind": draft.recipient_kind,
        "user_id": draft.user_id,
        "contact_id": draft.contact_id,
        "recipient_name": draft.recipient_name[:200],
        "recipient_side": draft.recipient_side,
        "address": draft.address,
        "fallback_email": draft.fallback_email,
        "fallback_of_id": draft.fallback_of_id,
        "payload": draft.payload,
        "attempts": 0,
        "max_attempts": max_attempts,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
        **_content(draft),
    }
    stmt = (
        _insert()
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Notification.id)
    )
    new_id = db.session.execute(stmt).scalar()
    if new_id is None:
        return None
    if files:
        db.session.execute(insert(NotificationAttachment), [{
            "notification_id": new_id, "filename": a.filename[:200],
            "content_type": a.content_type[:100], "size": len(a.content),
            "sha256": hashlib.sha256(a.content).hexdigest(), "content": a.content,
            "created_at": now} for a in files])
    detail = "address suppressed" if suppressed else "queued"
    detail += "".join(f" with {a.filename}" for a in files)
    db.session.execute(insert(NotificationEvent).values(
        notification_id=new_id, status=(Status.SUPPRESSED if suppressed else Status.PENDING
                                        ).value,
        detail=detail, source="outbox", created_at=now))
    if not suppressed:
        db.session.info[WAKE_KEY] = True
    return new_id


lasts_one_transaction(WAKE_KEY, on_commit=lambda _wake: WAKE.set())
