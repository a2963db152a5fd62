"""The demo catalog: ~60 products in six categories with drawn SVG pictures, volume prices,
a price list for the demo buyer, stock in every warehouse of the supplier (some low, some
out, some overstocked) and ordering rules (Mon–Fri, 14:00 cut-off).

`seed_catalog(supplier, buyer)` is idempotent: it adds only what is missing and never
changes what is there (a product the supplier edited stays as edited).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from html import escape

from sqlalchemy import func, select

from wholesale.accounts.models import Organization, Role
from wholesale.catalog import images, services
from wholesale.catalog.models import PriceList, Product, ProductImage
from wholesale.catalog.price_lists import replace as replace_price_list
from wholesale.extensions import db
from wholesale.inventory import stock
from wholesale.inventory.models import StockLevel
from wholesale.orders.models import OrderingRules
from wholesale.orders.rules import new_rules
from wholesale.sites.models import Warehouse
from wholesale.trading.models import TradingRelationship


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    unit: str
    price: str
    case_size: int = 1
    breaks: tuple[tuple[int, str], ...] = ()
    moq: int = 1
    multiple: int = 1
    backorder: bool = False
    stock: tuple[int, int] = (60, 40)  # per warehouse (first, second)
    reorder: int = 10
    overstock: int | None = None


# Category → (tile colours, products).
Catalog = dict[str, tuple[tuple[str, str], list[Item]]]
CATALOG: Catalog = {
    "Produce": (("#e8f5e9", "#2e7d32"), [
        Item("PRD-TOM-RM", "Roma tomatoes", "case", "24.50", 25, ((5, "23.25"), (20, "22.00"))),
        Item("PRD-TOM-CH", "Cherry tomatoes", "case", "18.90", 12, ((10, "17.50"),)),
        Item("PRD-LET-RO", "Romaine hearts", "case", "21.00", 24, stock=(4, 2), reorder=12),
        Item("PRD-ONI-YL", "Yellow onions, 50 lb", "bag", "28.75", 1, ((10, "26.50"),),
             overstock=80, stock=(140, 30)),
        Item("PRD-POT-RS", "Russet potatoes, 50 lb", "bag", "31.20", 1, ((10, "29.00"),)),
        Item("PRD-LEM", "Lemons 115 ct", "case", "39.00", 115, stock=(0, 0), backorder=True),
        Item("PRD-AVO-HS", "Hass avocados 48 ct", "case", "52.40", 48, ((5, "49.90"),),
             stock=(6, 0), reorder=8),
        Item("PRD-GAR", "Peeled garlic, 5 lb", "jar", "17.60", 1),
        Item("PRD-BAS", "Basil, 1 lb", "bunch", "12.80", 1, stock=(0, 0)),
        Item("PRD-CAR", "Carrots, jumbo 50 lb", "bag", "29.90", 1),
        Item("PRD-MUS-BT", "Button mushrooms, 10 lb", "case", "26.40", 1, stock=(12, 9)),
        Item("PRD-BEL-RD", "Red bell peppers", "case", "44.00", 25),
    ]),
    "Dairy": (("#e3f2fd", "#1565c0"), [
        Item("DRY-MLK-WH", "Whole milk, 1 gal", "case", "22.40", 4, ((10, "21.20"), (40, "20.10")),
             moq=2),
        Item("DRY-MLK-SK", "Skim milk, 1 gal", "case", "21.10", 4, moq=2),
        Item("DRY-CRM-HV", "Heavy cream 36%, 1 qt", "case", "41.60", 12, ((6, "39.80"),)),
        Item("DRY-BUT-UN", "Unsalted butter, 1 lb", "case", "88.00", 36, stock=(3, 2), reorder=10),
        Item("DRY-EGG-LG", "Large eggs 15 dozen", "case", "46.50", 180, moq=2, multiple=2),
        Item("DRY-PAR-24", "Parmigiano Reggiano 24 mo", "kg", "32.90", 1, ((10, "30.50"),),
             overstock=60, stock=(90, 25)),
        Item("DRY-MOZ-FD", "Fresh mozzarella, 1 lb", "case", "64.00", 12),
        Item("DRY-CHE-CH", "Aged cheddar, 5 lb", "block", "29.40", 1),
        Item("DRY-YOG-GR", "Greek yogurt, 5 lb", "tub", "19.75", 1, stock=(0, 0)),
        Item("DRY-RIC", "Ricotta, 3 lb", "tub", "11.90", 1),
    ]),
    "Dry goods": (("#fff8e1", "#a15c07"), [
        Item("DGS-FLR-AP", "All-purpose flour, 50 lb", "bag", "24.90", 1, ((10, "23.40"),)),
        Item("DGS-FLR-00", "Tipo 00 flour, 25 kg", "bag", "38.50", 1, ((5, "36.90"),)),
        Item("DGS-SUG-GR", "Granulated sugar, 50 lb", "bag", "34.10", 1),
        Item("DGS-RIC-AR", "Arborio rice, 10 kg", "bag", "42.00", 1, stock=(5, 4), reorder=12),
        Item("DGS-PAS-SP", "Spaghetti, 20 lb", "case", "27.60", 1, ((10, "25.90"),)),
        Item("DGS-PAS-RI", "Rigatoni, 20 lb", "case", "27.60", 1),
        Item("DGS-OIL-EV", "Extra virgin olive oil, 3 L", "tin", "36.80", 1,
             ((6, "34.90"), (24, "32.50")), moq=2),
        Item("DGS-TOM-SM", "San Marzano tomatoes #10", "case", "58.00", 6),
        Item("DGS-SAL-KS", "Kosher salt, 3 lb", "case", "31.50", 12, overstock=40,
             stock=(75, 20)),
        Item("DGS-PEP-BL", "Black peppercorns, 5 lb", "bag", "46.20", 1),
        Item("DGS-VIN-BA", "Balsamic vinegar, 5 L", "jug", "29.90", 1, stock=(0, 0),
             backorder=True),
        Item("DGS-CHK-DR", "Dried chickpeas, 25 lb", "bag", "33.40", 1),
    ]),
    "Beverages": (("#fce4ec", "#ad1457"), [
        Item("BEV-WAT-SP", "Sparkling water 24×330 ml", "case", "19.20", 24,
             ((10, "18.10"), (50, "17.20"))),
        Item("BEV-WAT-ST", "Still water 24×500 ml", "case", "12.60", 24, ((20, "11.80"),)),
        Item("BEV-COF-ES", "Espresso beans, 5 lb", "bag", "64.00", 1, ((4, "61.00"),)),
        Item("BEV-COF-DC", "Decaf beans, 5 lb", "bag", "66.50", 1, stock=(2, 0), reorder=4),
        Item("BEV-TEA-EB", "English breakfast tea 100 ct", "box", "14.80", 1),
        Item("BEV-OJ-FR", "Fresh orange juice, 1 gal", "case", "38.40", 4, stock=(0, 0)),
        Item("BEV-LEM-SP", "Sparkling lemonade 24×355 ml", "case", "26.90", 24),
        Item("BEV-COL-12", "Cola 24×355 ml", "case", "21.30", 24, ((20, "20.10"),),
             overstock=100, stock=(160, 40)),
        Item("BEV-KOM-GI", "Ginger kombucha 12×473 ml", "case", "34.20", 12),
        Item("BEV-OAT", "Oat milk barista 12×1 L", "case", "31.80", 12, ((5, "30.20"),)),
    ]),
    "Cleaning": (("#ede7f6", "#4527a0"), [
        Item("CLN-DSH-LQ", "Dish soap, 1 gal", "case", "42.00", 4),
        Item("CLN-SAN-QT", "Quat sanitizer, 1 gal", "case", "56.90", 4, ((5, "53.90"),)),
        Item("CLN-DEG-HD", "Heavy-duty degreaser, 1 gal", "case", "48.30", 4, stock=(1, 0),
             reorder=5),
        Item("CLN-GLV-NM", "Nitrile gloves M, 100 ct", "case", "72.00", 10, ((5, "68.00"),),
             moq=1, multiple=1),
        Item("CLN-GLV-NL", "Nitrile gloves L, 100 ct", "case", "72.00", 10),
        Item("CLN-TWL-PR", "Paper towels, 12 rolls", "case", "34.50", 12),
        Item("CLN-BAG-55", "Trash bags 55 gal, 100 ct", "case", "39.90", 1, overstock=30,
             stock=(70, 10)),
        Item("CLN-SPN", "Scrub sponges, 24 ct", "case", "16.40", 24),
    ]),
    "Meat & seafood": (("#fbe9e7", "#bf360c"), [
        Item("MEA-CHK-BR", "Chicken breast, boneless 40 lb", "case", "118.00", 1,
             ((5, "112.00"),), stock=(14, 6)),
        Item("MEA-BEF-GR", "Ground beef 80/20, 10 lb", "case", "54.60", 1, ((10, "51.80"),)),
        Item("MEA-PRK-BL", "Pork belly, skin-on", "kg", "11.40", 1, moq=5),
        Item("MEA-BAC", "Thick-cut bacon, 15 lb", "case", "71.20", 1, stock=(0, 0),
             backorder=True),
        Item("SEA-SAL-AT", "Atlantic salmon fillet", "kg", "24.80", 1, moq=3, stock=(8, 0),
             reorder=10),
        Item("SEA-SHR-16", "Shrimp 16/20, 2 lb", "bag", "23.90", 1, ((10, "22.40"),)),
        Item("SEA-MUS", "Mussels, 10 lb", "bag", "36.00", 1),
        Item("MEA-PRO-PA", "Prosciutto di Parma, sliced", "kg", "42.60", 1),
    ]),
}

PRICE_LIST_FIXED = {"DRY-MLK-WH": "20.90", "PRD-TOM-RM": "23.00", "BEV-COF-ES": "59.00"}
PRICE_LIST_PERCENT = {"DGS-OIL-EV": "10", "MEA-CHK-BR": "8"}
LIST_DISCOUNT = "5"


def seed_catalog(supplier: Organization, buyer: Organization) -> None:
    """Add whatever part of the demo catalog is missing (never changes existing data)."""
    products = stock_catalog(supplier, CATALOG)
    _price_list(supplier, buyer, products)
    _rules(supplier)
    db.session.flush()


def stock_catalog(supplier: Organization, catalog: Catalog) -> dict[str, Product]:
    """The catalog's missing products, their pictures and opening stock; SKU → product."""
    products = _products(supplier, catalog)
    _pictures(products, catalog)
    _stock(supplier, products, catalog)
    return products


def _products(supplier: Organization, catalog: Catalog) -> dict[str, Product]:
    existing = {p.sku: p for p in db.session.scalars(
        select(Product).where(Product.supplier_id == supplier.id)
        .execution_options(all_tenants=True))}
    for category, (_, items) in catalog.items():
        for item in items:
            if item.sku in existing:
                continue
            existing[item.sku] = services.create_product(supplier, {
                "sku": item.sku, "name": item.name, "unit": item.unit,
                "price": Decimal(item.price), "currency": "USD", "category": category,
                "description": f"{item.name}. Sold by the {item.unit}"
                               + (f" of {item.case_size}." if item.case_size > 1 else "."),
                "case_size": item.case_size, "min_order_qty": item.moq,
                "order_multiple": item.multiple, "allow_backorder": item.backorder,
                "reorder_point": item.reorder, "overstock_level": item.overstock,
                "price_breaks": [{"min_qty": q, "price": Decimal(p)} for q, p in item.breaks],
            })
    return existing


def _pictures(products: dict[str, Product], catalog: Catalog) -> None:
    with_pictures = set(db.session.scalars(
        select(ProductImage.product_id).where(
            ProductImage.product_id.in_([p.id for p in products.values()]))))
    for category, (colours, items) in catalog.items():
        for item in items:
            product = products[item.sku]
            if product.id not in with_pictures:
                images.add_generated_svg(product, tile(item.name, category, colours))


def tile(name: str, category: str, colours: tuple[str, str]) -> str:
    """A 400×300 SVG picture: the category's colours, a few shapes, the product's initials."""
    background, ink = colours
    seed = hashlib.sha256(name.encode()).digest()
    shapes = []
    for i in range(5):
        x, y, r = 40 + seed[i] * 320 // 255, 30 + seed[i + 5] * 240 // 255, 18 + seed[i + 10] % 46
        shapes.append(f'<circle cx="{x}" cy="{y}" r="{r}" fill="{ink}" '
                      f'fill-opacity="{0.06 + (seed[i + 15] % 10) / 100:.2f}"/>')
    words = [w for w in name.replace(",", " ").split() if w[:1].isalpha()]
    initials = "".join(w[0] for w in words[:2]).upper() or "?"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" '
        'viewBox="0 0 400 300">'
        f'<rect width="400" height="300" fill="{background}"/>{"".join(shapes)}'
        f'<circle cx="200" cy="138" r="64" fill="#ffffff" fill-opacity="0.85"/>'
        f'<text x="200" y="160" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="58" font-weight="700" fill="{ink}">{escape(initials)}</text>'
        f'<text x="200" y="262" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="20" fill="{ink}" fill-opacity="0.8">{escape(category)}</text>'
        '</svg>'
    )


def _stock(supplier: Organization, products: dict[str, Product], catalog: Catalog) -> None:
    warehouses = list(db.session.scalars(
        select(Warehouse).where(Warehouse.supplier_id == supplier.id).order_by(Warehouse.id)
        .execution_options(all_tenants=True)))
    if not warehouses:
        return
    stocked = set(db.session.scalars(
        select(StockLevel.product_id).where(StockLevel.supplier_id == supplier.id)
        .group_by(StockLevel.product_id).having(func.count(StockLevel.id) > 0)
        .execution_options(all_tenants=True)))
    owner = next((u for u in supplier.users if u.role is Role.OWNER), supplier.users[0])
    for _, items in catalog.values():
        for item in items:
            product = products[item.sku]
            if product.id in stocked:
                continue
            for warehouse, quantity in zip(warehouses, item.stock, strict=False):
                if quantity > 0:
                    stock.receive(owner, warehouse.id, product.id, quantity,
                                  "Opening stock (demo)")


def _price_list(supplier: Organization, buyer: Organization,
                products: dict[str, Product]) -> None:
    rel = db.session.scalars(
        select(TradingRelationship).where(TradingRelationship.supplier_id == supplier.id,
                                          TradingRelationship.buyer_id == buyer.id)
        .execution_options(all_tenants=True)).first()
    if rel is None:
        return
    has_list = db.session.scalar(select(PriceList.id).where(PriceList.relationship_id == rel.id))
    if has_list is not None:
        return
    items = [{"product_id": products[sku].id, "fixed_price": Decimal(price),
              "discount_percent": None} for sku, price in PRICE_LIST_FIXED.items()]
    items += [{"product_id": products[sku].id, "fixed_price": None,
               "discount_percent": Decimal(pct)} for sku, pct in PRICE_LIST_PERCENT.items()]
    replace_price_list(supplier, rel.id, {"name": "Bistro terms",
                                          "discount_percent": Decimal(LIST_DISCOUNT),
                                          "items": items})


def _rules(supplier: Organization) -> None:
    if db.session.get(OrderingRules, supplier.id) is not None:
        return
    rules = new_rules(supplier.id)
    rules.delivery_days = "1,2,3,4,5"
    rules.cutoff_time = time(14, 0)
    rules.timezone = "America/Los_Angeles"
    rules.lead_days = 1
    rules.min_order_value = Decimal("75.00")
