"""Concurrent changes of one order over real HTTP (gunicorn, threads): the order row lock
makes them run one after the other, so only one of several identical moves applies, and a
cancel racing a shipment either ships or cancels — never both, never releasing twice.

Runs on SQLite (BEGIN IMMEDIATE) and PostgreSQL (SELECT … FOR UPDATE)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from sqlalchemy import func, select

from tests.factories import Factory
from tests.orders.conftest import build_shop
from wholesale.extensions import db
from wholesale.fulfilment.models import EventKind, OrderEvent
from wholesale.inventory.models import MovementKind, StockLevel, StockMovement
from wholesale.orders.models import Channel, Order, OrderStatus
from wholesale.orders.placement import place_order


def _fire(url: str, calls: list[tuple[str, str, dict[str, Any]]]) -> list[requests.Response]:
    barrier = threading.Barrier(len(calls))

    def send(call: tuple[str, str, dict[str, Any]]) -> requests.Response:
        token, path, body = call
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return session.post(url + path, json=body, timeout=60,
                                headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


def _setup(live_db: Factory) -> tuple[int, int, str, str]:
    shop = build_shop(live_db)
    product = shop.product({shop.near: 30})
    order = place_order(**shop.place_kwargs((product, 10), channel=Channel.API)).order
    ids = (order.id, product.id)
    tokens = (live_db.token(shop.supplier_user), live_db.token(shop.buyer_user))
    db.session.commit()
    return *ids, *tokens


def _counts(order_id: int, product_id: int) -> dict[str, Any]:
    result = {
        "status": db.session.scalar(select(Order.status).where(Order.id == order_id)),
        "status_events": db.session.scalar(
            select(func.count()).select_from(OrderEvent.__table__)
            .where(OrderEvent.order_id == order_id, OrderEvent.kind == EventKind.STATUS)),
        "released": db.session.scalar(
            select(func.coalesce(func.sum(-StockMovement.reserved_delta), 0))
            .where(StockMovement.order_id == order_id,
                   StockMovement.kind == MovementKind.RELEASE)),
        "shipped": db.session.scalar(
            select(func.coalesce(func.sum(-StockMovement.on_hand_delta), 0))
            .where(StockMovement.order_id == order_id,
                   StockMovement.kind == MovementKind.SHIPMENT)),
        "level": db.session.execute(
            select(StockLevel.on_hand, StockLevel.reserved)
            .where(StockLevel.product_id == product_id)).one(),
    }
    db.session.commit()
    return result


def test_only_one_of_several_identical_moves_applies(live_server, live_db) -> None:
    order_id, product_id, supplier, buyer = _setup(live_db)
    moves = [(supplier, f"/api/v1/orders/{order_id}/status", {"status": "received"})] * 4
    moves += [(buyer, f"/api/v1/orders/{order_id}/status",
               {"status": "cancelled", "note": "changed our mind"})] * 4
    responses = _fire(live_server.url, moves)
    codes = Counter(r.status_code for r in responses)
    assert codes[200] in (1, 2) and codes[200] + codes[409] == 8, [r.text for r in responses]
    after = _counts(order_id, product_id)
    assert after["status_events"] == codes[200]
    if after["status"] is OrderStatus.CANCELLED:
        assert after["released"] == 10 and tuple(after["level"]) == (30, 0)
    else:
        assert after["status"] is OrderStatus.RECEIVED and codes[200] == 1
        assert after["released"] == 0 and tuple(after["level"]) == (30, 10)


def test_a_cancel_racing_a_shipment(live_server, live_db) -> None:
    order_id, product_id, supplier, buyer = _setup(live_db)
    calls = [(supplier, f"/api/v1/orders/{order_id}/shipments", {"carrier": "UPS"}),
             (buyer, f"/api/v1/orders/{order_id}/status",
              {"status": "cancelled", "note": "too slow"})] * 3
    responses = _fire(live_server.url, calls)
    assert sum(r.status_code in (200, 201) for r in responses) == 1, [r.text for r in responses]
    assert all(r.status_code in (200, 201, 409) for r in responses)
    after = _counts(order_id, product_id)
    if after["status"] is OrderStatus.CANCELLED:
        assert (after["released"], after["shipped"]) == (10, 0)
        assert tuple(after["level"]) == (30, 0)
    else:
        assert after["status"] is OrderStatus.SHIPPED
        assert (after["released"], after["shipped"]) == (0, 10)
        assert tuple(after["level"]) == (20, 0)
