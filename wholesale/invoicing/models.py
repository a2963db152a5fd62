"""Invoicing tables: the supplier's billing settings, the buyer's billing details, invoices
and their lines, credit notes, payments and their allocations, per-supplier document
counters, reminders sent, credit limits and credit holds.

Invoices and credit notes snapshot the supplier's and the buyer's billing details when they
are issued: a document never changes after the fact.
"""

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

from wholesale.accounts.models import Organization, User, _enum
from wholesale.catalog.models import Money
from wholesale.db import Base, TimestampMixin, utcnow
from wholesale.orders.models import Order, OrderLine
from wholesale.tenancy import TenantScoped

# A tax rate in percent, e.g. 8.875.
Rate = Numeric(6, 3)


class InvoiceStatus(enum.StrEnum):
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.OVERDUE)


class InvoiceBasis(enum.StrEnum):
    SHIPMENT = "shipment"  # one invoice per shipment
    ORDER = "order"  # one invoice for what has shipped on the order


class PaymentMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    CHECK = "check"
    CASH = "cash"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class CreditReason(enum.StrEnum):
    RETURN = "return"
    SHORTAGE = "shortage"
    DAMAGE = "damage"
    OTHER = "other"


class HoldStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CounterKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


def _either_side(cls: Any, org_id: int) -> ColumnElement[bool]:
    return or_(cls.supplier_id == org_id, cls.buyer_id == org_id)


class InvoiceSettings(TenantScoped, TimestampMixin, Base):
    """A supplier's billing: tax, legal details on its documents, when it invoices, and
    its reminder schedule."""

    __tablename__ = "invoice_settings"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    tax_id: Mapped[str] = mapped_column(String(64), default="")
    billing_email: Mapped[str] = mapped_column(String(254), default="")
    tax_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
    tax_label: Mapped[str] = mapped_column(String(40), default="Sales tax")
    payment_instructions: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[InvoiceBasis] = mapped_column(_enum(InvoiceBasis, "invoice_basis"),
                                                default=InvoiceBasis.SHIPMENT)
    # Issue the invoice by itself when goods ship (per shipment) / the order has shipped.
    auto_issue: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reminders: N days before the due date (0: none), on the due date, every N days after.
    remind_days_before: Mapped[int] = mapped_column(Integer, default=3)
    remind_on_due: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_every_days_after: Mapped[int] = mapped_column(Integer, default=7)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.supplier_id == org_id


class ProductTaxRate(TenantScoped, Base):
    """A product taxed at another rate than its supplier's (e.g. 0 for staple food)."""

    __tablename__ = "product_tax_rates"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    rate: Mapped[Decimal] = mapped_column(Rate)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.supplier_id == org_id


class BillingProfile(TenantScoped, TimestampMixin, Base):
    """A buyer's billing details: the name and address on invoices, and who receives them."""

    __tablename__ = "billing_profiles"

    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    tax_id: Mapped[str] = mapped_column(String(64), default="")
    # Comma-separated addresses; empty: the buyer's owners receive invoices.
    emails: Mapped[str] = mapped_column(Text, default="")

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.buyer_id == org_id

    @property
    def email_list(self) -> list[str]:
        return [e.strip() for e in self.emails.split(",") if e.strip()]


class CreditLimit(TenantScoped, TimestampMixin, Base):
    """The most a buyer may owe its supplier (open receivables + a new order)."""

    __tablename__ = "credit_limits"

    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("trading_relationships.id", ondelete="CASCADE"), primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return _either_side(cls, org_id)


class DocumentCounter(Base):
    """The last number a supplier gave to an invoice / a credit note (row-locked while the
    next one is taken)."""

    __tablename__ = "invoice_counters"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    kind: Mapped[CounterKind] = mapped_column(_enum(CounterKind, "invoice_counter_kind"),
                                              primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(TenantScoped, TimestampMixin, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("supplier_id", "number"),
        Index("ix_invoices_supplier_status", "supplier_id", "status", "due_date"),
        Index("ix_invoices_buyer_status", "buyer_id", "status", "due_date"),
        Index("ix_invoices_supplier_issued", "supplier_id", "issue_date"),
        # A shipment is invoiced once (a void invoice frees it).
        Index("uq_invoices_shipment_live", "shipment_id", unique=True,
              sqlite_where=text("voided_at IS NULL"),
              postgresql_where=text("voided_at IS NULL")),
        CheckConstraint("total >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[InvoiceStatus] = mapped_column(_enum(InvoiceStatus, "invoice_status"),
                                                  default=InvoiceStatus.ISSUED)
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    payment_terms: Mapped[str] = mapped_column(String(20))
    po_number: Mapped[str] = mapped_column(String(64), default="")
    subtotal: Mapped[Decimal] = mapped_column(Money)
    tax_total: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    amount_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    amount_credited: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # Supplier (legal name, address, tax id, payment instructions) and buyer (billing name,
    # address, emails) as they were at issue.
    seller: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    bill_to: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    supplier: Mapped[Organization] = relationship(foreign_keys=[supplier_id])
    buyer: Mapped[Organization] = relationship(foreign_keys=[buyer_id])
    order: Mapped[Order] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.id", lazy="selectin",
        cascade="all, delete-orphan")
    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="invoice", order_by="PaymentAllocation.id")
    credit_notes: Mapped[list[CreditNote]] = relationship(
        back_populates="invoice", order_by="CreditNote.id")

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return _either_side(cls, org_id)

    @property
    def display_number(self) -> str:
        return f"INV-{self.number:05d}"

    @property
    def balance(self) -> Decimal:
        if self.status is InvoiceStatus.VOID:
            return Decimal("0.00")
        return self.total - self.amount_paid - self.amount_credited

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def _visible_invoices(org_id: int) -> Any:
    inv = Invoice.__table__.c
    return select(inv.id).where(or_(inv.supplier_id == org_id, inv.buyer_id == org_id))


class InvoiceLine(TenantScoped, Base):
    """A shipped quantity of one order line, at the order's snapshot price, with its tax."""

    __tablename__ = "invoice_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"),
                                            index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    amount: Mapped[Decimal] = mapped_column(Money)  # quantity × unit price, to the cent
    tax: Mapped[Decimal] = mapped_column(Money)  # amount × rate, to the cent (per line)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.invoice_id.in_(_visible_invoices(org_id))


class CreditNote(TenantScoped, TimestampMixin, Base):
    """Money given back on an invoice for returned, missing or damaged goods."""

    __tablename__ = "credit_notes"
    __table_args__ = (UniqueConstraint("supplier_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    reason: Mapped[CreditReason] = mapped_column(_enum(CreditReason, "credit_reason"))
    note: Mapped[str] = mapped_column(Text, default="")
    issue_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    tax_total: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    invoice: Mapped[Invoice] = relationship(back_populates="credit_notes")
    lines: Mapped[list[CreditNoteLine]] = relationship(
        back_populates="credit_note", order_by="CreditNoteLine.id", lazy="selectin",
        cascade="all, delete-orphan")

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return _either_side(cls, org_id)

    @property
    def display_number(self) -> str:
        return f"CN-{self.number:05d}"


class CreditNoteLine(Base):
    __tablename__ = "credit_note_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_note_id: Mapped[int] = mapped_column(
        ForeignKey("credit_notes.id", ondelete="CASCADE"), index=True)
    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("invoice_lines.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)

    credit_note: Mapped[CreditNote] = relationship(back_populates="lines")
    invoice_line: Mapped[InvoiceLine] = relationship(lazy="joined")


class Payment(TenantScoped, TimestampMixin, Base):
    """Money received from a buyer, allocated to one or several of its invoices."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_supplier_buyer", "supplier_id", "buyer_id", "paid_on"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod, "payment_method"))
    reference: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="payment", order_by="PaymentAllocation.id", lazy="selectin",
        cascade="all, delete-orphan")
    buyer: Mapped[Organization] = relationship(foreign_keys=[buyer_id])

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return _either_side(cls, org_id)


class PaymentAllocation(Base):
    __tablename__ = "payment_allocations"
    __table_args__ = (
        UniqueConstraint("payment_id", "invoice_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    invoice: Mapped[Invoice] = relationship(back_populates="allocations")


class InvoiceReminder(Base):
    """A reminder that went out: one row per invoice, kind and day, so never twice."""

    __tablename__ = "invoice_reminders"
    __table_args__ = (UniqueConstraint("invoice_id", "kind", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # before_due, due, overdue
    on_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditHold(TenantScoped, Base):
    """An order placed over the buyer's credit limit, waiting for the supplier's decision.
    While pending, the order cannot move on (only be cancelled)."""

    __tablename__ = "credit_holds"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[HoldStatus] = mapped_column(_enum(HoldStatus, "credit_hold_status"),
                                               default=HoldStatus.PENDING)
    credit_limit: Mapped[Decimal] = mapped_column(Money)
    open_receivables: Mapped[Decimal] = mapped_column(Money)
    order_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return _either_side(cls, org_id)

    @property
    def exposure(self) -> Decimal:
        return self.open_receivables + self.order_amount
