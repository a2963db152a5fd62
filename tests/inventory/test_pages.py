"""Inventory pages: stock per warehouse, receipts and adjustments, reports, import page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.catalog.util import commit, product, receive
from tests.conftest import login
from wholesale.extensions import db
from wholesale.inventory.ledger import get_or_create_level, move
from wholesale.inventory.models import MovementKind, StockLevel


@pytest.fixture
def shop(app, factory):
    assert app.url_map.bind("localhost").match("/inventory")[0] == "inventory.index"
    supplier = factory.supplier()
    north = factory.warehouse(supplier, "North")
    factory.warehouse(supplier, "South")
    rice = product(supplier, sku="RICE", name="Arborio rice", reorder_point=20,
                   overstock_level=50)
    receive(supplier, north, rice, 10)
    level = get_or_create_level(supplier.id, north.id, rice.id)
    move(level.id, MovementKind.RESERVATION, reserved=6, reason="order 7")
    data = {"owner": factory.owner(supplier), "rice": rice.id, "north": north.id}
    commit()
    client = app.test_client()
    login(client, data["owner"])
    return client, data


def on_hand(data):
    return db.session.scalars(select(StockLevel.on_hand).where(
        StockLevel.product_id == data["rice"], StockLevel.warehouse_id == data["north"])).one()


def test_stock_overview_and_reports(shop):
    client, _ = shop
    page = client.get("/inventory").get_data(as_text=True)
    assert "Arborio rice" in page and "North" in page and "South" in page
    assert "Arborio rice" in client.get("/inventory/low").get_data(as_text=True)
    assert "Arborio rice" not in client.get("/inventory/dead?days=30").get_data(as_text=True)
    assert "Arborio rice" not in client.get("/inventory/overstock").get_data(as_text=True)
    assert client.get("/inventory/import").status_code == 200


def test_receive_and_adjust_from_the_product_page(shop):
    client, data = shop
    url = f"/inventory/products/{data['rice']}"
    page = client.get(url).get_data(as_text=True)
    assert "order 7" in page and "Reservation" in page
    response = client.post(url, data={"kind": "receive", "warehouse_id": data["north"],
                                      "quantity": "15", "reason": "PO 88"})
    assert response.status_code == 302 and on_hand(data) == 25
    response = client.post(url, data={"kind": "adjust", "warehouse_id": data["north"],
                                      "quantity": "-20", "reason": "count"})
    assert response.status_code == 409
    assert "At most 19 can be removed" in response.get_data(as_text=True)
    assert on_hand(data) == 25
    response = client.post(url, data={"kind": "receive", "warehouse_id": data["north"],
                                      "quantity": "many", "reason": ""})
    assert response.status_code == 422 and on_hand(data) == 25
    assert "PO 88" in client.get(url).get_data(as_text=True)
