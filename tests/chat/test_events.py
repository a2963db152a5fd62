"""Order signals become event messages, in the transaction of the change, broadcast after
its commit."""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import select

from messaging.chat import events
from messaging.chat.models import Message, MessageKind
from tests.chat.util import make_order
from tests.orders.conftest import build_shop
from wholesale import signals
from wholesale.extensions import db, socketio
from wholesale.orders.placement import place_order


@pytest.fixture
def emitted(monkeypatch):
    sent: list[tuple[str, dict, list]] = []
    monkeypatch.setattr(socketio, "emit", lambda event, data, to=None, **kw: sent.append(
        (event, data, to)))
    return sent


def _events(order_id: int) -> list[Message]:
    stmt = select(Message).where(Message.order_id == order_id, Message.kind == MessageKind.EVENT)
    return list(db.session.scalars(stmt.execution_options(all_tenants=True)))


def test_every_signal_that_exists_is_subscribed():
    subscribed = events.subscribe()
    assert "order_placed" in subscribed
    for name in subscribed:
        assert getattr(signals, name).receivers, name


def test_placing_an_order_writes_the_event_and_broadcasts_after_commit(factory, emitted):
    shop = build_shop(factory)
    product = shop.product({shop.near: 50})
    result = place_order(**shop.place_kwargs((product, 5)))
    [event] = _events(result.order.id)
    assert event.event_type == "order_placed" and event.seq == 1 and event.author_id is None
    assert f"#{result.order.number}" in event.body
    assert emitted == []  # nothing before the commit
    db.session.commit()
    names = [name for name, _, _ in emitted]
    assert names.count("message") == 1 and "order" in names and "inbox" in names
    message = next(data for name, data, _ in emitted if name == "message")
    assert message["kind"] == "event" and message["event"]["type"] == "order_placed"
    rooms = next(to for name, _, to in emitted if name == "message")
    assert sorted(rooms) == sorted([f"order:{result.order.id}:supplier",
                                    f"order:{result.order.id}:buyer"])


def test_a_rolled_back_change_leaves_no_event_and_sends_nothing(factory, emitted):
    world_supplier, buyer = factory.supplier(), factory.buyer()
    factory.connect(world_supplier, buyer)
    order = make_order(factory, world_supplier, buyer)
    db.session.commit()
    signals.order_placed.send(world_supplier, order=order)
    assert len(_events(order.id)) == 1
    db.session.rollback()
    assert _events(order.id) == []
    db.session.commit()
    assert emitted == []


def test_a_signal_added_later_needs_one_renderer_entry(factory, emitted, monkeypatch):
    from blinker import Namespace

    supplier, buyer = factory.supplier(), factory.buyer()
    factory.connect(supplier, buyer)
    order = make_order(factory, supplier, buyer)
    shipped = Namespace().signal("order-shipped-test")
    monkeypatch.setattr(signals, "order_shipped", shipped, raising=False)
    monkeypatch.setattr(events, "_connected", [])
    try:
        assert "order_shipped" in events.subscribe()

        class Shipment:
            carrier, tracking_number = "UPS", "1Z999"
            tracking_url = "https://track.example.test/1Z999"

        shipped.send(supplier, order=order, shipment=Shipment())
    finally:
        for receiver in list(shipped.receivers.values()):
            shipped.disconnect(receiver)
    [event] = _events(order.id)
    assert event.event_type == "shipment"
    assert "https://track.example.test/1Z999" in event.body
    db.session.commit()
    assert any(name == "order" for name, _, _ in emitted)


def test_placed_order_event_reaches_a_connected_supplier(live_server, live_db, sockets):
    shop = build_shop(live_db)
    product = shop.product({shop.near: 50})
    supplier_token = live_db.token(shop.supplier_user)
    buyer_token = live_db.token(shop.buyer_user)
    body = shop.body((product, 4))
    db.session.commit()
    supplier = sockets(live_server.url, supplier_token)
    response = requests.post(
        f"{live_server.url}/api/v1/orders", json=body,
        headers={"Authorization": f"Bearer {buyer_token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=15)
    assert response.status_code == 201, response.text
    order_id = response.json()["id"]
    update = supplier.wait_for("inbox", lambda e: e["order_id"] == order_id)
    assert update["message"]["kind"] == "event"
    assert update["message"]["event"]["type"] == "order_placed"
    joined = supplier.join(order_id)
    assert [m["kind"] for m in joined["messages"]] == ["event"]
