"""Buying from a vendor that is itself an Ordertalk supplier: the purchase order becomes a
normal order placed with it through the one placement service (stock reserved, its staff
told, backorders as for any customer). The buying supplier must be its customer (a
trading relationship: the vendor connected it); the vendor items' codes are the vendor's
SKUs; the order goes to a delivery location of the buying supplier at the PO's
warehouse (made on first use)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from wholesale.accounts.models import User
from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.orders import rules
from wholesale.orders.models import Channel, Order
from wholesale.orders.placement import place_order
from wholesale.purchasing.models import PurchaseOrder
from wholesale.sites.models import DeliveryLocation
from wholesale.trading.models import TradingRelationship


def linkable_supplier(org_id: int, supplier_id: object) -> int:
    """The id of an Ordertalk supplier that has organization `org_id` as a customer, else
    422."""
    found = None
    if isinstance(supplier_id, int) and not isinstance(supplier_id, bool) and \
            supplier_id != org_id:
        found = db.session.scalar(select(TradingRelationship.supplier_id).where(
            TradingRelationship.supplier_id == supplier_id,
            TradingRelationship.buyer_id == org_id).execution_options(all_tenants=True))
    if found is None:
        raise ValidationFailed.one("linked_supplier_id",
                                   "Not an Ordertalk supplier you are a customer of.")
    return found


def place(user: User, po: PurchaseOrder) -> Order:
    """Place the PO with its linked vendor; raises as placement does (nothing placed)."""
    supplier_id = po.vendor.linked_supplier_id
    assert supplier_id is not None
    lines = []
    for index, line in enumerate(po.lines):
        product_id = db.session.scalar(select(Product.id).where(
            Product.supplier_id == supplier_id, Product.archived_at.is_(None),
            func.lower(Product.sku) == (line.vendor_code or "").strip().lower())
            .execution_options(all_tenants=True))
        if product_id is None:
            raise ValidationFailed.one(
                f"lines.{index}.vendor_code",
                f"{po.vendor.name} has no product with SKU {line.vendor_code or '(none)'}.")
        lines.append({"product_id": product_id, "quantity": line.quantity})
    return place_order(
        actor=user, buyer=po.supplier, supplier_id=supplier_id, lines=lines,
        requested_delivery_date=_delivery_date(supplier_id, po),
        delivery_location_id=_location(po).id, notes=f"Purchase order {po.display_number}",
        po_number=po.display_number, channel=Channel.PORTAL).order


def _delivery_date(supplier_id: int, po: PurchaseOrder) -> date:
    """The vendor's first delivery date on or after the PO's earliest expected date."""
    wanted = min((ln.expected_on for ln in po.lines if ln.expected_on), default=None)
    days = rules.valid_delivery_dates(rules.rules_for(supplier_id), utcnow())
    fallback = days[-1] if days else date.today()  # none: placement says why
    return next((d for d in days if wanted is None or d >= wanted), fallback)


def _location(po: PurchaseOrder) -> DeliveryLocation:
    warehouse = po.warehouse
    location = db.session.scalars(select(DeliveryLocation).where(
        DeliveryLocation.buyer_id == po.supplier_id, DeliveryLocation.name == warehouse.name,
        DeliveryLocation.address == warehouse.address)
        .execution_options(all_tenants=True)).first()
    if location is None:
        location = DeliveryLocation(buyer_id=po.supplier_id, name=warehouse.name,
                                    address=warehouse.address, latitude=warehouse.latitude,
                                    longitude=warehouse.longitude)
        db.session.add(location)
        db.session.flush()
    return location
