"""Stock levels (on hand, reserved) per product per warehouse, and the stock ledger.

The CHECK constraints make overselling impossible at the database level: whatever the
code does, `reserved` never exceeds `on_hand` and neither goes below zero.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.accounts.models import _enum
from wholesale.catalog.models import Product
from wholesale.db import Base, utcnow
from wholesale.sites.models import Warehouse
from wholesale.tenancy import TenantScoped


class MovementKind(enum.StrEnum):
    RECEIPT = "receipt"  # goods in
    ADJUSTMENT = "adjustment"  # count corrections, damage, shrinkage (+ or -)
    RESERVATION = "reservation"  # reserved for an order line
    RELEASE = "release"  # a reservation given back (cancel, change)
    SHIPMENT = "shipment"  # goods out: on hand and reservation both go down
    SHIPMENT_VOID = "shipment_void"  # a voided shipment's goods back in, still reserved


class StockLevel(TenantScoped, Base):
    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "product_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    bin_location: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    warehouse: Mapped[Warehouse] = relationship()
    product: Mapped[Product] = relationship()

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.supplier_id == org_id


class StockMovement(TenantScoped, Base):
    """One line of the stock ledger: what changed, by how much, who did it, when and why."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        Index("ix_stock_movements_product_created", "product_id", "created_at"),
        Index("ix_stock_movements_warehouse_product", "warehouse_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    kind: Mapped[MovementKind] = mapped_column(_enum(MovementKind, "movement_kind"))
    on_hand_delta: Mapped[int] = mapped_column(Integer, default=0)
    reserved_delta: Mapped[int] = mapped_column(Integer, default=0)
    on_hand_after: Mapped[int] = mapped_column(Integer)
    reserved_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.supplier_id == org_id
