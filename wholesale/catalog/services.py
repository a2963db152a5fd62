"""The catalog: creating and editing products, finding them, and what each viewer sees.

A supplier sees its own products (archived ones on request) at catalog prices; a buyer sees
the active products of the suppliers it trades with, at its own prices (`pricing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import url_for
from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from wholesale.accounts.models import Organization
from wholesale.catalog import pricing, search
from wholesale.catalog.fields import BadValue, parse_money
from wholesale.catalog.models import PriceBreak, Product, ProductImage
from wholesale.db import utcnow
from wholesale.errors import Forbidden, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.inventory.stock import availability, availability_status
from wholesale.trading.models import TradingRelationship, partner_ids

# For carrier parcels: a unit's weight, a case's outside size (JSON numbers, kept exact).
MEASURES = ("weight_kg", "case_length_cm", "case_width_cm", "case_height_cm")
SIMPLE_FIELDS = ("sku", "name", "description", "category", "unit", "price", "currency",
                 "case_size", "min_order_qty", "order_multiple", "allow_backorder",
                 "reorder_point", "overstock_level", *MEASURES)


def _require_supplier(org: Organization) -> None:
    if not org.is_supplier:
        raise Forbidden("Only suppliers manage a catalog.")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(data)
    for key in ("sku", "name", "description", "category", "unit"):
        if isinstance(cleaned.get(key), str):
            cleaned[key] = cleaned[key].strip()
    for key in ("sku", "name", "unit"):
        if key in cleaned and not cleaned[key]:
            raise ValidationFailed.one(key, "Must not be blank.")
    for key in MEASURES:
        if cleaned.get(key) is not None:
            cleaned[key] = Decimal(str(cleaned[key]))
    return cleaned


def sku_taken(supplier_id: int, sku: str, except_id: int | None = None) -> bool:
    stmt = select(Product.id).where(Product.supplier_id == supplier_id,
                                    func.lower(Product.sku) == sku.lower())
    if except_id is not None:
        stmt = stmt.where(Product.id != except_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _flush_or_sku_error() -> None:
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same SKU
        if "sku" not in str(exc.orig).lower():
            raise
        raise ValidationFailed.one("sku", "Another product already uses this SKU.") from None


def _set_breaks(product: Product, breaks: list[dict[str, Any]]) -> None:
    if product.id is not None:
        db.session.execute(delete(PriceBreak).where(PriceBreak.product_id == product.id))
        db.session.expire(product, ["price_breaks"])
    if breaks:
        db.session.execute(insert(PriceBreak), [
            {"product_id": product.id, "min_qty": b["min_qty"], "price": b["price"]}
            for b in breaks
        ])


def create_product(supplier: Organization, data: dict[str, Any]) -> Product:
    _require_supplier(supplier)
    data = _clean(data)
    if sku_taken(supplier.id, data["sku"]):
        raise ValidationFailed.one("sku", "Another product already uses this SKU.")
    product = Product(supplier_id=supplier.id, description="", category="", case_size=1,
                      min_order_qty=1, order_multiple=1, allow_backorder=False,
                      reorder_point=0)
    for key in SIMPLE_FIELDS:
        if key in data:
            setattr(product, key, data[key])
    if data.get("active") is False:
        product.archived_at = utcnow()
    db.session.add(product)
    _flush_or_sku_error()
    _set_breaks(product, data.get("price_breaks") or [])
    return product


def update_product(supplier: Organization, product_id: int, data: dict[str, Any]) -> Product:
    _require_supplier(supplier)
    product = own_product(supplier, product_id)
    data = _clean(data)
    if "sku" in data and data["sku"] != product.sku and sku_taken(supplier.id, data["sku"],
                                                                    product.id):
        raise ValidationFailed.one("sku", "Another product already uses this SKU.")
    for key in SIMPLE_FIELDS:
        if key in data:
            setattr(product, key, data[key])
    if "active" in data:
        if data["active"] and product.archived_at is not None:
            product.archived_at = None
        elif not data["active"] and product.archived_at is None:
            product.archived_at = utcnow()
    if "price_breaks" in data:
        _set_breaks(product, data["price_breaks"] or [])
    product.updated_at = utcnow()
    _flush_or_sku_error()
    return product


def own_product(supplier: Organization, product_id: int) -> Product:
    product = db.session.scalars(
        select(Product).where(Product.id == product_id, Product.supplier_id == supplier.id)
    ).first()
    if product is None:
        raise NotFound("Product not found.")
    return product


def can_see(org: Organization, product: Product) -> bool:
    if product.supplier_id == org.id:
        return True
    rel = db.session.scalar(
        select(TradingRelationship.id).where(TradingRelationship.supplier_id ==
                                             product.supplier_id,
                                             TradingRelationship.buyer_id == org.id)
        .execution_options(all_tenants=True)
    )
    return rel is not None


def visible_product(org: Organization, product_id: int) -> Product:
    """A product `org` may see (its own, or a connected supplier's), else 404."""
    product = db.session.scalars(select(Product).where(Product.id == product_id)).first()
    if product is None or not can_see(org, product):
        raise NotFound("Product not found.")
    return product


def products_query(org: Organization, *, supplier_id: int | None = None, q: str | None = None,
                   category: str | None = None, include_archived: bool = False
                   ) -> Select[tuple[Product]]:
    """The products `org` may list, filtered (not yet ordered or limited)."""
    stmt = select(Product)
    if org.is_supplier:
        stmt = stmt.where(Product.supplier_id == org.id)
        if not include_archived:
            stmt = stmt.where(Product.archived_at.is_(None))
    else:
        stmt = stmt.where(Product.supplier_id.in_(partner_ids(org.id)),
                          Product.archived_at.is_(None))
    if supplier_id is not None:
        stmt = stmt.where(Product.supplier_id == supplier_id)
    if category:
        stmt = stmt.where(Product.category == category.strip())
    if q:
        condition = search.matches(q)
        if condition is not None:
            stmt = stmt.where(condition)
    return stmt


def categories(org: Organization, supplier_id: int | None = None) -> list[str]:
    stmt = products_query(org, supplier_id=supplier_id).with_only_columns(
        Product.category).where(Product.category != "").distinct().order_by(Product.category)
    return list(db.session.scalars(stmt))


# -- what a viewer sees ---------------------------------------------------------------------


@dataclass
class ProductView:
    """A product as one organization sees it (the API's and the pages' product)."""

    product: Product
    price: Decimal
    list_price: Decimal
    price_breaks: list[dict[str, Any]]
    availability: dict[str, Any]
    images: list[dict[str, Any]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:  # the product's own fields
        return getattr(self.product, name)


def present(org: Organization, products: Sequence[Product]) -> list[ProductView]:
    """Views of `products` for `org`, with prices, breaks, availability and images, in a
    fixed number of queries."""
    if not products:
        return []
    ids = [p.id for p in products]
    buyer_id = None if org.is_supplier else org.id
    prices = pricing.unit_prices(buyer_id, products, 1)
    raw_breaks = pricing.breaks_for(ids)
    available = availability(ids)
    images = _images_of(ids)
    terms = pricing.terms_for_products(buyer_id, products)
    views = []
    for p in products:
        breaks = raw_breaks.get(p.id, [])
        if buyer_id is None:
            shown = [{"min_qty": q, "price": price} for q, price in breaks]
        else:  # the buyer's own price at each break, where it beats the price before it
            shown, last = [], prices[p.id]
            for min_qty, _ in breaks:
                at = pricing.decide_price(p.price, breaks, terms.get(p.id, pricing.NO_TERMS),
                                          min_qty)
                if at < last:
                    shown.append({"min_qty": min_qty, "price": at})
                    last = at
        status = availability_status(p, available[p.id])
        views.append(ProductView(
            product=p, price=prices[p.id], list_price=p.price, price_breaks=shown,
            availability={"status": status.value,
                          "available": available[p.id] if buyer_id is None else None},
            images=images.get(p.id, []),
        ))
    return views


def present_one(org: Organization, product: Product) -> ProductView:
    return present(org, [product])[0]


def image_url(image_id: int) -> str:
    return url_for("catalog.image", image_id=image_id)


def _images_of(product_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    result: dict[int, list[dict[str, Any]]] = {}
    rows = db.session.execute(
        select(ProductImage.id, ProductImage.product_id, ProductImage.content_type,
               ProductImage.position)
        .where(ProductImage.product_id.in_(list(product_ids)))
        .order_by(ProductImage.product_id, ProductImage.position, ProductImage.id)
    )
    for image_id, product_id, content_type, position in rows:
        result.setdefault(product_id, []).append(
            {"id": image_id, "url": image_url(image_id), "content_type": content_type,
             "position": position})
    return result


# -- bulk price edits -------------------------------------------------------------------------


def bulk_set_prices(supplier: Organization, product_ids: Sequence[int], *,
                    price: Any = None, percent: Any = None) -> int:
    """Set the price of the selected products, or change it by a percentage (volume breaks
    move by the same percentage). Returns how many products changed."""
    _require_supplier(supplier)
    if (price is None) == (percent is None):
        raise ValidationFailed.one("price", "Give either a new price or a percentage change.")
    ids = sorted({int(i) for i in product_ids})
    if not ids:
        raise ValidationFailed.one("product_ids", "Select at least one product.")
    products = list(db.session.scalars(
        select(Product).where(Product.supplier_id == supplier.id, Product.id.in_(ids))))
    if len(products) != len(ids):
        raise ValidationFailed.one("product_ids", "Some selected products are not yours.")
    if price is not None:
        try:
            new_price = parse_money(price)
        except BadValue as exc:
            raise ValidationFailed.one("price", str(exc)) from None
        for product in products:
            product.price = new_price
            product.updated_at = utcnow()
    else:
        factor = _factor(percent)
        for product in products:
            product.price = _scaled(product.price, factor, "percent")
            product.updated_at = utcnow()
        for brk in db.session.scalars(select(PriceBreak).where(PriceBreak.product_id.in_(ids))):
            brk.price = _scaled(brk.price, factor, "percent")
    db.session.flush()
    return len(products)


def _factor(percent: Any) -> Decimal:
    try:
        pct = parse_money(percent, allow_negative=True)
    except BadValue as exc:
        raise ValidationFailed.one("percent", str(exc)) from None
    if not Decimal(-100) < pct <= Decimal(1000):
        raise ValidationFailed.one("percent", "Must be more than -100 and at most 1000.")
    return (Decimal(100) + pct) / Decimal(100)


def _scaled(amount: Decimal, factor: Decimal, field_name: str) -> Decimal:
    result = pricing.to_cents(amount * factor)
    if result > Decimal("9999999999.99"):
        raise ValidationFailed.one(field_name, "This would make a price too large.")
    return result


def archive(supplier: Organization, product_id: int, active: bool) -> Product:
    return update_product(supplier, product_id, {"active": active})


def list_page(org: Organization, *, q: str | None = None, category: str | None = None,
              supplier_id: int | None = None, include_archived: bool = False, page: int = 1,
              per_page: int = 48) -> tuple[list[ProductView], bool]:
    """One page of the catalog for the pages, by name; and whether there is a next page."""
    stmt = products_query(org, supplier_id=supplier_id, q=q, category=category,
                          include_archived=include_archived)
    stmt = stmt.order_by(Product.name, Product.id).offset((max(page, 1) - 1) * per_page)
    products = list(db.session.scalars(stmt.limit(per_page + 1)))
    return present(org, products[:per_page]), len(products) > per_page


def bulk_archive(supplier: Organization, product_ids: Sequence[int], active: bool) -> int:
    """Archive (or restore) the selected products; returns how many."""
    _require_supplier(supplier)
    ids = sorted({int(i) for i in product_ids})
    if not ids:
        raise ValidationFailed.one("product_ids", "Select at least one product.")
    products = list(db.session.scalars(
        select(Product).where(Product.supplier_id == supplier.id, Product.id.in_(ids))))
    if len(products) != len(ids):
        raise ValidationFailed.one("product_ids", "Some selected products are not yours.")
    now = utcnow()
    for product in products:
        product.archived_at = None if active else (product.archived_at or now)
        product.updated_at = now
    db.session.flush()
    return len(products)
