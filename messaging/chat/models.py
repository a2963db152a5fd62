"""Chat tables: threads (one per order, and one account thread per trading relationship),
messages, attachments and per-user read state.

Every row carries the order's `supplier_id` and `buyer_id`, so the tenant filter can decide
visibility without joins: a buyer's organization never sees an internal note (or a note's
attachment), whatever query asks for it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.accounts.models import User, _enum
from wholesale.db import Base, TimestampMixin, utcnow
from wholesale.orders.models import Order
from wholesale.tenancy import TenantScoped


class MessageKind(enum.StrEnum):
    TEXT = "text"
    EVENT = "event"  # written by the system when an order signal fires
    NOTE = "note"  # internal: the supplier's staff only


class ThreadKind(enum.StrEnum):
    ORDER = "order"  # the conversation of one order
    ACCOUNT = "account"  # the standing conversation of a buyer and a supplier


class Side(enum.StrEnum):
    SUPPLIER = "supplier"
    BUYER = "buyer"


def _participants(cls: Any, org_id: int) -> ColumnElement[bool]:
    return or_(cls.supplier_id == org_id, cls.buyer_id == org_id)


ACCOUNT_ONLY = text("kind = 'account'")


class Thread(TenantScoped, TimestampMixin, Base):
    """The conversation of one order, or the account thread of one buyer and one supplier
    (`order_id` NULL). `last_seq` is the per-thread message counter: the row is updated (so
    locked) before a message is inserted, so within a thread message ids grow with seq and
    commit in that order."""

    __tablename__ = "chat_threads"
    __table_args__ = (
        Index("ix_chat_threads_supplier_activity", "supplier_id", "last_message_at"),
        Index("ix_chat_threads_buyer_activity", "buyer_id", "last_public_message_at"),
        Index("uq_chat_threads_account", "supplier_id", "buyer_id", unique=True,
              postgresql_where=ACCOUNT_ONLY, sqlite_where=ACCOUNT_ONLY),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ThreadKind] = mapped_column(
        _enum(ThreadKind, "chat_thread_kind"), default=ThreadKind.ORDER,
        server_default=ThreadKind.ORDER.value,
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), unique=True
    )
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # The newest message of any kind (what the supplier sees) and the newest that is not a
    # note (what the buyer sees): its seq and time.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_message_at: Mapped[datetime | None]
    last_public_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_public_message_at: Mapped[datetime | None]

    order: Mapped[Order | None] = relationship()

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return _participants(cls, org_id)


class Message(TenantScoped, Base):
    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("thread_id", "seq"),
        UniqueConstraint("thread_id", "author_id", "client_id"),
        Index("ix_chat_messages_thread_id_id", "thread_id", "id"),
        Index("ix_chat_messages_supplier_order", "supplier_id", "order_id"),
        Index("ix_chat_messages_buyer_order", "buyer_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("chat_threads.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(Integer)  # NULL in an account thread
    supplier_id: Mapped[int] = mapped_column(Integer)
    buyer_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind, "chat_message_kind"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    author_org_id: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[str | None] = mapped_column(String(64))
    event_type: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id", lazy="selectin"
    )

    @property
    def internal(self) -> bool:
        return self.kind is MessageKind.NOTE

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return or_(
            cls.supplier_id == org_id,
            and_(cls.buyer_id == org_id, cls.kind != MessageKind.NOTE),
        )


class Attachment(TenantScoped, TimestampMixin, Base):
    """An image or PDF sent with a message; the file lives under
    `<instance>/uploads/chat/<storage_key>`."""

    __tablename__ = "chat_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="CASCADE"), index=True
    )
    supplier_id: Mapped[int] = mapped_column(Integer)
    buyer_id: Mapped[int] = mapped_column(Integer)
    internal: Mapped[bool] = mapped_column(default=False)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)

    message: Mapped[Message] = relationship(back_populates="attachments")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return or_(cls.supplier_id == org_id, and_(cls.buyer_id == org_id, ~cls.internal))


class ReadState(TenantScoped, Base):
    """How far one user has read one thread."""

    __tablename__ = "chat_read_states"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("chat_threads.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(Integer)
    buyer_id: Mapped[int] = mapped_column(Integer)
    last_read_message_id: Mapped[int] = mapped_column(Integer, default=0)
    last_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return _participants(cls, org_id)


class UnreadThread(Base):
    """A thread that may hold something `user_id` wants to read: `seq` is the newest such
    message. Written when the message is stored (chat/store.py), deleted when the user reads
    up to `seq` (services.mark_read), so the unread queries look only at these threads
    instead of every message of the organization. The count itself is still worked out
    from the messages and the read state (services._unread_stmt).

    Not tenant-scoped: rows are only ever read by their own user's id."""

    __tablename__ = "chat_unread_threads"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("chat_threads.id", ondelete="CASCADE"), primary_key=True, index=True)
    seq: Mapped[int] = mapped_column(Integer)
