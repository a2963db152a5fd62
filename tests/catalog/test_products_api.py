"""The catalog API: create, read, update, archive, validation, tenancy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.catalog.util import assert_error, commit, product, receive
from wholesale.catalog import price_lists

PRODUCT = {
    "sku": "TOM-001",
    "name": "Roma tomatoes",
    "unit": "case",
    "price": "24.50",
    "currency": "USD",
    "case_size": 12,
    "min_order_qty": 2,
    "price_breaks": [{"min_qty": 10, "price": "23.00"}, {"min_qty": 50, "price": 21.5}],
}


@pytest.fixture
def supplier(factory):
    return factory.supplier()


@pytest.fixture
def api(api_as, factory, supplier):
    client = api_as(factory.owner(supplier))
    commit()
    return client


def test_a_supplier_creates_and_reads_a_product(api, supplier):
    response = api.post("/api/v1/products", json=PRODUCT)
    assert response.status_code == 201, response.json
    body = response.json
    assert isinstance(body["id"], int)
    assert body["supplier_id"] == supplier.id
    assert body["price"] == "24.50" and body["currency"] == "USD"
    assert body["price_breaks"] == [{"min_qty": 10, "price": "23.00"},
                                    {"min_qty": 50, "price": "21.50"}]
    assert body["case_size"] == 12 and body["min_order_qty"] == 2
    assert body["order_multiple"] == 1 and body["active"] is True
    assert body["allow_backorder"] is False
    assert body["availability"] == {"status": "out", "available": 0}
    read = api.get(f"/api/v1/products/{body['id']}")
    assert read.status_code == 200 and read.json == body


def test_patch_changes_only_what_is_sent_and_replaces_breaks(api):
    created = api.post("/api/v1/products", json=PRODUCT).json
    response = api.patch(f"/api/v1/products/{created['id']}",
                         json={"price": 26, "price_breaks": [{"min_qty": 5, "price": "25"}]})
    assert response.status_code == 200, response.json
    assert response.json["price"] == "26.00"
    assert response.json["name"] == "Roma tomatoes"
    assert response.json["price_breaks"] == [{"min_qty": 5, "price": "25.00"}]


def test_archiving_hides_the_product_from_buyers_and_the_default_list(api, api_as, factory,
                                                                        supplier):
    buyer = factory.buyer()
    factory.connect(supplier, buyer)
    created = api.post("/api/v1/products", json=PRODUCT).json
    archived = api.patch(f"/api/v1/products/{created['id']}", json={"active": False})
    assert archived.status_code == 200 and archived.json["active"] is False
    assert api.get("/api/v1/products").json["items"] == []
    listed = api.get("/api/v1/products?include_archived=true").json["items"]
    assert [p["id"] for p in listed] == [created["id"]]
    assert api_as(factory.owner(buyer)).get("/api/v1/products").json["items"] == []
    restored = api.patch(f"/api/v1/products/{created['id']}", json={"active": True})
    assert restored.json["active"] is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sku": ""}, "sku"),
        ({"sku": "has space"}, "sku"),
        ({"sku": "x" * 65}, "sku"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"unit": ""}, "unit"),
        ({"price": "-1"}, "price"),
        ({"price": "1.234"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": "Infinity"}, "price"),
        ({"price": True}, "price"),
        ({"price": None}, "price"),
        ({"price": "99999999999"}, "price"),
        ({"currency": "US"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": 840}, "currency"),
        ({"case_size": 0}, "case_size"),
        ({"case_size": 1.5}, "case_size"),
        ({"case_size": "3"}, "case_size"),
        ({"min_order_qty": 0}, "min_order_qty"),
        ({"order_multiple": -2}, "order_multiple"),
        ({"order_multiple": True}, "order_multiple"),
        ({"reorder_point": -1}, "reorder_point"),
        ({"allow_backorder": "yes"}, "allow_backorder"),
        ({"price_breaks": [{"min_qty": 1, "price": "1"}]}, "price_breaks.0.min_qty"),
        ({"price_breaks": [{"min_qty": 5, "price": "-1"}]}, "price_breaks.0.price"),
        ({"price_breaks": [{"min_qty": 5}]}, "price_breaks.0.price"),
        ({"price_breaks": [{"min_qty": 10, "price": "1"}, {"min_qty": 10, "price": "0.5"}]},
         "price_breaks.1.min_qty"),
        ({"price_breaks": [{"min_qty": 10, "price": "1"}, {"min_qty": 5, "price": "0.5"}]},
         "price_breaks.1.min_qty"),
        ({"price_breaks": "10:1"}, "price_breaks"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_every_bad_field_is_a_422_naming_it_and_nothing_is_created(api, changes, field):
    response = api.post("/api/v1/products", json={**PRODUCT, **changes})
    assert_error(response, 422, "validation_error", (field,))
    assert api.get("/api/v1/products?include_archived=true").json["items"] == []


@pytest.mark.parametrize("missing", ["sku", "name", "unit", "price", "currency"])
def test_required_fields(api, missing):
    body = {k: v for k, v in PRODUCT.items() if k != missing}
    assert_error(api.post("/api/v1/products", json=body), 422, "validation_error", (missing,))


def test_patch_validation_changes_nothing(api):
    created = api.post("/api/v1/products", json=PRODUCT).json
    response = api.patch(f"/api/v1/products/{created['id']}",
                         json={"name": "New name", "price": "-3"})
    assert_error(response, 422, "validation_error", ("price",))
    assert api.get(f"/api/v1/products/{created['id']}").json["name"] == "Roma tomatoes"


def test_sku_is_unique_per_supplier_case_insensitively(api, api_as, factory):
    assert api.post("/api/v1/products", json=PRODUCT).status_code == 201
    assert_error(api.post("/api/v1/products", json={**PRODUCT, "sku": "tom-001"}), 422,
                 "validation_error", ("sku",))
    other = api.post("/api/v1/products", json={**PRODUCT, "sku": "TOM-002"}).json
    assert_error(api.patch(f"/api/v1/products/{other['id']}", json={"sku": "TOM-001"}), 422,
                 "validation_error", ("sku",))
    # another supplier may use the same SKU
    another = api_as(factory.owner(factory.supplier()))
    assert another.post("/api/v1/products", json=PRODUCT).status_code == 201


def test_malformed_json_is_400(api):
    response = api.post("/api/v1/products", data="{", headers={"Content-Type":
                                                               "application/json"})
    assert_error(response, 400, "malformed_json")


def test_buyers_cannot_write_the_catalog(api_as, factory, supplier):
    buyer = factory.buyer()
    factory.connect(supplier, buyer)
    client = api_as(factory.owner(buyer))
    item = product(supplier)
    commit()
    assert_error(client.post("/api/v1/products", json=PRODUCT), 403)
    assert_error(client.patch(f"/api/v1/products/{item.id}", json={"price": "1"}), 403)


def test_another_suppliers_product_is_404_everywhere(api, factory):
    foreign = product(factory.supplier())
    assert_error(api.get(f"/api/v1/products/{foreign.id}"), 404, "not_found")
    assert_error(api.patch(f"/api/v1/products/{foreign.id}", json={"price": "1"}), 404)
    assert api.get(f"/api/v1/products?supplier_id={foreign.supplier_id}").json["items"] == []


def test_a_buyer_not_connected_sees_nothing(api_as, factory, supplier):
    item = product(supplier)
    stranger = api_as(factory.owner(factory.buyer()))
    assert stranger.get("/api/v1/products").json == {"items": [], "next_cursor": None}
    assert_error(stranger.get(f"/api/v1/products/{item.id}"), 404, "not_found")


def test_a_connected_buyer_sees_its_own_prices_breaks_and_availability(api_as, factory,
                                                                         supplier):
    buyer = factory.buyer()
    rel = factory.connect(supplier, buyer)
    other_supplier = factory.supplier()
    factory.connect(other_supplier, buyer)
    warehouse = factory.warehouse(supplier)
    cheese = product(supplier, price="20.00", reorder_point=5,
                     price_breaks=[{"min_qty": 10, "price": "19.00"},
                                   {"min_qty": 20, "price": "16.00"}])
    milk = product(supplier, price="3.00", allow_backorder=True)
    flour = product(supplier, price="5.00")
    foreign = product(other_supplier, price="7.00")
    product(factory.supplier())  # not connected: never listed
    receive(supplier, warehouse, cheese, 4)
    receive(supplier, warehouse, flour, 40)
    price_lists.replace(supplier, rel.id, {"discount_percent": Decimal("10"), "items": [
        {"product_id": milk.id, "fixed_price": Decimal("2.50"), "discount_percent": None}]})

    client = api_as(factory.owner(buyer))
    items = {p["id"]: p for p in client.get("/api/v1/products").json["items"]}
    assert set(items) == {cheese.id, milk.id, flour.id, foreign.id}
    assert items[cheese.id]["price"] == "18.00"  # 10 % off
    assert items[cheese.id]["list_price"] == "20.00"
    # the 19.00 break is no better than the buyer's 18.00; the 16.00 one is
    assert items[cheese.id]["price_breaks"] == [{"min_qty": 20, "price": "16.00"}]
    assert items[cheese.id]["availability"] == {"status": "low", "available": None}
    assert items[milk.id]["price"] == "2.50"
    assert items[milk.id]["availability"]["status"] == "backorder"
    assert items[flour.id]["availability"]["status"] == "in_stock"
    assert items[foreign.id]["price"] == "7.00"
    only = client.get(f"/api/v1/products?supplier_id={other_supplier.id}").json["items"]
    assert [p["id"] for p in only] == [foreign.id]


def test_category_filter_and_pagination(api, supplier):
    for i in range(5):
        product(supplier, category="Dairy" if i % 2 else "Produce", name=f"Item {i}")
    dairy = api.get("/api/v1/products?category=Dairy").json["items"]
    assert len(dairy) == 2 and {p["category"] for p in dairy} == {"Dairy"}
    first = api.get("/api/v1/products?limit=2").json
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get(f"/api/v1/products?limit=2&cursor={first['next_cursor']}").json
    third = api.get(f"/api/v1/products?limit=2&cursor={second['next_cursor']}").json
    ids = [p["id"] for page in (first, second, third) for p in page["items"]]
    assert len(ids) == 5 == len(set(ids)) and third["next_cursor"] is None
    assert_error(api.get("/api/v1/products?limit=0"), 422, fields=("limit",))
    assert_error(api.get("/api/v1/products?cursor=zzz"), 422, fields=("cursor",))


def test_bulk_prices_set_and_percentage(api, factory, supplier):
    a = product(supplier, price="10.00", price_breaks=[{"min_qty": 10, "price": "9.00"}])
    b = product(supplier, price="4.99")
    response = api.post("/api/v1/products/bulk-prices",
                        json={"product_ids": [a.id, b.id], "percent": "10"})
    assert response.status_code == 200 and response.json == {"updated": 2}
    assert api.get(f"/api/v1/products/{a.id}").json["price"] == "11.00"
    assert api.get(f"/api/v1/products/{a.id}").json["price_breaks"][0]["price"] == "9.90"
    assert api.get(f"/api/v1/products/{b.id}").json["price"] == "5.49"  # 5.489 → 5.49
    api.post("/api/v1/products/bulk-prices", json={"product_ids": [b.id], "price": "3"})
    assert api.get(f"/api/v1/products/{b.id}").json["price"] == "3.00"
    foreign = product(factory.supplier())
    assert_error(api.post("/api/v1/products/bulk-prices",
                          json={"product_ids": [a.id, foreign.id], "price": "1"}),
                 422, fields=("product_ids",))
    assert api.get(f"/api/v1/products/{a.id}").json["price"] == "11.00"
    assert_error(api.post("/api/v1/products/bulk-prices",
                          json={"product_ids": [a.id], "percent": "-100"}),
                 422, fields=("percent",))


@pytest.mark.parametrize("ident", ["99999999999", "99999999999999999999999"])
def test_huge_ids_are_plain_404s(api, ident):
    assert_error(api.get(f"/api/v1/products/{ident}"), 404)
    assert_error(api.get(f"/api/v1/customers/{ident}/price-list"), 404)


@pytest.mark.parametrize(
    "query",
    ["supplier_id=abc", "supplier_id=0", "include_archived=maybe", "q=" + "x" * 201,
     "category=" + "c" * 101, "limit=201"],
)
def test_bad_list_queries_are_422(api, query):
    assert_error(api.get(f"/api/v1/products?{query}"), 422, "validation_error")
