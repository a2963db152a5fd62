"""Two clicks on "Buy" can't buy two labels (live server, the real adapter, the fake Shippo).

The first purchase claims the order's quote and commits before it asks the carrier; while
the carrier takes its time, a second purchase of the order — the same rate or another — is
409 `label_in_progress` at once. That it answers at once also shows no transaction (nor the
order's row lock) is held open while the carrier answers: were it held, the second request
would wait for it. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import requests
from sqlalchemy import func, select

from tests.fulfilment.conftest import place
from tests.orders.conftest import build_shop
from wholesale.extensions import db
from wholesale.fulfilment.models import Shipment
from wholesale.orders.models import Order, OrderStatus


def test_a_second_click_while_the_carrier_answers_buys_nothing(shippo_server, live_fake,
                                                               live_db) -> None:
    shop = build_shop(live_db)
    product = shop.product({shop.near: 10}, weight_kg=Decimal("1"), case_size=5)
    order = place(shop, (product, 5))
    token, order_id = live_db.token(shop.supplier_user), order.id
    db.session.commit()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    url = f"{shippo_server.url}/api/v1/orders/{order_id}"
    rates = api.post(f"{url}/shipping-rates", json={}, timeout=30).json()["items"]

    live_fake.hold_purchases = threading.Event()
    try:
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(api.post, f"{url}/labels", json={"rate_id": rates[0]["id"]},
                                timeout=60)
            deadline = time.monotonic() + 20
            while not live_fake.calls("/transactions") and time.monotonic() < deadline:
                time.sleep(0.05)
            assert live_fake.calls("/transactions"), "the first purchase never reached Shippo"
            started = time.monotonic()
            seconds = [api.post(f"{url}/labels", json={"rate_id": r["id"]}, timeout=10)
                       for r in (rates[0], rates[1])]
            waited = time.monotonic() - started
            live_fake.hold_purchases.set()
            bought = first.result()
    finally:
        live_fake.hold_purchases.set()
        live_fake.hold_purchases = None
    for second in seconds:
        assert second.status_code == 409, second.text
        assert second.json()["error"]["code"] == "label_in_progress"
    assert waited < 5  # answered while the first purchase still waited for the carrier
    assert bought.status_code == 201, bought.text
    assert len(live_fake.purchases()) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Shipment).where(
        Shipment.order_id == order_id)) == 1
    assert db.session.get(Order, order_id).status is OrderStatus.SHIPPED
    db.session.commit()
