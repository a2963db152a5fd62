"""Vendors and their items: who the supplier buys each product from, in what pack, at what
cost; one vendor per product may be the preferred one (the one reorder suggestions use)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from wholesale.accounts.models import Organization, User
from wholesale.errors import Forbidden, ValidationFailed
from wholesale.extensions import db
from wholesale.inventory.stock import own_product
from wholesale.purchasing.linked import linkable_supplier
from wholesale.purchasing.models import Vendor, VendorItem


def buying_supplier(user: User) -> Organization:
    org = user.organization
    if not org.is_supplier:
        raise Forbidden("Only suppliers buy from vendors.")
    return org


def own_vendor(supplier_id: int, vendor_id: object, field: str = "vendor_id") -> Vendor:
    vendor = None
    if isinstance(vendor_id, int) and not isinstance(vendor_id, bool):
        vendor = db.session.scalars(
            select(Vendor).where(Vendor.id == vendor_id, Vendor.supplier_id == supplier_id)
            .execution_options(all_tenants=True)).first()
    if vendor is None:
        raise ValidationFailed.one(field, "No such vendor of yours.")
    return vendor


def create_vendor(user: User, data: dict[str, Any]) -> Vendor:
    """A vendor with its items (`data` as loaded by `VendorCreate`)."""
    org = buying_supplier(user)
    currency = data.get("currency") or "USD"
    vendor = Vendor(supplier_id=org.id, currency=currency)
    _set_details(vendor, data)
    db.session.add(vendor)
    db.session.flush()
    seen: set[int] = set()
    for index, item in enumerate(data.get("items") or []):
        field = f"items.{index}"
        product = own_product(org.id, item["product_id"])
        if product.id in seen:
            raise ValidationFailed.one(f"{field}.product_id", "This product is listed twice.")
        seen.add(product.id)
        item_currency = item.get("currency") or currency
        if item_currency != currency:
            raise ValidationFailed.one(f"{field}.currency",
                                       f"Must be the vendor's currency ({currency}).")
        add_item(vendor, product.id, vendor_code=item.get("vendor_code") or "",
                 pack_size=item["pack_size"], min_quantity=item.get("min_quantity") or 1,
                 cost=item["cost"], preferred=bool(item.get("preferred")))
    db.session.flush()
    return vendor


def _set_details(vendor: Vendor, data: dict[str, Any]) -> None:
    """Name (unique per supplier), contact, email, phone, lead days, minimum order."""
    name = data["name"].strip()
    if not name:
        raise ValidationFailed.one("name", "Give the vendor a name.")
    taken = db.session.scalars(select(Vendor.id).where(
        Vendor.supplier_id == vendor.supplier_id, Vendor.name == name,
        Vendor.id != (vendor.id or 0)).execution_options(all_tenants=True)).first()
    if taken is not None:
        raise ValidationFailed.one("name", "You already have a vendor by that name.")
    vendor.name = name
    vendor.contact_name = (data.get("contact_name") or "").strip()
    vendor.email = (data.get("email") or "").strip().lower() or None
    vendor.phone = (data.get("phone") or "").strip() or None
    vendor.lead_days = data.get("lead_days") or 0
    vendor.minimum_order = data.get("minimum_order")
    if "linked_supplier_id" in data:
        linked = data["linked_supplier_id"]
        vendor.linked_supplier_id = None if linked is None else \
            linkable_supplier(vendor.supplier_id, linked)


def update_vendor(user: User, vendor_id: int, data: dict[str, Any]) -> Vendor:
    """The vendor's details (`data` as `VendorForm` loads it; its currency stays)."""
    org = buying_supplier(user)
    vendor = own_vendor(org.id, vendor_id, "id")
    _set_details(vendor, data)
    db.session.flush()
    return vendor


def save_item(user: User, vendor_id: int, data: dict[str, Any]) -> VendorItem:
    """Add the product to what the vendor supplies, or change its code, pack, minimum, cost
    and whether it is the product's preferred vendor."""
    org = buying_supplier(user)
    vendor = own_vendor(org.id, vendor_id, "id")
    product = own_product(org.id, data["product_id"])
    item = item_of(vendor, product.id)
    if item is None:
        item = add_item(vendor, product.id, vendor_code=data.get("vendor_code") or "",
                        pack_size=data["pack_size"], min_quantity=data.get("min_quantity") or 1,
                        cost=data["cost"], preferred=bool(data.get("preferred")))
    else:
        if data.get("preferred"):
            _clear_preferred(vendor.supplier_id, product.id)
        item.vendor_code = (data.get("vendor_code") or "").strip()
        item.pack_size, item.cost = data["pack_size"], data["cost"]
        item.min_quantity = data.get("min_quantity") or 1
        item.preferred = bool(data.get("preferred"))
    db.session.flush()
    return item


def remove_item(user: User, vendor_id: int, item_id: int) -> None:
    """The vendor no longer supplies the product (POs already made keep their lines)."""
    org = buying_supplier(user)
    vendor = own_vendor(org.id, vendor_id, "id")
    item = next((i for i in vendor.items if i.id == item_id), None)
    if item is None:
        raise ValidationFailed.one("item_id", "No such item of this vendor.")
    vendor.items.remove(item)
    db.session.flush()


def _clear_preferred(supplier_id: int, product_id: int) -> None:
    db.session.execute(update(VendorItem).where(
        VendorItem.supplier_id == supplier_id, VendorItem.product_id == product_id)
        .values(preferred=False))


def add_item(vendor: Vendor, product_id: int, *, vendor_code: str, pack_size: int,
             min_quantity: int, cost: Decimal, preferred: bool) -> VendorItem:
    if preferred:  # one preferred vendor per product
        _clear_preferred(vendor.supplier_id, product_id)
    item = VendorItem(supplier_id=vendor.supplier_id, product_id=product_id,
                      vendor_code=vendor_code.strip(), pack_size=pack_size,
                      min_quantity=min_quantity, cost=cost, currency=vendor.currency,
                      preferred=preferred)
    vendor.items.append(item)
    return item


def item_of(vendor: Vendor, product_id: int) -> VendorItem | None:
    return next((i for i in vendor.items if i.product_id == product_id), None)
