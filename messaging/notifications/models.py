"""Notification tables: the outbox (one row per message to send), its status history,
preferences (per user, per organization, per order contact), suppressions (STOP, bounces),
inbound messages seen from the providers, SMS reply contexts, short links, chat-digest
cursors, files attached to emails (an invoice PDF, as it was when the message was queued)
and the claims of the dispatcher's daily jobs.

A notification row carries the order's `supplier_id` and `buyer_id` so the tenant filter
decides visibility without joins. `supplier_only` marks rows whose content comes from the
supplier's internal side (a digest with internal notes): the buyer never sees them.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.accounts.models import _enum
from wholesale.db import Base, utcnow
from wholesale.tenancy import TenantScoped


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class Status(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


# Statuses only move forward: a late `sent` never overwrites `delivered`.
STATUS_RANK: dict[Status, int] = {
    Status.PENDING: 0,
    Status.SENT: 1,
    Status.DELIVERED: 2,
    Status.FAILED: 2,
    Status.SUPPRESSED: 2,
}
FINAL = frozenset({Status.DELIVERED, Status.FAILED, Status.SUPPRESSED})


class RecipientKind(enum.StrEnum):
    USER = "user"
    CONTACT = "contact"  # an order's extra contact, without an account
    ADDRESS = "address"  # an address alone (an invitation)


class Notification(TenantScoped, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_order", "order_id", "id"),
        Index("ix_notifications_org", "organization_id", "id"),
        Index("ix_notifications_provider_id", "provider_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of event key + channel + address: one message per event, channel and address.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    event_key: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(40))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "notification_channel"))
    status: Mapped[Status] = mapped_column(_enum(Status, "notification_status"),
                                           default=Status.PENDING)
    # The organization whose log shows it (the supplier of the order, the inviter).
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    supplier_id: Mapped[int | None] = mapped_column(Integer)
    buyer_id: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    supplier_only: Mapped[bool] = mapped_column(Boolean, default=False)

    recipient_kind: Mapped[RecipientKind] = mapped_column(
        _enum(RecipientKind, "notification_recipient_kind"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_contacts.id", ondelete="SET NULL"))
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    recipient_side: Mapped[str] = mapped_column(String(16), default="")
    address: Mapped[str] = mapped_column(String(254))
    # Another address of the same person, for the email fallback of a failed SMS.
    fallback_email: Mapped[str | None] = mapped_column(String(254))
    fallback_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"))

    subject: Mapped[str | None] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    reply_to: Mapped[str | None] = mapped_column(String(254))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    segments: Mapped[int | None] = mapped_column(Integer)

    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=6)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(16))
    provider_message_id: Mapped[str | None] = mapped_column(String(128))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    history: Mapped[list[NotificationEvent]] = relationship(
        back_populates="notification", order_by="NotificationEvent.id",
        cascade="all, delete-orphan", lazy="selectin")

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return or_(
            cls.organization_id == org_id,
            cls.supplier_id == org_id,
            and_(cls.buyer_id == org_id, cls.supplier_only.is_(False)),
        )


class NotificationEvent(Base):
    """One step of a notification's life: queued, an attempt, a retry, a provider report."""

    __tablename__ = "notification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="dispatcher")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    notification: Mapped[Notification] = relationship(back_populates="history")


class UserPreference(Base):
    """A user's choice for one event on one channel (absent: the organization's default)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "event", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(8))
    enabled: Mapped[bool] = mapped_column(Boolean)


class OrganizationDefault(Base):
    """An organization's default for one event on one channel (absent: Ordertalk's)."""

    __tablename__ = "notification_org_defaults"
    __table_args__ = (UniqueConstraint("organization_id", "event", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(8))
    enabled: Mapped[bool] = mapped_column(Boolean)


class ContactOptOut(Base):
    """An order contact who asked (through the link in a message) to hear no more on a
    channel about that order."""

    __tablename__ = "notification_contact_opt_outs"
    __table_args__ = (UniqueConstraint("contact_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("order_contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Suppression(Base):
    """An address nothing more is sent to on a channel: STOP by SMS, a bounce, a spam report
    or an unsubscribe. `lifted_at` set: sending is allowed again (START)."""

    __tablename__ = "notification_suppressions"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]


class InboundMessage(Base):
    """What came in from a provider (SMS, email reply, keyword) and where it went; the
    provider's id is unique, so a retried webhook is handled once."""

    __tablename__ = "notification_inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(254))
    outcome: Mapped[str] = mapped_column(String(16))  # routed, stop, start, help, held…
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(Integer)
    # The text of a message not posted: an SMS whose order we asked for (`ambiguous`, posted
    # when the sender answers) or an email reply from an unknown sender (`held`).
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SmsReplyContext(Base):
    """The thread a number's next SMS replies go to: an order's (`order_id`), or an account
    thread (`thread_id`, `order_id` None: we answered the buyer's order by SMS there) — we
    texted the number about it (sent by the provider; `notification_id`), or the sender
    named or chose it (`notification_id` None).
    `sender` is our number the conversation is with (From of our text, To of theirs); None
    or a messaging service SID (`MG…`) when that number is not known. `organization_id`
    is the organization the recipient acts for (a user's, or the buyer's for a contact)."""

    __tablename__ = "notification_sms_contexts"
    __table_args__ = (Index("ix_notification_sms_contexts_phone", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_threads.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_contacts.id", ondelete="SET NULL"))
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShortLink(Base):
    """`/o/<code>`: a short link to an order, for SMS."""

    __tablename__ = "notification_short_links"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestCursor(Base):
    """How far a recipient's chat digests of one order have gone (the last message seq
    already covered)."""

    __tablename__ = "notification_digest_cursors"
    __table_args__ = (UniqueConstraint("order_id", "recipient_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    recipient_key: Mapped[str] = mapped_column(String(32))  # "u:<id>" or "c:<id>"
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationAttachment(Base):
    """A file sent with an email notification, stored with it in the outbox transaction:
    the bytes as they were when the message was queued (an invoice voided later still
    goes out as it was issued), whichever worker sends it. SMS carries no attachments."""

    __tablename__ = "notification_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScheduledRun(Base):
    """One run of a daily job of the dispatcher (e.g. the invoicing run) for one UTC day.
    The (job, day) row is unique: the worker that inserts it runs the job; the others skip
    it. An unfinished run whose lease has passed (the worker died, or the run failed) may
    be taken over."""

    __tablename__ = "notification_scheduled_runs"
    __table_args__ = (UniqueConstraint("job", "run_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    run_on: Mapped[date] = mapped_column(Date)
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    finished_at: Mapped[datetime | None]
    result: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str | None] = mapped_column(Text)


class PendingEvent(Base):
    """A domain event whose notifications are still to be worked out: one row per event,
    written in the transaction of the change; the dispatcher turns it into notification
    rows (recipients, preferences, rendering) after the commit and deletes it
    (messaging/notifications/deferred.py). `payload` holds what the event said then: per
    order, its event key, details and summary."""

    __tablename__ = "notification_pending_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
