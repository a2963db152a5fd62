"""The fulfilment record of an order: its timeline (one table for every kind of event),
shipments and their lines, delays (the ETA history) and delivery-change requests."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.accounts.models import User, _enum
from wholesale.db import Base, utcnow
from wholesale.orders.models import Order, OrderLine, OrderStatus
from wholesale.sites.models import DeliveryLocation, Warehouse
from wholesale.tenancy import TenantScoped


class Side(enum.StrEnum):
    SUPPLIER = "supplier"
    BUYER = "buyer"
    SYSTEM = "system"


class EventKind(enum.StrEnum):
    STATUS = "status"
    SHIPMENT = "shipment"
    SHIPMENT_VOIDED = "shipment_voided"  # its label refunded: the goods did not leave
    DELAY = "delay"
    CHANGE_REQUESTED = "change_requested"
    CHANGE_ACCEPTED = "change_accepted"
    CHANGE_DECLINED = "change_declined"
    EXPEDITE = "expedite"
    BACKORDER_READY = "backorder_ready"
    LATE = "late"


class ChangeStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the order was cancelled or shipped while it was pending


def _visible_orders(org_id: int) -> Any:
    orders = Order.__table__.c
    return select(orders.id).where(or_(orders.supplier_id == org_id, orders.buyer_id == org_id))


class OrderEvent(TenantScoped, Base):
    """One entry of an order's timeline: who did what, when, and why."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_order", "order_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "order_event_kind"))
    # None: the system did it (automatic allocation, late flagging).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    side: Mapped[Side] = mapped_column(_enum(Side, "order_event_side"))
    from_status: Mapped[OrderStatus | None] = mapped_column(
        _enum(OrderStatus, "order_status"))
    to_status: Mapped[OrderStatus | None] = mapped_column(_enum(OrderStatus, "order_status"))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.order_id.in_(_visible_orders(org_id))


class Shipment(TenantScoped, Base):
    """Goods that left: a carrier, a tracking number and the quantities of each line."""

    __tablename__ = "shipments"
    __table_args__ = (Index("ix_shipments_tracking_number", "tracking_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    carrier: Mapped[str] = mapped_column(String(64))
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    shipped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A label bought through the carrier backend (None: a shipment recorded by hand).
    label_backend: Mapped[str | None] = mapped_column(String(20))
    label_transaction_id: Mapped[str | None] = mapped_column(String(64))
    label_service: Mapped[str] = mapped_column(String(100), default="")
    label_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    label_currency: Mapped[str | None] = mapped_column(String(3))
    label_file: Mapped[str | None] = mapped_column(String(200))  # under instance/uploads
    label_remote_url: Mapped[str | None] = mapped_column(String(500))
    # The carrier's tracking (Shippo's webhook): TRANSIT, DELIVERED, FAILURE, RETURNED, ...
    tracking_status: Mapped[str | None] = mapped_column(String(20))
    tracking_details: Mapped[str] = mapped_column(Text, default="")
    carrier_eta: Mapped[datetime | None]
    eta_notice_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    delivered_at: Mapped[datetime | None]
    # A refund of the label (labels.refund_label): asked at (also the claim that keeps a
    # second request out while the carrier answers), the carrier's refund status, and the
    # shipment voided — its goods back on the shelf, still reserved for the order.
    refund_requested_at: Mapped[datetime | None]
    label_refund_status: Mapped[str | None] = mapped_column(String(20))
    # the carrier's refund, asked again while QUEUED or PENDING (labels.check_refunds)
    label_refund_id: Mapped[str | None] = mapped_column(String(64))
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_note: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[Order] = relationship(back_populates="shipments")
    shipped_by: Mapped[User | None] = relationship(foreign_keys=[shipped_by_id])
    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id])
    lines: Mapped[list[ShipmentLine]] = relationship(
        back_populates="shipment", order_by="ShipmentLine.id", lazy="selectin",
        cascade="all, delete-orphan")

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.order_id.in_(_visible_orders(org_id))

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


class ShippingQuote(TenantScoped, Base):
    """A carrier rate offered for an order: what buying a label may name, for a while."""

    __tablename__ = "shipping_quotes"
    __table_args__ = (UniqueConstraint("order_id", "rate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    backend: Mapped[str] = mapped_column(String(20))
    rate_id: Mapped[str] = mapped_column(String(64))
    carrier: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    days: Mapped[int | None] = mapped_column(Integer)
    parcels: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # The quantities quoted for ({"line_id", "quantity"}); None: everything that could ship.
    lines: Mapped[list[dict[str, int]] | None] = mapped_column(JSON)
    # A label purchase of this rate is under way (the claim that keeps a second one out).
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.order_id.in_(_visible_orders(org_id))


class TrackingUpdate(Base):
    """A carrier tracking event applied to a shipment, once (the webhook's duplicates)."""

    __tablename__ = "shipment_tracking_updates"
    __table_args__ = (UniqueConstraint("shipment_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShipmentLine(TenantScoped, Base):
    """A quantity of one order line shipped from one warehouse."""

    __tablename__ = "shipment_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"),
                                             index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"),
                                               index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    quantity: Mapped[int] = mapped_column(Integer)

    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship(lazy="joined")
    warehouse: Mapped[Warehouse] = relationship()

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        shipments = Shipment.__table__.c
        return cls.shipment_id.in_(
            select(shipments.id).where(shipments.order_id.in_(_visible_orders(org_id))))


class OrderDelay(TenantScoped, Base):
    """A delay the supplier posted: the ETA before, the new one, and why (the ETA history)."""

    __tablename__ = "order_delays"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    previous_eta: Mapped[date] = mapped_column(Date)
    new_eta: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="delays")
    created_by: Mapped[User | None] = relationship()

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.order_id.in_(_visible_orders(org_id))


class DeliveryChange(TenantScoped, Base):
    """A request of one side to change the delivery date and/or location, which the other
    side accepts or declines. At most one is pending per order."""

    __tablename__ = "delivery_changes"
    __table_args__ = (
        Index("uq_delivery_changes_pending", "order_id", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_side: Mapped[Side] = mapped_column(_enum(Side, "order_event_side"))
    delivery_date: Mapped[date | None] = mapped_column(Date)
    delivery_location_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery_locations.id"))
    previous_delivery_date: Mapped[date] = mapped_column(Date)
    previous_location_id: Mapped[int] = mapped_column(ForeignKey("delivery_locations.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ChangeStatus] = mapped_column(_enum(ChangeStatus, "delivery_change_status"),
                                                 default=ChangeStatus.PENDING)
    response_note: Mapped[str] = mapped_column(Text, default="")
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="delivery_changes")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="joined")
    responded_by: Mapped[User | None] = relationship(foreign_keys=[responded_by_id])
    delivery_location: Mapped[DeliveryLocation | None] = relationship(
        foreign_keys=[delivery_location_id], lazy="joined")
    previous_location: Mapped[DeliveryLocation] = relationship(
        foreign_keys=[previous_location_id])

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.order_id.in_(_visible_orders(org_id))

    @property
    def other_side(self) -> Side:
        return Side.BUYER if self.requested_side is Side.SUPPLIER else Side.SUPPLIER
