"""Supplier warehouses and buyer delivery locations, each with a geographic position."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnElement, ForeignKey, Integer, Numeric, String, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.accounts.models import Organization
from wholesale.db import Base, TimestampMixin
from wholesale.tenancy import TenantScoped

Coordinate = Numeric(9, 6)


class Warehouse(TenantScoped, TimestampMixin, Base):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500))
    latitude: Mapped[Decimal] = mapped_column(Coordinate)
    longitude: Mapped[Decimal] = mapped_column(Coordinate)

    supplier: Mapped[Organization] = relationship()

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.supplier_id == org_id


class DeliveryLocation(TenantScoped, TimestampMixin, Base):
    __tablename__ = "delivery_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500))
    latitude: Mapped[Decimal] = mapped_column(Coordinate)
    longitude: Mapped[Decimal] = mapped_column(Coordinate)
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # For delivery runs: minutes a drop takes here, and what the driver should know.
    service_minutes: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    receiving_notes: Mapped[str] = mapped_column(String(500), default="", server_default="")

    buyer: Mapped[Organization] = relationship()

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        from wholesale.trading.models import partner_ids

        # The buyer's own, and those of buyers the supplier trades with (where it delivers).
        return or_(cls.buyer_id == org_id, cls.buyer_id.in_(partner_ids(org_id)))
