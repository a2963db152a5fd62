"""Chat digests: someone who has not read a thread's new messages for a few minutes gets
one email/SMS listing them — one per recipient per window, never one per message.

A window opens with the oldest message the recipient has neither read nor been told of;
once that message is older than the delay, every such message up to now goes into one
digest and the recipient's cursor moves past them. Internal notes only ever go to the
supplier's staff; an order's contacts hear of the supplier's text messages only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from messaging.chat.models import Message, MessageKind, ReadState
from messaging.notifications.catalog import BUYER, CONTACT, SUPPLIER
from messaging.notifications.fanout import notify_order
from messaging.notifications.models import DigestCursor
from messaging.notifications.recipients import Recipient, order_people
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant

LOOKBACK = timedelta(days=2)
MAX_ORDERS_PER_RUN = 200
MAX_LISTED = 10


def _visible(person: Recipient, message: Message, order: Order) -> bool:
    if person.user is not None and message.author_id == person.user.id:
        return False
    if message.kind is MessageKind.NOTE:
        return person.side == SUPPLIER
    if person.side == CONTACT:
        return message.kind is MessageKind.TEXT and message.author_org_id == order.supplier_id
    return True


def _entry(message: Message) -> dict[str, Any]:
    body = " ".join((message.body or "").split())
    if not body and message.attachments:
        body = f"[{len(message.attachments)} attachment(s)]"
    return {
        "author": message.author.name if message.author else "Ordertalk",
        "time": f"{message.created_at:%b} {message.created_at.day}, "
                f"{message.created_at:%H:%M} UTC",
        "body": body[:300] + ("…" if len(body) > 300 else ""),
        "internal": message.kind is MessageKind.NOTE,
    }


def queue_digests(delay: timedelta, now: datetime | None = None) -> int:
    """Queue the digests that are due; returns how many recipients got one."""
    now = now or utcnow()
    cutoff = now - delay
    with as_tenant(None):
        order_ids = list(db.session.scalars(
            select(Message.order_id)
            .where(Message.order_id.is_not(None), Message.kind != MessageKind.EVENT,
                   Message.created_at <= cutoff, Message.created_at >= now - LOOKBACK)
            .group_by(Message.order_id)
            .limit(MAX_ORDERS_PER_RUN)))
        return sum(_order_digests(order_id, cutoff, now) for order_id in order_ids)


def _order_digests(order_id: int, cutoff: datetime, now: datetime) -> int:
    order = db.session.get(Order, order_id)
    if order is None:
        return 0
    messages = list(db.session.scalars(
        select(Message)
        .where(Message.order_id == order_id, Message.kind != MessageKind.EVENT,
               Message.created_at >= now - LOOKBACK)
        .order_by(Message.seq)))
    if not messages:
        return 0
    thread_id = messages[0].thread_id
    read = dict(db.session.execute(
        select(ReadState.user_id, ReadState.last_read_seq).where(
            ReadState.thread_id == thread_id)).all())
    cursors = {c.recipient_key: c for c in db.session.scalars(
        select(DigestCursor).where(DigestCursor.order_id == order_id))}
    count = 0
    for person in order_people(order, (SUPPLIER, BUYER, CONTACT)):
        key = f"u:{person.user.id}" if person.user else f"c:{person.contact_id}"
        cursor = cursors.get(key)
        floor = cursor.last_seq if cursor else 0
        if person.user is not None:
            floor = max(floor, read.get(person.user.id, 0))
        fresh = [m for m in messages if m.seq > floor and _visible(person, m, order)]
        if not fresh or fresh[0].created_at > cutoff:
            continue
        last_seq = fresh[-1].seq
        listed = fresh[-MAX_LISTED:]
        detail = {"count": len(fresh), "messages": [_entry(m) for m in listed],
                  "more": len(fresh) - len(listed)}
        notify_order(order, "chat_digest", f"chat_digest:{order_id}:{key}:{last_seq}", detail,
                     people=[person],
                     supplier_only=any(m.kind is MessageKind.NOTE for m in fresh))
        if cursor is None:
            cursor = DigestCursor(order_id=order_id, recipient_key=key, last_seq=last_seq,
                                  updated_at=now)
            db.session.add(cursor)
            cursors[key] = cursor
        else:
            cursor.last_seq, cursor.updated_at = last_seq, now
        count += 1
    db.session.flush()
    return count
