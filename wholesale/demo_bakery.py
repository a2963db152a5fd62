"""The demo's second supplier (idempotent): Mission Street Bakery, a bakery the demo buyer
also orders bread from — its owner's login, a warehouse, a small catalog with pictures and
stock, ordering rules (Monday to Saturday, 16:00 cut-off), billing settings, and trading
relationships with the demo buyer (with a price list) and a few of the kitchens."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from sqlalchemy import select

from wholesale.accounts.models import Organization, OrgKind, Role
from wholesale.accounts.services import find_user_by_email
from wholesale.catalog.models import PriceList, Product
from wholesale.catalog.price_lists import replace as replace_price_list
from wholesale.demo_catalog import Catalog, Item, stock_catalog
from wholesale.demo_people import demo_user
from wholesale.extensions import db
from wholesale.invoicing import settings
from wholesale.invoicing.models import InvoiceSettings
from wholesale.orders.models import OrderingRules
from wholesale.orders.rules import new_rules
from wholesale.sites.models import Warehouse
from wholesale.trading.models import PaymentTerms, TradingRelationship
from wholesale.trading.services import connect

BAKERY_EMAIL = "bakery@demo.ordertalk.test"
BAKERY_NAME = "Mission Street Bakery"

BAKERY_CATALOG: Catalog = {
    "Bread": (("#f3e5d8", "#7a4a1e"), [
        Item("BRD-SOUR-LG", "Sourdough boule, 1 kg", "each", "7.40", 1, ((20, "6.90"),),
             stock=(240, 0)),
        Item("BRD-BAG", "Baguette", "each", "2.90", 1, ((30, "2.60"),), stock=(300, 0)),
        Item("BRD-CIA", "Ciabatta rolls, 12 ct", "bag", "8.80", 12, stock=(120, 0)),
        Item("BRD-FOC", "Rosemary focaccia, half sheet", "tray", "18.50", 1, stock=(60, 0)),
        Item("BRD-BRI-BN", "Brioche burger buns, 12 ct", "bag", "9.60", 12, ((10, "8.90"),),
             stock=(150, 0)),
        Item("BRD-RYE", "Seeded rye loaf", "each", "6.80", 1, stock=(8, 0), reorder=20),
    ]),
    "Pastry": (("#fdf1e1", "#9a5b00"), [
        Item("PAS-CRO-BT", "Butter croissants, 12 ct", "box", "21.00", 12, stock=(90, 0)),
        Item("PAS-PAC", "Pain au chocolat, 12 ct", "box", "23.40", 12, stock=(70, 0)),
        Item("PAS-TAR-LM", "Lemon tart, 10 in", "each", "26.00", 1, stock=(0, 0),
             backorder=True),
    ]),
    "Dough": (("#eef3e2", "#4f6b1f"), [
        Item("DOU-PIZ-250", "Pizza dough balls 250 g, 24 ct", "case", "28.80", 24,
             ((5, "27.20"),), stock=(80, 0)),
        Item("DOU-PUF", "Puff pastry sheets, 5 kg", "case", "34.50", 1, stock=(40, 0)),
    ]),
}

_WAREHOUSE = ("Dogpatch bakehouse", "900 Illinois St, San Francisco, CA 94107",
              "37.760500", "-122.387300")
# The demo buyer's terms: fixed prices on its daily bread.
_PRICES = {"BRD-SOUR-LG": "6.95", "BRD-BAG": "2.70"}
KITCHENS = (0, 2, 6)  # kitchens (demo_routes) that buy bread here too


def seed_bakery(buyer: Organization, kitchens: list[Organization]) -> Organization:
    """The bakery and what it needs to trade; returns it."""
    owner = find_user_by_email(BAKERY_EMAIL)
    if owner is None:
        bakery = Organization(kind=OrgKind.SUPPLIER, name=BAKERY_NAME)
        db.session.add(bakery)
        demo_user(bakery, name="Inés Delgado", email=BAKERY_EMAIL, phone="+15555550150",
                  role=Role.OWNER)
        db.session.flush()
    else:
        bakery = owner.organization
    if db.session.scalars(select(Warehouse.id).where(Warehouse.supplier_id == bakery.id)
                          .execution_options(all_tenants=True)).first() is None:
        name, address, lat, lng = _WAREHOUSE
        db.session.add(Warehouse(supplier=bakery, name=name, address=address,
                                 latitude=Decimal(lat), longitude=Decimal(lng)))
        db.session.flush()
    if db.session.get(OrderingRules, bakery.id) is None:
        rules = new_rules(bakery.id)
        rules.delivery_days = "1,2,3,4,5,6"
        rules.cutoff_time = time(16, 0)
        rules.lead_days = 1
        rules.min_order_value = Decimal("40.00")
        db.session.flush()
    products = stock_catalog(bakery, BAKERY_CATALOG)
    if db.session.get(InvoiceSettings, bakery.id) is None:
        settings.update_settings(bakery, {
            "legal_name": "Mission Street Bakery Co.",
            "address": "900 Illinois St\nSan Francisco, CA 94107",
            "tax_id": "EIN 94-7654321",
            "billing_email": "accounts@bakery.demo.ordertalk.test",
            "tax_rate": "0",
            "payment_instructions": "ACH to Mission Street Bakery Co. · Routing 121000358 · "
                                    "Account 7788990011",
        })
    for partner, terms in [(buyer, PaymentTerms.NET_15)] + [
            (kitchens[n], PaymentTerms.NET_7) for n in KITCHENS if n < len(kitchens)]:
        rel = connect(bakery, partner)
        if not rel.notes:
            rel.payment_terms = terms
            rel.notes = "Bread leaves the oven at 4am; drop-off before service."
    db.session.flush()
    _price_list(bakery, buyer, products)
    return bakery


def _price_list(bakery: Organization, buyer: Organization,
                products: dict[str, Product]) -> None:
    rel = db.session.scalars(select(TradingRelationship).where(
        TradingRelationship.supplier_id == bakery.id, TradingRelationship.buyer_id == buyer.id)
        .execution_options(all_tenants=True)).one()
    if db.session.scalar(select(PriceList.id).where(PriceList.relationship_id == rel.id)
                         .execution_options(all_tenants=True)) is not None:
        return
    replace_price_list(bakery, rel.id, {
        "name": "Bistro bread", "discount_percent": None,
        "items": [{"product_id": products[sku].id, "fixed_price": Decimal(price),
                   "discount_percent": None} for sku, price in _PRICES.items()]})
