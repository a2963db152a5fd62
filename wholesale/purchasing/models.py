"""Buying from vendors: vendors and what each supplies (vendor items), purchase orders with
their lines, the receipts booked against them, and each product's moving-average cost.

Every row carries the buying supplier's `supplier_id`, so the tenant filter needs no joins.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.accounts.models import Organization, _enum
from wholesale.catalog.models import Money, Product
from wholesale.db import Base, TimestampMixin, utcnow
from wholesale.sites.models import Warehouse
from wholesale.tenancy import TenantScoped

UnitCost = Numeric(14, 4)  # a moving average keeps more decimals than a price


class _OwnedBySupplier(TenantScoped):
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)


def _supplier_owns(cls: type[_OwnedBySupplier], org_id: int) -> ColumnElement[bool]:
    return cls.supplier_id == org_id


class Vendor(_OwnedBySupplier, TimestampMixin, Base):
    """Someone the supplier buys from (a grower, a mill, an importer)."""

    __tablename__ = "vendors"
    __tenant_criteria__ = classmethod(_supplier_owns)
    __table_args__ = (
        UniqueConstraint("supplier_id", "name"),
        CheckConstraint("lead_days >= 0", name="lead_days_not_negative"),
        CheckConstraint("minimum_order >= 0", name="minimum_order_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    lead_days: Mapped[int] = mapped_column(Integer, default=0)
    # The smallest order the vendor accepts, in money (None: no minimum).
    minimum_order: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    # A vendor that is itself an Ordertalk supplier (which has this supplier as a customer):
    # sending a PO places an order with it; its vendor codes are its SKUs.
    linked_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))

    items: Mapped[list[VendorItem]] = relationship(
        back_populates="vendor", order_by="VendorItem.id", cascade="all, delete-orphan")


class VendorItem(_OwnedBySupplier, Base):
    """A product as one vendor sells it: its code, the pack it comes in, what it costs."""

    __tablename__ = "vendor_items"
    __tenant_criteria__ = classmethod(_supplier_owns)
    __table_args__ = (
        UniqueConstraint("vendor_id", "product_id"),
        CheckConstraint("pack_size >= 1", name="pack_size_positive"),
        CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"),
                                           index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    vendor_code: Mapped[str] = mapped_column(String(64), default="")
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
    min_quantity: Mapped[int] = mapped_column(Integer, default=1)
    cost: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    # The vendor reorder suggestions use for this product (at most one per product).
    preferred: Mapped[bool] = mapped_column(Boolean, default=False)

    vendor: Mapped[Vendor] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()


class PurchaseOrderStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    CONFIRMED = "confirmed"
    PARTLY_RECEIVED = "partly_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class PurchaseOrder(_OwnedBySupplier, TimestampMixin, Base):
    __tablename__ = "purchase_orders"
    __tenant_criteria__ = classmethod(_supplier_owns)
    __table_args__ = (UniqueConstraint("supplier_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[PurchaseOrderStatus] = mapped_column(
        _enum(PurchaseOrderStatus, "purchase_order_status"), default=PurchaseOrderStatus.DRAFT)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The order placed with a linked vendor when the PO was sent.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))

    supplier: Mapped[Organization] = relationship()
    vendor: Mapped[Vendor] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="purchase_order", order_by="PurchaseOrderLine.id",
        cascade="all, delete-orphan")
    receipts: Mapped[list[PurchaseReceipt]] = relationship(
        back_populates="purchase_order", order_by="PurchaseReceipt.id",
        cascade="all, delete-orphan")
    messages: Mapped[list[PurchaseOrderMessage]] = relationship(
        back_populates="purchase_order", order_by="PurchaseOrderMessage.id",
        cascade="all, delete-orphan")

    @property
    def display_number(self) -> str:
        return f"PO-{self.number:05d}"

    @property
    def total(self) -> Decimal:
        return sum((line.cost * line.quantity for line in self.lines), Decimal("0.00"))


class PurchaseOrderLine(_OwnedBySupplier, Base):
    __tablename__ = "purchase_order_lines"
    __tenant_criteria__ = classmethod(_supplier_owns)
    __table_args__ = (
        UniqueConstraint("purchase_order_id", "product_id"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("received_quantity >= 0", name="received_not_negative"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    vendor_code: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    received_quantity: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[Decimal] = mapped_column(Money)
    expected_on: Mapped[date | None] = mapped_column(Date)

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    @property
    def over_quantity(self) -> int:
        """Delivered beyond what was ordered."""
        return max(0, self.received_quantity - self.quantity)

    @property
    def open_quantity(self) -> int:
        """Still expected (none once the order is closed)."""
        if self.purchase_order.status in (PurchaseOrderStatus.RECEIVED,
                                          PurchaseOrderStatus.CANCELLED):
            return 0
        return max(0, self.quantity - self.received_quantity)

    @property
    def short_quantity(self) -> int:
        """Ordered but never delivered: counted once the order is closed as received."""
        if self.purchase_order.status is not PurchaseOrderStatus.RECEIVED:
            return 0
        return max(0, self.quantity - self.received_quantity)


class PurchaseReceipt(_OwnedBySupplier, Base):
    """One delivery booked against a purchase order."""

    __tablename__ = "purchase_receipts"
    __tenant_criteria__ = classmethod(_supplier_owns)

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="receipts")
    lines: Mapped[list[PurchaseReceiptLine]] = relationship(
        back_populates="receipt", order_by="PurchaseReceiptLine.id",
        cascade="all, delete-orphan")


class PurchaseReceiptLine(_OwnedBySupplier, Base):
    __tablename__ = "purchase_receipt_lines"
    __tenant_criteria__ = classmethod(_supplier_owns)
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("over_quantity >= 0", name="over_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_receipts.id", ondelete="CASCADE"), index=True)
    purchase_order_line_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_order_lines.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    # Of `quantity`, how much went beyond the line's ordered quantity.
    over_quantity: Mapped[int] = mapped_column(Integer, default=0)

    receipt: Mapped[PurchaseReceipt] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class ProductCost(_OwnedBySupplier, Base):
    """A product's moving-average unit cost, updated by every purchase receipt."""

    __tablename__ = "product_costs"
    __tenant_criteria__ = classmethod(_supplier_owns)

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            primary_key=True)
    average_cost: Mapped[Decimal] = mapped_column(UnitCost)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PurchaseOrderMessageKind(enum.StrEnum):
    INBOUND = "inbound"  # the vendor wrote (a reply by email or SMS)
    OUTBOUND = "outbound"  # the supplier's staff wrote to the vendor
    EVENT = "event"  # written by the system: sent, a new date and what depends on it


class PurchaseOrderMessage(_OwnedBySupplier, Base):
    """One message of a purchase order's thread: the conversation with its vendor."""

    __tablename__ = "purchase_order_messages"
    __table_args__ = (Index("ix_purchase_order_messages_po", "purchase_order_id", "id"),)
    __tenant_criteria__ = classmethod(_supplier_owns)

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"))
    kind: Mapped[PurchaseOrderMessageKind] = mapped_column(
        _enum(PurchaseOrderMessageKind, "purchase_order_message_kind"))
    # How it came or went: "email", "sms", or "" (shown in the portal only).
    channel: Mapped[str] = mapped_column(String(8), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who wrote it, as shown: the staff member's or the vendor's name (and address).
    author_name: Mapped[str] = mapped_column(String(254), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    event_type: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="messages")
