"""Orders, their lines and stock allocations, extra contacts, idempotency keys, per-supplier
order numbers, and the supplier's ordering rules."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.accounts.models import Organization, User, _enum
from wholesale.catalog.models import Money, Product
from wholesale.db import Base, TimestampMixin, utcnow
from wholesale.sites.models import DeliveryLocation, Warehouse
from wholesale.tenancy import TenantScoped

if TYPE_CHECKING:
    from wholesale.fulfilment.models import DeliveryChange, OrderDelay, OrderEvent, Shipment


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    RECEIVED = "received"
    PICKING = "picking"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Channel(enum.StrEnum):
    PORTAL = "portal"
    API = "api"
    CSV = "csv"
    PHONE = "phone"
    CHAT = "chat"  # confirmed from a draft read from a message (wholesale/drafts)
    SMS = "sms"
    EMAIL = "email"
    STANDING = "standing"  # an occurrence of a standing order (wholesale/standing)


class Order(TenantScoped, TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("supplier_id", "number"),
        Index("ix_orders_supplier_status", "supplier_id", "status", "id"),
        Index("ix_orders_buyer_status", "buyer_id", "status", "id"),
        Index("ix_orders_supplier_delivery", "supplier_id", "requested_delivery_date"),
        Index("ix_orders_buyer_delivery", "buyer_id", "requested_delivery_date"),
        Index("ix_orders_supplier_buyer", "supplier_id", "buyer_id", "id"),
        Index("ix_orders_supplier_created", "supplier_id", "created_at"),
        Index("ix_orders_buyer_supplier", "buyer_id", "supplier_id", "id"),
        Index("ix_orders_buyer_created", "buyer_id", "created_at"),
        # the supplier's board: a status column, recent first (delivered: the last days only)
        Index("ix_orders_supplier_status_changed", "supplier_id", "status", "status_changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # Per supplier, from 1, unique and increasing (see orders/numbers.py). NULL only inside
    # the placing transaction: the number is taken as its last write.
    number: Mapped[int] = mapped_column(Integer, nullable=True)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus, "order_status"),
                                                default=OrderStatus.PLACED)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "order_channel"))
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delivery_location_id: Mapped[int] = mapped_column(ForeignKey("delivery_locations.id"))
    requested_delivery_date: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    po_number: Mapped[str] = mapped_column(String(64), default="")
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    backorder_of_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # -- fulfilment (wholesale/fulfilment): see its package docstring ------------------------
    # When the status last changed (the board's "delivered lately" column).
    status_changed_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    # The supplier's current estimate after a delay; None: the requested delivery date holds.
    eta: Mapped[date | None] = mapped_column(Date)
    expedited_at: Mapped[datetime | None]
    expedite_reason: Mapped[str | None] = mapped_column(String(500))
    # When `order_late` was sent (once per order).
    late_notified_at: Mapped[datetime | None]

    supplier: Mapped[Organization] = relationship(foreign_keys=[supplier_id])
    buyer: Mapped[Organization] = relationship(foreign_keys=[buyer_id])
    placed_by: Mapped[User] = relationship()
    delivery_location: Mapped[DeliveryLocation] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id",
                                                  cascade="all, delete-orphan")
    contacts: Mapped[list[OrderContact]] = relationship(back_populates="order",
                                                        cascade="all, delete-orphan")
    backorder_of: Mapped[Order | None] = relationship(remote_side=[id],
                                                      back_populates="backorders")
    backorders: Mapped[list[Order]] = relationship(back_populates="backorder_of")
    # The fulfilment record, loaded with the order (a list of orders: one query each).
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", lazy="selectin",
        cascade="all, delete-orphan")
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", order_by="Shipment.id", lazy="selectin",
        cascade="all, delete-orphan")
    delays: Mapped[list[OrderDelay]] = relationship(
        back_populates="order", order_by="OrderDelay.id", lazy="selectin",
        cascade="all, delete-orphan")
    delivery_changes: Mapped[list[DeliveryChange]] = relationship(
        back_populates="order", order_by="DeliveryChange.id", lazy="selectin",
        cascade="all, delete-orphan")

    @property
    def display_number(self) -> str:
        """The number people use: `GG-00042` (prefix from the supplier's name)."""
        from wholesale.orders.numbers import format_number

        return format_number(self.supplier.name, self.number)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return or_(cls.supplier_id == org_id, cls.buyer_id == org_id)


def _visible_order_ids(org_id: int):
    orders = Order.__table__.c
    return select(orders.id).where(or_(orders.supplier_id == org_id, orders.buyer_id == org_id))


class OrderLine(TenantScoped, Base):
    """What was ordered, with the product's details and unit price snapshotted at placement."""

    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    line_total: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    allocations: Mapped[list[Allocation]] = relationship(back_populates="line",
                                                         order_by="Allocation.id",
                                                         cascade="all, delete-orphan")

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.order_id.in_(_visible_order_ids(org_id))


class Allocation(TenantScoped, Base):
    """Stock of one warehouse reserved for one order line."""

    __tablename__ = "allocations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("shipped_quantity >= 0 AND shipped_quantity <= quantity",
                        name="shipped_within_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"),
                                               index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    shipped_quantity: Mapped[int] = mapped_column(Integer, default=0)
    released_at: Mapped[datetime | None]

    line: Mapped[OrderLine] = relationship(back_populates="allocations")
    warehouse: Mapped[Warehouse] = relationship()

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        lines = OrderLine.__table__.c
        return cls.order_line_id.in_(
            select(lines.id).where(lines.order_id.in_(_visible_order_ids(org_id)))
        )


class OrderContact(Base):
    """Someone to keep informed about the order (may have no account)."""

    __tablename__ = "order_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))

    order: Mapped[Order] = relationship(back_populates="contacts")


class IdempotencyKey(TimestampMixin, Base):
    """An `Idempotency-Key` an organization used, the fingerprint of the body sent with it,
    and the order it created — written in the same transaction as the order."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("organization_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))

    # Lets placement write the key in the same flush as the order it names.
    order: Mapped[Order] = relationship()


class OrderCounter(Base):
    """The last order number a supplier gave out (row-locked while the next one is taken)."""

    __tablename__ = "order_counters"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class OrderingRules(TimestampMixin, Base):
    """A supplier's rules: which days it delivers, the daily cut-off, the minimum order."""

    __tablename__ = "ordering_rules"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    # ISO weekdays the supplier delivers on, e.g. "1,2,3,4,5" (Monday–Friday).
    delivery_days: Mapped[str] = mapped_column(String(20), default="1,2,3,4,5")
    cutoff_time: Mapped[time] = mapped_column(Time, default=time(14, 0))
    timezone: Mapped[str] = mapped_column(String(64), default="America/Los_Angeles")
    # Days between the order day (before cut-off) and the earliest delivery day.
    lead_days: Mapped[int] = mapped_column(Integer, default=1)
    min_order_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    low_stock_days: Mapped[int] = mapped_column(Integer, default=0)
    accepts_backorders: Mapped[bool] = mapped_column(Boolean, default=True)
