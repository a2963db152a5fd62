"""An order draft: the lines, date and questions read from a buyer's message in an account
thread (or sent to the API), kept until the buyer or the supplier's rep confirms it, one of
them discards it, or it expires. Confirming places an order through the one placement
service; `order_id` then names it."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, Date, ForeignKey, Index, Integer, String, Text, or_
from sqlalchemy.orm import Mapped, mapped_column

from wholesale.accounts.models import _enum
from wholesale.db import Base, TimestampMixin, utcnow
from wholesale.tenancy import TenantScoped


class DraftStatus(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISCARDED = "discarded"
    EXPIRED = "expired"


class DraftSource(enum.StrEnum):
    CHAT = "chat"
    SMS = "sms"
    EMAIL = "email"
    API = "api"


class OrderDraft(TenantScoped, TimestampMixin, Base):
    __tablename__ = "order_drafts"
    __table_args__ = (
        Index("ix_order_drafts_buyer_open", "buyer_id", "supplier_id", "status"),
        Index("ix_order_drafts_supplier_status", "supplier_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    thread_id: Mapped[int | None] = mapped_column(Integer)  # the account thread (messaging's)
    message_id: Mapped[int | None] = mapped_column(Integer)  # the message it was read from
    source: Mapped[DraftSource] = mapped_column(_enum(DraftSource, "draft_source"))
    text: Mapped[str] = mapped_column(Text, default="")
    # [{"product_id", "sku", "name", "quantity", "unit", "confidence", "source_text",
    #   "flags", "note"}]; quantities as decimal strings, in the product's unit.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    unmatched: Mapped[list[str]] = mapped_column(JSON, default=list)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    requested_delivery_date: Mapped[date | None] = mapped_column(Date)
    date_note: Mapped[str | None] = mapped_column(String(300))
    delivery_location_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery_locations.id"))
    status: Mapped[DraftStatus] = mapped_column(_enum(DraftStatus, "draft_status"),
                                                default=DraftStatus.OPEN)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    awaiting_buyer: Mapped[bool] = mapped_column(default=False)  # sent back by the rep
    expires_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return or_(cls.supplier_id == org_id, cls.buyer_id == org_id)
