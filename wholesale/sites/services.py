"""Creating and listing warehouses (suppliers) and delivery locations (buyers)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from wholesale.accounts.models import Organization
from wholesale.extensions import db
from wholesale.sites.models import DeliveryLocation, Warehouse


def add_warehouse(
    supplier: Organization, *, name: str, address: str, latitude: Decimal, longitude: Decimal
) -> Warehouse:
    warehouse = Warehouse(
        supplier=supplier,
        name=name.strip(),
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
    )
    db.session.add(warehouse)
    db.session.flush()
    return warehouse


def add_location(
    buyer: Organization,
    *,
    name: str,
    address: str,
    latitude: Decimal,
    longitude: Decimal,
    contact_phone: str | None = None,
    contact_email: str | None = None,
) -> DeliveryLocation:
    location = DeliveryLocation(
        buyer=buyer,
        name=name.strip(),
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
        contact_phone=(contact_phone or "").strip() or None,
        contact_email=(contact_email or "").strip().lower() or None,
    )
    db.session.add(location)
    db.session.flush()
    return location


def warehouses_of(supplier: Organization) -> list[Warehouse]:
    stmt = select(Warehouse).where(Warehouse.supplier_id == supplier.id).order_by(Warehouse.name)
    return list(db.session.scalars(stmt))


def locations_of(buyer: Organization) -> list[DeliveryLocation]:
    stmt = (
        select(DeliveryLocation)
        .where(DeliveryLocation.buyer_id == buyer.id)
        .order_by(DeliveryLocation.name)
    )
    return list(db.session.scalars(stmt))
