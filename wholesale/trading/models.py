"""A supplier↔buyer trading relationship, with the terms the supplier bills on."""

from __future__ import annotations

import enum

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Select,
    String,
    Text,
    UniqueConstraint,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.accounts.models import Organization, _enum
from wholesale.db import Base, TimestampMixin
from wholesale.tenancy import TenantScoped


class PaymentTerms(enum.StrEnum):
    DUE_ON_RECEIPT = "due_on_receipt"
    NET_7 = "net_7"
    NET_15 = "net_15"
    NET_30 = "net_30"
    NET_60 = "net_60"
    END_OF_MONTH = "end_of_month"

    @property
    def label(self) -> str:
        return {
            "due_on_receipt": "Due on receipt",
            "end_of_month": "End of month",
        }.get(self.value, self.value.replace("net_", "Net "))


class TradingRelationship(TenantScoped, TimestampMixin, Base):
    __tablename__ = "trading_relationships"
    __table_args__ = (UniqueConstraint("supplier_id", "buyer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    payment_terms: Mapped[PaymentTerms] = mapped_column(
        _enum(PaymentTerms, "payment_terms"), default=PaymentTerms.NET_30
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    external_ref: Mapped[str | None] = mapped_column(String(64))

    supplier: Mapped[Organization] = relationship(foreign_keys=[supplier_id])
    buyer: Mapped[Organization] = relationship(foreign_keys=[buyer_id])

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return or_(cls.supplier_id == org_id, cls.buyer_id == org_id)


def partner_ids(org_id: int) -> Select[tuple[int]]:
    """The ids of the organizations `org_id` trades with, on either side, as a subquery."""
    rel = TradingRelationship.__table__.c
    return select(
        union(
            select(rel.buyer_id).where(rel.supplier_id == org_id),
            select(rel.supplier_id).where(rel.buyer_id == org_id),
        )
        .subquery()
        .c[0]
    )
