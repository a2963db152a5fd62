"""A standing order (lines, location, schedule), its occurrences (one row per scheduled
day once the day comes near, or once the buyer skips or changes it), and the supplier's
standing-order settings (reminder lead time, what a closed day does, closed dates)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column

from wholesale.accounts.models import _enum
from wholesale.db import Base, TimestampMixin, utcnow
from wholesale.tenancy import TenantScoped


class OccurrenceStatus(enum.StrEnum):
    UPCOMING = "upcoming"
    SKIPPED = "skipped"
    PLACED = "placed"
    FAILED = "failed"


class ClosedDay(enum.StrEnum):
    """What an occurrence falling on a day the supplier does not deliver does."""

    MOVE = "move"  # to the next delivery day
    SKIP = "skip"


class StandingOrder(TenantScoped, TimestampMixin, Base):
    __tablename__ = "standing_orders"
    __table_args__ = (Index("ix_standing_orders_supplier_buyer", "supplier_id", "buyer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    delivery_location_id: Mapped[int] = mapped_column(ForeignKey("delivery_locations.id"))
    # [{"product_id", "quantity"}], checked against the supplier's rules when saved.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    weekdays: Mapped[str] = mapped_column(String(20))  # ISO weekdays, e.g. "2,5"
    every_weeks: Mapped[int] = mapped_column(Integer, default=1)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    paused: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return or_(cls.supplier_id == org_id, cls.buyer_id == org_id)

    @property
    def weekday_list(self) -> list[int]:
        return [int(d) for d in self.weekdays.split(",") if d]


class StandingOccurrence(TenantScoped, TimestampMixin, Base):
    """One scheduled day of a standing order. `scheduled_on` is the schedule's day (the
    key, with the standing order: the idempotency of everything done for it);
    `delivery_on` the day it is delivered (later when a closed day moved it)."""

    __tablename__ = "standing_occurrences"
    __table_args__ = (
        UniqueConstraint("standing_order_id", "scheduled_on"),
        Index("ix_standing_occurrences_supplier_delivery", "supplier_id", "delivery_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standing_order_id: Mapped[int] = mapped_column(ForeignKey("standing_orders.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    scheduled_on: Mapped[date] = mapped_column(Date)
    delivery_on: Mapped[date] = mapped_column(Date)
    status: Mapped[OccurrenceStatus] = mapped_column(
        _enum(OccurrenceStatus, "occurrence_status"), default=OccurrenceStatus.UPCOMING)
    # This occurrence's own lines (a reply changed them); None: the standing order's.
    lines: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return or_(cls.supplier_id == org_id, cls.buyer_id == org_id)


class StandingSettings(TenantScoped, TimestampMixin, Base):
    """A supplier's standing-order settings (defaults when it has no row). Its buyers' pages
    and the scheduler read it across tenants (`services.settings_for`)."""

    __tablename__ = "standing_order_settings"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    reminder_hours: Mapped[int] = mapped_column(Integer, default=4)  # 0: no reminder
    closed_day: Mapped[ClosedDay] = mapped_column(_enum(ClosedDay, "closed_day"),
                                                  default=ClosedDay.MOVE)
    # ISO dates the supplier does not deliver on (holidays), besides its weekly days off.
    closed_dates: Mapped[list[str]] = mapped_column(JSON, default=list)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.supplier_id == org_id
