"""A customer's price list: PUT replaces it, GET reads it, and the buyer's prices follow."""

from __future__ import annotations

import pytest

from tests.catalog.util import assert_error, commit, product


@pytest.fixture
def ctx(api_as, factory):
    supplier, buyer = factory.supplier(), factory.buyer()
    rel = factory.connect(supplier, buyer)
    cheese = product(supplier, price="20.00")
    milk = product(supplier, price="3.00")
    foreign = product(factory.supplier())
    other_rel = factory.connect(factory.supplier(), buyer)
    ids = {"rel": rel.id, "cheese": cheese.id, "milk": milk.id, "foreign": foreign.id,
           "other_rel": other_rel.id}
    clients = {"supplier": api_as(factory.owner(supplier)), "buyer": api_as(factory.owner(buyer))}
    commit()
    return clients, ids


def put(client, rel_id, body):
    return client.open("PUT", f"/api/v1/customers/{rel_id}/price-list", json=body)


def test_put_and_get_a_price_list_and_the_buyer_sees_the_prices(ctx):
    clients, ids = ctx
    supplier = clients["supplier"]
    empty = supplier.get(f"/api/v1/customers/{ids['rel']}/price-list")
    assert empty.status_code == 200
    assert empty.json["exists"] is False and empty.json["items"] == []
    body = {"name": "Gold", "discount_percent": "5", "items": [
        {"product_id": ids["milk"], "fixed_price": "2.40"},
        {"product_id": ids["cheese"], "discount_percent": 12.5}]}
    saved = put(supplier, ids["rel"], body)
    assert saved.status_code == 200, saved.json
    assert saved.json["exists"] is True and saved.json["discount_percent"] == "5"
    items = {i["product_id"]: i for i in saved.json["items"]}
    assert items[ids["milk"]]["fixed_price"] == "2.40"
    assert items[ids["milk"]]["discount_percent"] is None
    assert items[ids["cheese"]]["discount_percent"] == "12.5"
    assert supplier.get(f"/api/v1/customers/{ids['rel']}/price-list").json == saved.json
    prices = {p["id"]: p["price"] for p in clients["buyer"].get("/api/v1/products").json["items"]}
    assert prices[ids["milk"]] == "2.40" and prices[ids["cheese"]] == "17.50"
    # PUT replaces: the items not sent are gone
    put(supplier, ids["rel"], {"discount_percent": None, "items": []})
    prices = {p["id"]: p["price"] for p in clients["buyer"].get("/api/v1/products").json["items"]}
    assert prices[ids["milk"]] == "3.00" and prices[ids["cheese"]] == "20.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"discount_percent": "101"}, "discount_percent"),
        ({"discount_percent": "-1"}, "discount_percent"),
        ({"discount_percent": "abc"}, "discount_percent"),
        ({"items": [{"product_id": "MILK"}]}, "items.0.product_id"),
        ({"items": [{"product_id": 0, "fixed_price": "1"}]}, "items.0.product_id"),
        ({"items": [{"product_id": "milk", "fixed_price": "1", "discount_percent": "2"}]},
         "items.0.fixed_price"),
        ({"items": [{"product_id": "milk"}]}, "items.0.fixed_price"),
        ({"items": [{"product_id": "milk", "fixed_price": "-1"}]}, "items.0.fixed_price"),
        ({"items": [{"product_id": "milk", "discount_percent": "100.5"}]},
         "items.0.discount_percent"),
        ({"items": [{"product_id": "foreign", "fixed_price": "1"}]}, "items.0.product_id"),
        ({"items": [{"product_id": "milk", "fixed_price": "1"},
                    {"product_id": "milk", "fixed_price": "2"}]}, "items.1.product_id"),
    ],
)
def test_bad_price_lists_are_422_and_change_nothing(ctx, body, field):
    clients, ids = ctx
    for item in body.get("items", []):
        if item["product_id"] in ids:
            item["product_id"] = ids[item["product_id"]]
    response = put(clients["supplier"], ids["rel"], body)
    assert_error(response, 422, "validation_error", (field,))
    assert clients["supplier"].get(
        f"/api/v1/customers/{ids['rel']}/price-list").json["exists"] is False


def test_another_suppliers_relationship_is_404_and_buyers_are_403(ctx):
    clients, ids = ctx
    assert_error(clients["supplier"].get(f"/api/v1/customers/{ids['other_rel']}/price-list"),
                 404)
    assert_error(put(clients["supplier"], ids["other_rel"], {"items": []}), 404)
    assert_error(clients["buyer"].get(f"/api/v1/customers/{ids['rel']}/price-list"), 403)
