"""The demo catalog seed: ~60 products with pictures, stock, a price list, rules; idempotent."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from wholesale.catalog.models import PriceList, Product, ProductImage
from wholesale.catalog.pricing import unit_price
from wholesale.demo import seed_demo
from wholesale.demo_catalog import CATALOG, seed_catalog, tile
from wholesale.extensions import db
from wholesale.inventory.models import StockLevel, StockMovement
from wholesale.inventory.stock import availability
from wholesale.orders.rules import rules_for

SKUS = [item.sku for _, items in CATALOG.values() for item in items]


def _counts(supplier_id):
    # Other demo seeds may add products of their own: count the catalog's.
    ours = (Product.supplier_id == supplier_id) & Product.sku.in_(SKUS)
    return (
        db.session.scalar(select(func.count(Product.id)).where(ours)),
        db.session.scalar(select(func.count(ProductImage.id)).join(Product).where(ours)),
        db.session.scalar(select(func.count(StockMovement.id))
                          .where(StockMovement.supplier_id == supplier_id)),
        db.session.scalar(select(func.count(PriceList.id))),
    )


def test_seed_catalog_is_complete_and_idempotent(db_session):
    supplier, buyer = seed_demo(history=False)
    seed_catalog(supplier, buyer)
    first = _counts(supplier.id)
    products, pictures, movements, _ = first
    assert products == len(SKUS) and 55 <= products <= 70
    assert pictures == products and movements > products
    seed_catalog(supplier, buyer)
    assert _counts(supplier.id) == first

    items = {p.sku: p for p in db.session.scalars(
        select(Product).where(Product.supplier_id == supplier.id, Product.sku.in_(SKUS)))}
    assert len({p.category for p in items.values()}) >= 5
    available = availability([p.id for p in items.values()])
    assert any(v == 0 for v in available.values())  # some out
    assert any(0 < available[p.id] <= p.reorder_point for p in items.values())  # some low
    warehouses = db.session.scalar(select(func.count(func.distinct(StockLevel.warehouse_id)))
                                   .where(StockLevel.supplier_id == supplier.id))
    assert warehouses == 2
    assert unit_price(buyer.id, items["DRY-MLK-WH"], 1) == Decimal("20.90")  # fixed
    assert unit_price(buyer.id, items["DRY-MOZ-FD"], 1) == Decimal("60.80")  # 5 % off 64.00
    assert unit_price(None, items["DRY-MOZ-FD"], 1) == Decimal("64.00")
    rules = rules_for(supplier.id)
    assert rules.delivery_days == "1,2,3,4,5" and rules.cutoff_time.hour == 14


def test_tiles_are_plain_svg_without_scripts():
    svg = tile("Fish & <chips>", "Meat & seafood", ("#fff", "#000"))
    assert svg.startswith("<svg") and "<script" not in svg
    assert ">F</text>" in svg  # initials of the words that start with a letter
    assert "Meat &amp; seafood" in svg and "<chips>" not in svg
