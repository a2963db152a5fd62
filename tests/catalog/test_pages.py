"""Catalog pages (supplier list and editor, bulk edits, price lists, ordering rules, export)
and the buyer's catalog, through the real forms."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.catalog.util import commit, product, receive
from tests.conftest import login
from wholesale.catalog import price_lists
from wholesale.catalog.models import PriceList, Product
from wholesale.extensions import db
from wholesale.orders.rules import rules_for


@pytest.fixture
def routed(app):
    """The pages live at /catalog and /inventory (the portal's placeholders are gone)."""
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/catalog")[0] == "catalog.index"
    assert adapter.match("/inventory")[0] == "inventory.index"


@pytest.fixture
def shop(factory, routed):
    supplier, buyer = factory.supplier("Golden Gate"), factory.buyer("Bistro")
    rel = factory.connect(supplier, buyer)
    warehouse = factory.warehouse(supplier)
    tomatoes = product(supplier, sku="TOM-1", name="Roma tomatoes", category="Produce",
                       price="20.00", reorder_point=5,
                       price_breaks=[{"min_qty": 10, "price": "17.00"}])
    milk = product(supplier, sku="MLK-1", name="Whole milk", category="Dairy", price="3.00",
                   min_order_qty=4, order_multiple=2)
    receive(supplier, warehouse, tomatoes, 30)
    price_lists.replace(supplier, rel.id, {"discount_percent": Decimal("10"), "items": []})
    other = product(factory.supplier(), sku="OTHER-1", name="Secret stuff")
    data = {"supplier": factory.owner(supplier), "buyer": factory.owner(buyer),
            "rel": rel.id, "tomatoes": tomatoes.id, "milk": milk.id, "other": other.id,
            "warehouse": warehouse.id}
    commit()
    return data


def client_for(app, user):
    commit()
    client = app.test_client()
    login(client, user)
    return client


def test_supplier_catalog_lists_searches_and_filters(app, shop):
    client = client_for(app, shop["supplier"])
    page = client.get("/catalog").get_data(as_text=True)
    assert "Roma tomatoes" in page and "Whole milk" in page and "Secret stuff" not in page
    assert "$20.00" in page and "In stock" in page
    found = client.get("/catalog?q=tomat").get_data(as_text=True)
    assert "Roma tomatoes" in found and "Whole milk" not in found
    dairy = client.get("/catalog?category=Dairy").get_data(as_text=True)
    assert "Whole milk" in dairy and "Roma tomatoes" not in dairy


def test_buyer_catalog_shows_its_prices_breaks_and_the_cart_form(app, shop):
    client = client_for(app, shop["buyer"])
    response = client.get("/catalog")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "$18.00" in page and "Your price" in page  # 10 % off 20.00
    assert "10+</span> $17.00" in page  # the break beats the buyer's price
    assert "Minimum 4" in page and "multiples of 2" in page
    milk_id = shop["milk"]
    assert f'name="product_id" value="{milk_id}"' in page
    assert 'min="4" step="2"' in page
    assert "Secret stuff" not in page
    assert "Out of stock" in page  # milk: no stock, no backorder
    assert client.get("/catalog/new").status_code == 404
    assert client.get("/inventory").status_code == 404


def test_creating_a_product_through_the_form(app, shop):
    client = client_for(app, shop["supplier"])
    form = {"sku": "EGG-30", "name": "Eggs", "unit": "tray", "price": "4.50",
            "currency": "USD", "case_size": "30", "min_order_qty": "1", "order_multiple": "1",
            "reorder_point": "0", "overstock_level": "", "description": "", "category": "Dairy",
            "break_min_qty": ["10", ""], "break_price": ["4.20", ""], "weight_kg": "1.85"}
    response = client.post("/catalog/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    egg = db.session.scalars(select(Product).where(Product.sku == "EGG-30")).one()
    assert egg.price == Decimal("4.50") and egg.case_size == 30
    assert egg.weight_kg == Decimal("1.85")  # a van's load adds it up (delivery runs)
    page = client.get(f"/catalog/{egg.id}/edit").get_data(as_text=True)
    assert 'name="weight_kg" type="text" value="1.85"' in page
    client.post(f"/catalog/{egg.id}/edit", data={**form, "weight_kg": ""})
    assert db.session.get(Product, egg.id).weight_kg is None
    assert [(b.min_qty, b.price) for b in egg.price_breaks] == [(10, Decimal("4.20"))]


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"sku": "TOM-1"}, "Another product already uses this SKU"),
        ({"price": "abc"}, "decimal amount"),
        ({"case_size": "0"}, "at least 1"),
        ({"break_min_qty": ["10", "5"], "break_price": ["4", "3"]}, "greater than"),
        ({"weight_kg": "heavy"}, "Not a valid number"),
        ({"weight_kg": "0"}, "greater than or equal to 0.001"),
    ],
)
def test_bad_product_forms_are_shown_again_with_the_problem(app, shop, changes, text):
    client = client_for(app, shop["supplier"])
    form = {"sku": "NEW-1", "name": "New", "unit": "each", "price": "1.00", "currency": "USD",
            "case_size": "1", "min_order_qty": "1", "order_multiple": "1", **changes}
    response = client.post("/catalog/new", data=form)
    assert response.status_code == 422
    assert text in response.get_data(as_text=True)
    assert db.session.scalars(select(Product).where(Product.sku == "NEW-1")).first() is None


def test_editing_archiving_and_pictures(app, shop):
    client = client_for(app, shop["supplier"])
    pid = shop["tomatoes"]
    page = client.get(f"/catalog/{pid}/edit").get_data(as_text=True)
    assert 'value="TOM-1"' in page and 'value="17.00"' in page
    form = {"sku": "TOM-1", "name": "Roma tomatoes", "unit": "case", "price": "21.00",
            "currency": "USD", "case_size": "1", "min_order_qty": "1", "order_multiple": "1",
            "reorder_point": "5", "overstock_level": "", "description": "", "category": "Produce",
            "break_min_qty": [], "break_price": []}
    assert client.post(f"/catalog/{pid}/edit", data=form).status_code == 302
    item = db.session.get(Product, pid)
    assert item.price == Decimal("21.00") and item.price_breaks == []
    assert client.post(f"/catalog/{pid}/archive", data={}).status_code == 302
    assert db.session.get(Product, pid).archived_at is not None
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    client.post(f"/catalog/{pid}/images", data={"image": (io.BytesIO(png), "a.png")},
                content_type="multipart/form-data")
    assert len(db.session.get(Product, pid).images) == 1
    bad = client.post(f"/catalog/{pid}/images", data={"image": (io.BytesIO(b"GIF89a"), "a.gif")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "Only PNG, JPEG and WebP" in bad.get_data(as_text=True)
    assert client.get(f"/catalog/{shop['other']}/edit").status_code == 404


def test_bulk_price_changes(app, shop):
    client = client_for(app, shop["supplier"])
    ids = [str(shop["tomatoes"]), str(shop["milk"])]
    client.post("/catalog/bulk", data={"product_ids": ids, "action": "percent", "value": "10"})
    assert db.session.get(Product, shop["tomatoes"]).price == Decimal("22.00")
    assert db.session.get(Product, shop["tomatoes"]).price_breaks[0].price == Decimal("18.70")
    client.post("/catalog/bulk", data={"product_ids": ids[:1], "action": "set_price",
                                       "value": "9.99"})
    assert db.session.get(Product, shop["tomatoes"]).price == Decimal("9.99")
    bad = client.post("/catalog/bulk", data={"product_ids": ids, "action": "set_price",
                                             "value": "-1"}, follow_redirects=True)
    assert "Must not be negative" in bad.get_data(as_text=True)
    client.post("/catalog/bulk", data={"product_ids": [str(shop["other"])],
                                       "action": "set_price", "value": "1"})
    assert db.session.get(Product, shop["other"]).price == Decimal("10.00")


def test_price_list_page(app, shop):
    client = client_for(app, shop["supplier"])
    assert "Bistro" in client.get("/catalog/price-lists").get_data(as_text=True)
    url = f"/catalog/price-lists/{shop['rel']}"
    response = client.post(url, data={"name": "Gold", "discount_percent": "7.5",
                                      "item_sku": ["mlk-1", "NOPE"],
                                      "item_fixed_price": ["2.50", "1"],
                                      "item_discount_percent": ["", ""]})
    assert response.status_code == 422
    assert "No product with this SKU" in response.get_data(as_text=True)
    response = client.post(url, data={"name": "Gold", "discount_percent": "7.5",
                                      "item_sku": ["mlk-1"], "item_fixed_price": ["2.50"],
                                      "item_discount_percent": [""]})
    assert response.status_code == 302
    saved = db.session.scalars(select(PriceList).where(PriceList.relationship_id ==
                                                       shop["rel"])).one()
    assert saved.discount_percent == Decimal("7.5")
    assert saved.items[0].fixed_price == Decimal("2.50")


def test_ordering_rules_page(app, shop):
    client = client_for(app, shop["supplier"])
    assert client.get("/catalog/ordering-rules").status_code == 200
    form = {"delivery_days": ["2", "4"], "cutoff_time": "10:30", "timezone": "Europe/Paris",
            "lead_days": "2", "min_order_value": "100"}
    assert client.post("/catalog/ordering-rules", data=form).status_code == 302
    supplier_id = shop["supplier"].organization_id
    rules = rules_for(supplier_id)
    assert rules.delivery_days == "2,4" and rules.timezone == "Europe/Paris"
    bad = client.post("/catalog/ordering-rules", data={**form, "timezone": "Nowhere/Land",
                                                       "delivery_days": []})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "IANA" in text or "delivery day" in text.lower()


def test_export_csv(app, shop):
    client = client_for(app, shop["supplier"])
    response = client.get("/catalog/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("sku,name,") and "TOM-1" in body and "OTHER-1" not in body


def test_the_editor_keeps_the_weight_and_case_size_carrier_parcels_use(app, shop):
    client = client_for(app, shop["supplier"])
    pid = shop["tomatoes"]
    form = {"sku": "TOM-1", "name": "Roma tomatoes", "unit": "case", "price": "20.00",
            "currency": "USD", "case_size": "6", "min_order_qty": "1", "order_multiple": "1",
            "weight_kg": "0.75", "case_length_cm": "40", "case_width_cm": "30",
            "case_height_cm": "22.5"}
    assert client.post(f"/catalog/{pid}/edit", data=form).status_code == 302
    item = db.session.get(Product, pid)
    assert (item.weight_kg, item.case_length_cm, item.case_height_cm) == (
        Decimal("0.75"), Decimal("40"), Decimal("22.5"))
    page = client.get(f"/catalog/{pid}/edit").get_data(as_text=True)
    assert 'name="weight_kg" type="text" value="0.75"' in page
    assert 'name="case_height_cm" type="text" value="22.5"' in page
    bad = client.post(f"/catalog/{pid}/edit", data=form | {"weight_kg": "0"})
    assert bad.status_code == 422 and 'id="f-weight_kg-error"' in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, pid).weight_kg == Decimal("0.75")  # nothing saved
    cleared = form | {"weight_kg": "", "case_length_cm": ""}
    assert client.post(f"/catalog/{pid}/edit", data=cleared).status_code == 302
    db.session.expire_all()
    item = db.session.get(Product, pid)
    assert item.weight_kg is None and item.case_length_cm is None
    assert item.case_width_cm == Decimal("30")

def test_the_import_and_export_tab_stays_in_the_catalog(app, shop):
    client = client_for(app, shop["supplier"])
    catalog = client.get("/catalog").get_data(as_text=True)
    [href] = re.findall(r'<a class="tabs__link" href="([^"]+)"[^>]*>Import &amp; export<', catalog)
    page = client.get(href).get_data(as_text=True)
    assert re.search(r'href="/catalog/import" aria-current="page">Import &amp; export<', page)
    assert 'aria-label="Catalog sections"' in page and "Inventory sections" not in page
    nav = page.split('aria-label="Main"')[1].split("</nav>")[0]
    [current] = re.findall(r'aria-current="page">.*?<span>([^<]+)</span>', nav)
    assert current == "Catalog"
    assert 'name="kind" value="products" checked' in page  # the products import, first
    inventory = client.get("/inventory/import").get_data(as_text=True)
    assert 'aria-label="Inventory sections"' in inventory
