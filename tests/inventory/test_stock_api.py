"""Stock: receipts and adjustments through the ledger, levels, reports, tenancy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.catalog.util import assert_error, commit, product, receive
from wholesale import signals
from wholesale.accounts.models import Organization
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.inventory.ledger import get_or_create_level, move
from wholesale.inventory.models import MovementKind, StockMovement
from wholesale.signals import Arrival
from wholesale.sites.models import Warehouse


@pytest.fixture
def setup(api_as, factory):
    supplier = factory.supplier()
    north, south = factory.warehouse(supplier, "North"), factory.warehouse(supplier, "South")
    item = product(supplier, sku="RICE-25", reorder_point=10, overstock_level=100)
    client = api_as(factory.owner(supplier))
    ids = {"supplier": supplier.id, "north": north.id, "south": south.id, "item": item.id,
           "user": factory.owner(supplier).id}
    commit()
    return client, ids


def post(client, ids, delta, reason="cycle count", warehouse="north", **extra):
    return client.post("/api/v1/stock", json={"warehouse_id": ids[warehouse],
                                              "product_id": ids["item"], "delta": delta,
                                              "reason": reason, **extra})


def test_receive_then_adjust_returns_the_new_level_and_writes_the_ledger(setup):
    client, ids = setup
    heard = []

    def listener(sender, **kwargs):
        heard.append((sender.id, kwargs))

    signals.stock_received.connect(listener)
    try:
        received = post(client, ids, 40, "PO 1042")
    finally:
        signals.stock_received.disconnect(listener)
    assert received.status_code == 200, received.json
    assert {k: received.json[k] for k in ("warehouse_id", "product_id", "on_hand", "reserved",
                                          "available")} == {
        "warehouse_id": ids["north"], "product_id": ids["item"], "on_hand": 40,
        "reserved": 0, "available": 40}
    assert heard == [(ids["supplier"], {"arrivals": [Arrival(ids["item"], ids["north"], 40)]})]
    adjusted = post(client, ids, -3, "damaged in handling")
    assert adjusted.json["on_hand"] == 37 and adjusted.json["available"] == 37
    ledger = client.get(f"/api/v1/stock/movements?product_id={ids['item']}").json["items"]
    assert [(m["kind"], m["on_hand_delta"], m["on_hand_after"], m["reason"], m["user_id"])
            for m in ledger] == [("receipt", 40, 40, "PO 1042", ids["user"]),
                                 ("adjustment", -3, 37, "damaged in handling", ids["user"])]
    levels = client.get(f"/api/v1/stock?product_id={ids['item']}").json["items"]
    assert [(lv["warehouse_id"], lv["on_hand"]) for lv in levels] == [(ids["north"], 37)]


def test_cannot_remove_reserved_stock(setup):
    client, ids = setup
    post(client, ids, 10, "receipt")
    level = get_or_create_level(ids["supplier"], ids["north"], ids["item"])
    move(level.id, MovementKind.RESERVATION, reserved=8, reason="order 1")
    commit()
    response = post(client, ids, -3, "count")
    error = assert_error(response, 409, "insufficient_stock")
    assert "at most 2" in error["message"]
    levels = client.get(f"/api/v1/stock?product_id={ids['item']}").json["items"]
    assert (levels[0]["on_hand"], levels[0]["reserved"]) == (10, 8)
    assert post(client, ids, -2, "count").json["available"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delta": 0}, "delta"),
        ({"delta": 1.5}, "delta"),
        ({"delta": "5"}, "delta"),
        ({"delta": True}, "delta"),
        ({"delta": 10_000_000}, "delta"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"warehouse_id": 999999}, "warehouse_id"),
        ({"product_id": 999999}, "product_id"),
        ({"product_id": "abc"}, "product_id"),
    ],
)
def test_bad_stock_changes_are_422_and_change_nothing(setup, body, field):
    client, ids = setup
    payload = {"warehouse_id": ids["north"], "product_id": ids["item"], "delta": 5,
               "reason": "count", **body}
    assert_error(client.post("/api/v1/stock", json=payload), 422, "validation_error", (field,))
    assert client.get("/api/v1/stock/movements").json["items"] == []


def test_missing_fields(setup):
    client, _ = setup
    error = assert_error(client.post("/api/v1/stock", json={}), 422)
    assert set(error["fields"]) == {"warehouse_id", "product_id", "delta", "reason"}


def test_another_suppliers_warehouse_or_product_is_refused(setup, api_as, factory):
    client, ids = setup
    other = factory.supplier()
    their_warehouse = factory.warehouse(other).id
    their_product = product(other).id
    commit()
    assert_error(client.post("/api/v1/stock", json={
        "warehouse_id": their_warehouse, "product_id": ids["item"], "delta": 5,
        "reason": "x"}), 422, fields=("warehouse_id",))
    assert_error(client.post("/api/v1/stock", json={
        "warehouse_id": ids["north"], "product_id": their_product, "delta": 5,
        "reason": "x"}), 422, fields=("product_id",))
    assert client.get(f"/api/v1/stock?product_id={their_product}").json["items"] == []


def test_buyers_cannot_touch_stock(setup, api_as, factory):
    _, ids = setup
    buyer_client = api_as(factory.owner(factory.buyer()))
    commit()
    assert_error(post(buyer_client, ids, 5), 403)
    assert_error(buyer_client.get("/api/v1/stock"), 403)


def _rows(client, path):
    return {row["sku"]: row for row in client.get(path).json["items"]}


def test_low_dead_and_overstock_reports(setup, factory):
    client, ids = setup
    supplier_id, north = ids["supplier"], ids["north"]
    supplier = db.session.get(Organization, supplier_id)
    warehouse = db.session.get(Warehouse, north)
    plenty = product(supplier, sku="PLENTY", reorder_point=5, overstock_level=50)
    product(supplier, sku="EMPTY", reorder_point=0)
    selling = product(supplier, sku="SELLING", reorder_point=2)
    receive(supplier, warehouse, plenty, 80)
    receive(supplier, warehouse, selling, 20)
    level = get_or_create_level(supplier_id, north, selling.id)
    move(level.id, MovementKind.RESERVATION, reserved=1, reason="order")
    commit()
    post(client, ids, 8, "receipt")  # RICE-25: 8 on hand, reorder point 10 → low

    low = _rows(client, "/api/v1/stock/low")
    assert set(low) == {"RICE-25", "EMPTY"}
    assert low["RICE-25"]["available"] == 8 and low["RICE-25"]["reorder_point"] == 10
    over = _rows(client, "/api/v1/stock/overstock")
    assert set(over) == {"PLENTY"} and over["PLENTY"]["on_hand"] == 80
    dead = _rows(client, "/api/v1/stock/dead?days=90")
    assert set(dead) == {"PLENTY", "RICE-25"}  # SELLING had a reservation; EMPTY has none
    # a reservation long ago does not count as recent movement
    db.session.execute(update(StockMovement).where(StockMovement.product_id == selling.id)
                       .values(created_at=utcnow() - timedelta(days=120)))
    commit()
    assert "SELLING" in _rows(client, "/api/v1/stock/dead?days=90")
    assert "SELLING" not in _rows(client, "/api/v1/stock/dead?days=365")
    assert_error(client.get("/api/v1/stock/dead?days=0"), 422, fields=("days",))
    assert_error(client.get("/api/v1/stock/dead?days=abc"), 422, fields=("days",))


def test_movements_are_paginated_and_filtered_by_warehouse(setup):
    client, ids = setup
    for i in range(5):
        post(client, ids, i + 1, f"receipt {i}", warehouse="north" if i % 2 else "south")
    south = client.get(f"/api/v1/stock/movements?warehouse_id={ids['south']}").json["items"]
    assert len(south) == 3
    page = client.get("/api/v1/stock/movements?limit=2").json
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"/api/v1/stock/movements?limit=10&cursor={page['next_cursor']}").json
    assert len(rest["items"]) == 3 and rest["next_cursor"] is None
    assert db.session.scalar(select(StockMovement.id).limit(1)) is not None
