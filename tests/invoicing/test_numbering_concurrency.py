"""Invoice numbers under concurrency, over real HTTP (gunicorn threads), on SQLite and
PostgreSQL: concurrent issues for several orders — each order asked for twice at once —
give one invoice per order, numbered 1..n without gaps or duplicates."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import select

from tests.factories import Factory
from tests.orders.conftest import build_shop
from wholesale.extensions import db
from wholesale.fulfilment import shipments
from wholesale.invoicing.models import Invoice
from wholesale.orders.placement import place_order

ORDERS = 6


def test_concurrent_issues_number_without_gaps(live_server, live_db: Factory) -> None:
    shop = build_shop(live_db)
    product = shop.product({shop.near: 100})
    orders = []
    for _ in range(ORDERS):
        order = place_order(**shop.place_kwargs((product, 2))).order
        shipments.ship(order.id, shop.supplier_user, carrier="UPS")
        orders.append(order.id)
    token = live_db.token(shop.supplier_user)
    db.session.commit()

    jobs = [order_id for order_id in orders for _ in range(2)]
    barrier = threading.Barrier(len(jobs))

    def issue(order_id: int) -> requests.Response:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return session.post(f"{live_server.url}/api/v1/orders/{order_id}/invoices",
                                json={}, timeout=60,
                                headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        responses = list(pool.map(issue, jobs))

    codes = Counter(r.status_code for r in responses)
    assert codes == {201: ORDERS, 409: ORDERS}, [r.text[:200] for r in responses]
    assert all(r.json()["error"]["code"] == "nothing_to_invoice"
               for r in responses if r.status_code == 409)
    db.session.expire_all()
    rows = db.session.execute(select(Invoice.number, Invoice.order_id)
                              .where(Invoice.supplier_id == shop.supplier.id)).all()
    assert sorted(n for n, _ in rows) == list(range(1, ORDERS + 1))
    assert sorted(o for _, o in rows) == sorted(orders)
    numbers = sorted(r.json()["number"] for r in responses if r.status_code == 201)
    assert numbers == [f"INV-{n:05d}" for n in range(1, ORDERS + 1)]
