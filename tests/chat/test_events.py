"""Order signals become event messages, in the transaction of the change, broadcast after
its commit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import requests
from blinker import Namespace
from sqlalchemy import select

from messaging.chat import events, outbox
from messaging.chat.models import Message, MessageKind
from tests.chat.util import make_order
from tests.orders.conftest import build_shop
from wholesale import signals
from wholesale.extensions import db, socketio
from wholesale.fulfilment import delays, expedite, machine, shipments
from wholesale.orders.placement import place_order


@pytest.fixture
def emitted(monkeypatch):
    sent: list[tuple[str, dict, list]] = []
    monkeypatch.setattr(socketio, "emit", lambda event, data, to=None, **kw: sent.append(
        (event, data, to)))
    return sent


def _events(order_id: int) -> list[Message]:
    stmt = select(Message).where(Message.order_id == order_id, Message.kind == MessageKind.EVENT)
    return list(db.session.scalars(stmt.order_by(Message.seq).execution_options(
        all_tenants=True)))


def test_every_lifecycle_signal_is_subscribed():
    subscribed = events.subscribe()
    for name in ("order_placed", "order_status_changed", "order_shipped", "order_delayed",
                 "delivery_change_requested", "delivery_change_accepted",
                 "delivery_change_declined", "order_expedited", "backorder_ready", "order_late"):
        assert name in subscribed
    for name in subscribed:
        assert getattr(signals, name).receivers, name


def test_placing_an_order_writes_the_event_and_broadcasts_after_commit(factory, emitted):
    shop = build_shop(factory)
    product = shop.product({shop.near: 50})
    result = place_order(**shop.place_kwargs((product, 5)))
    [event] = _events(result.order.id)
    assert event.event_type == "order_placed" and event.seq == 1 and event.author_id is None
    assert event.body.startswith(f"Order {result.order.display_number} placed by ")
    assert f"#{result.order.number}" not in event.body
    assert emitted == []  # nothing before the commit
    db.session.commit()
    names = [name for name, _, _ in emitted]
    assert names.count("message") == 1 and "order" in names
    message = next(data for name, data, _ in emitted if name == "message")
    assert message["kind"] == "event" and message["event"]["type"] == "order_placed"
    rooms = next(to for name, _, to in emitted if name == "message")
    assert sorted(rooms) == sorted([f"org:{shop.supplier.id}", f"org:{shop.buyer.id}"])


def test_the_lifecycle_appears_in_the_thread(factory, emitted):
    shop = build_shop(factory)
    product = shop.product({shop.near: 50})
    order = place_order(**shop.place_kwargs((product, 5))).order
    supplier_user = shop.supplier_user
    machine.transition(order, "received", supplier_user)
    delays.post_delay(order, supplier_user, reason="Truck broke down",
                      new_eta=(order.requested_delivery_date + timedelta(days=2)).isoformat())
    expedite.expedite(order, shop.buyer_user, "Big event on Friday")
    shipments.ship(order, supplier_user, carrier="UPS", tracking_number="1Z999AA10123456784",
                   tracking_url="https://carrier.example.test/track/1Z999")
    db.session.commit()
    kinds = [m.event_type for m in _events(order.id)]
    # One event per happening: the shipment walks the order to shipped without a message
    # for each step (nor a second "shipped").
    assert kinds == ["order_placed", "status_changed", "delay", "expedite", "shipment"]
    by_kind = {m.event_type: m for m in _events(order.id)}
    number = order.display_number
    assert by_kind["status_changed"].body == (
        f"{supplier_user.name} marked order {number} as received.")
    assert by_kind["shipment"].body.startswith(
        f"{supplier_user.name} shipped order {number} with UPS, tracking 1Z999AA10123456784")
    assert "Truck broke down" in by_kind["delay"].body
    assert by_kind["delay"].data["new_eta"]
    assert "https://carrier.example.test/track/1Z999" in by_kind["shipment"].body
    assert "Big event on Friday" in by_kind["expedite"].body
    seqs = [m.seq for m in _events(order.id)]
    assert seqs == sorted(seqs)
    order_updates = [data for name, data, _ in emitted if name == "order"]
    assert order_updates[-1]["status"] == "shipped"
    assert any(u.get("eta") for u in order_updates)


def test_a_rolled_back_change_leaves_no_event_and_sends_nothing(factory, emitted):
    supplier, buyer = factory.supplier(), factory.buyer()
    factory.connect(supplier, buyer)
    order = make_order(factory, supplier, buyer)
    db.session.commit()
    signals.order_placed.send(supplier, order=order)
    assert len(_events(order.id)) == 1
    db.session.rollback()
    assert _events(order.id) == []
    db.session.commit()
    assert emitted == []


def test_an_event_in_a_rolled_back_savepoint_is_not_broadcast(factory, emitted):
    supplier, buyer = factory.supplier(), factory.buyer()
    factory.connect(supplier, buyer)
    order = make_order(factory, supplier, buyer)
    outbox.queue("order", {"order_id": order.id, "kept": True}, ("x",))
    with pytest.raises(RuntimeError), db.session.begin_nested():
        signals.order_placed.send(supplier, order=order)
        raise RuntimeError("the change failed after its signal")
    assert _events(order.id) == []
    db.session.commit()
    assert [data for _, data, _ in emitted] == [{"order_id": order.id, "kept": True}]


def test_releasing_a_savepoint_is_not_the_commit(factory, emitted):
    outbox.queue("order", {"order_id": 1}, ("x",))
    with db.session.begin_nested():
        outbox.queue("order", {"order_id": 2}, ("x",))
    assert emitted == []
    db.session.commit()
    assert [data["order_id"] for _, data, _ in emitted] == [1, 2]


def test_a_new_signal_needs_one_renderer_entry(factory, emitted, monkeypatch):
    supplier, buyer = factory.supplier(), factory.buyer()
    factory.connect(supplier, buyer)
    order = make_order(factory, supplier, buyer)
    invoiced = Namespace().signal("order-invoiced-test")
    monkeypatch.setattr(signals, "order_invoiced", invoiced, raising=False)
    monkeypatch.setitem(events.RENDERERS, "order_invoiced", lambda order, kwargs: events.Event(
        "invoiced", f"Invoice {kwargs['number']} sent.", {"number": kwargs["number"]}))
    fresh: list = []
    monkeypatch.setattr(events, "_connected", fresh)
    try:
        assert "order_invoiced" in events.subscribe()
        invoiced.send(supplier, order=order, number="INV-7")
    finally:
        # subscribe() connected a second receiver to every real signal too: undo all of them,
        # or every later test would see each event twice.
        for name in events.RENDERERS:
            signal = getattr(signals, name, None)
            for receiver in fresh:
                if signal is not None:
                    signal.disconnect(receiver)
    [event] = _events(order.id)
    assert (event.event_type, event.body) == ("invoiced", "Invoice INV-7 sent.")
    db.session.commit()
    assert [name for name, _, _ in emitted] == ["message"]


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
    # Heard without joining: every connection of the organization gets its new threads.
    update = supplier.wait_for("message", lambda m: m["order_id"] == order_id)
    assert update["kind"] == "event" and update["event"]["type"] == "order_placed"
    joined = supplier.join(order_id)
    assert [m["kind"] for m in joined["messages"]] == ["event"]
    assert joined["messages"][0]["event"]["type"] == "order_placed"
    # A status change through the API arrives as an event and an `order` update.
    supplier.join(order_id)
    changed = requests.post(
        f"{live_server.url}/api/v1/orders/{order_id}/status", json={"status": "received"},
        headers={"Authorization": f"Bearer {supplier_token}"}, timeout=15)
    assert changed.status_code == 200, changed.text
    event = supplier.wait_for("message", lambda m: m["kind"] == "event"
                              and m["event"]["type"] == "status_changed")
    assert "received" in event["body"]
    assert supplier.wait_for("order", lambda o: o["status"] == "received")["order_id"] == order_id


