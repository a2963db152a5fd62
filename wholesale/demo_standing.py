"""The demo buyer's standing order: tomatoes, onions and milk every Tuesday and Friday, so the
buyer's and the supplier's standing-order pages show upcoming occurrences on a fresh demo."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from wholesale.accounts.models import Organization, Role, User
from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.sites.models import DeliveryLocation
from wholesale.standing import services as standing
from wholesale.standing.models import StandingOrder
from wholesale.tenancy import as_tenant

LINES = (("PRD-TOM-RM", 4), ("PRD-ONI-YL", 2), ("DRY-MLK-WH", 3))
WEEKDAYS = [2, 5]  # Tuesday and Friday (ISO weekdays)


def seed_standing(supplier: Organization, buyer: Organization) -> None:
    """Once: the buyer's owner sets up the standing order with the supplier."""
    if db.session.scalar(select(StandingOrder.id).where(
            StandingOrder.supplier_id == supplier.id, StandingOrder.buyer_id == buyer.id)
            .execution_options(all_tenants=True)):
        return
    owner = db.session.scalars(select(User).where(User.organization_id == buyer.id,
                                                  User.role == Role.OWNER)
                               .order_by(User.id).execution_options(all_tenants=True)).first()
    location = db.session.scalars(select(DeliveryLocation).where(
        DeliveryLocation.buyer_id == buyer.id).order_by(DeliveryLocation.id)
        .execution_options(all_tenants=True)).first()
    skus = dict(db.session.execute(select(Product.sku, Product.id).where(
        Product.supplier_id == supplier.id, Product.sku.in_([sku for sku, _ in LINES]))
        .execution_options(all_tenants=True)).all())
    if owner is None or location is None or len(skus) != len(LINES):
        return
    with as_tenant(buyer.id):
        standing.create(owner, {
            "supplier_id": supplier.id, "delivery_location_id": location.id,
            "lines": [{"product_id": skus[sku], "quantity": qty} for sku, qty in LINES],
            "weekdays": WEEKDAYS, "starts_on": (utcnow() + timedelta(days=2)).date()})
