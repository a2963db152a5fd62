"""SMS reply contexts: which thread a number's next reply goes to — an order's, or the
account thread of a buyer and a supplier.

A context is written when the provider has accepted an SMS about an order, or one of the
`ACCOUNT_EVENTS` to a buyer — a `draft_reply` (our answer to a buyer ordering by SMS), a
standing order's reminder or failure — whose context is their account thread with that
supplier (there a reply to a reminder changes that occurrence:
wholesale/standing/replies.py); the dispatcher records it with the send (a queued text the
person never got must not capture replies) —, and when a sender names an order or chooses a
supplier by SMS. An inbound text from number N to our number M looks up the latest context
for (N, M) — or for N alone among contexts whose sender number is unknown (the console
backend) or chosen by a messaging service (M unknown: N's latest context) — no older than
`CONTEXT_AGE`. Whether the sender may write in that order's thread is decided by inbound.py,
not here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from messaging.chat.models import Thread, ThreadKind
from messaging.notifications.addresses import normalize_phone
from messaging.notifications.models import Channel, Notification, SmsReplyContext
from wholesale.db import utcnow
from wholesale.extensions import db

CONTEXT_AGE = timedelta(days=14)
# The order-less texts to a buyer whose replies go to the account thread: our answers to an
# order by message (draft_replies.EVENT), a standing order's reminder and failure notice.
ACCOUNT_EVENTS = ("draft_reply", "standing_order_reminder", "standing_order_failed")
_SERVICE_PREFIX = "MG"  # Twilio messaging service SIDs: the From number is Twilio's choice


def sender_of(provider: Any) -> str | None:
    """Our sender for a provider's texts: the messaging service (Twilio picks the number)
    or the From number; None for the console backend."""
    service = getattr(provider, "messaging_service_sid", None)
    return service or normalize_phone(getattr(provider, "from_number", None))


def record_sent(notification_ids: Iterable[int], sender: str | None, now: datetime,
                connection: Connection | None = None) -> None:
    """Contexts of the SMS notifications just accepted by the provider (those about an
    order, and the `ACCOUNT_EVENTS` to a buyer: their account thread), in one
    statement on `connection` (the dispatcher's, marking them sent) or the session; a
    notification already recorded (sent twice after a lost lease) keeps its first context."""
    ids = list(notification_ids)
    if not ids:
        return
    n = Notification.__table__.c
    t = Thread.__table__.c
    account = and_(n.order_id.is_(None), n.event.in_(ACCOUNT_EVENTS),
                   n.recipient_side == "buyer", t.kind == ThreadKind.ACCOUNT.value,
                   t.supplier_id == n.supplier_id, t.buyer_id == n.buyer_id)
    rows = (
        select(n.address, literal(sender), n.order_id, t.id,
               case((n.recipient_side == "supplier", n.supplier_id), else_=n.buyer_id),
               n.user_id, n.contact_id, n.id, literal(now))
        .select_from(Notification.__table__.outerjoin(Thread.__table__, account))
        .where(n.id.in_(ids), n.channel == Channel.SMS.value,
               n.supplier_id.is_not(None), n.buyer_id.is_not(None),
               or_(n.order_id.is_not(None), t.id.is_not(None)))
    )
    columns = ["phone", "sender", "order_id", "thread_id", "organization_id", "user_id",
               "contact_id", "notification_id", "created_at"]
    bind = connection if connection is not None else db.session.get_bind()
    upsert = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
    stmt = upsert(SmsReplyContext).from_select(columns, rows).on_conflict_do_nothing()
    (connection if connection is not None else db.session).execute(stmt)


def record_choice(phone: str, sender: str | None, organization_id: int, *,
                  order_id: int | None = None, thread_id: int | None = None,
                  user_id: int | None = None, contact_id: int | None = None) -> None:
    """The sender named an order (or chose the supplier of an account thread): their next
    texts go there too."""
    db.session.add(SmsReplyContext(phone=phone, sender=sender, order_id=order_id,
                                   thread_id=thread_id, organization_id=organization_id,
                                   user_id=user_id, contact_id=contact_id,
                                   created_at=utcnow()))
    db.session.flush()


def latest(phone: str, our_number: str | None) -> SmsReplyContext | None:
    """The newest context of `phone`'s conversation with `our_number` within CONTEXT_AGE."""
    c = SmsReplyContext
    stmt = select(c).where(c.phone == phone, c.created_at >= utcnow() - CONTEXT_AGE)
    if our_number:  # unknown (no `To`): the number's latest context, whoever sent it
        stmt = stmt.where(or_(c.sender == our_number, c.sender.is_(None),
                              c.sender.like(f"{_SERVICE_PREFIX}%")))
    return db.session.scalars(stmt.order_by(c.created_at.desc(), c.id.desc()).limit(1)).first()
