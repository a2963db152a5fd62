"""The Shippo tracking webhook (CONTRACT.md §5): `POST /webhooks/shippo/track/<secret>` with
bodies the SDK's WebhookPayloadTrack model accepts (built by the fake Shippo). TRANSIT
updates the shipment, DELIVERED delivers the order once every shipment is delivered,
FAILURE/RETURNED are announced, a later carrier ETA sends one delay notice; a wrong secret
is 404, an unknown tracking number a clear 404, duplicates are applied once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from messaging.chat.models import Message
from messaging.notifications.models import Notification
from tests.fulfilment.conftest import place
from tests.fulfilment.fake_shippo import FakeShippo
from tests.orders.conftest import Shop
from wholesale import signals
from wholesale.extensions import db
from wholesale.fulfilment import shipments
from wholesale.fulfilment.models import OrderEvent, Shipment, TrackingUpdate
from wholesale.orders.models import Order, OrderStatus


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeShippo]:
    server = FakeShippo()  # only builds (and checks) payloads: never started
    yield server
    assert server.shape_errors == []


@pytest.fixture
def hook(app, client):
    def post(body: Any, secret: str | None = None) -> Any:
        db.session.commit()
        secret = secret or app.config["SHIPPO_WEBHOOK_SECRET"]
        return client.post(f"/webhooks/shippo/track/{secret}", json=body)

    return post


@pytest.fixture
def problems() -> Iterator[list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def receive(sender: Any, **kwargs: Any) -> None:
        seen.append(kwargs)

    signals.shipment_problem.connect(receive)
    yield seen
    signals.shipment_problem.disconnect(receive)


def _shipped(shop: Shop, quantity: int = 4, *numbers: str) -> tuple[Order, list[Shipment]]:
    """An order shipped in one shipment per tracking number (the last takes the rest)."""
    order = place(shop, (shop.product({shop.near: 20}), quantity))
    made = []
    for index, number in enumerate(numbers):
        lines = None if index == len(numbers) - 1 else [
            {"line_id": order.lines[0].id, "quantity": 1}]
        made.append(shipments.ship(order.id, shop.supplier_user, carrier="USPS",
                                   tracking_number=number, lines=lines))
    return order, made


def _status(order: Order) -> OrderStatus:
    db.session.expire_all()
    return db.session.get(Order, order.id).status


def test_a_wrong_secret_is_404_and_changes_nothing(shop, hook, fake):
    order, [shipment] = _shipped(shop, 2, "9400111")
    response = hook(fake.track_payload("9400111", "DELIVERED"), secret="wrong")
    assert response.status_code == 404
    assert _status(order) is OrderStatus.SHIPPED


def test_transit_updates_the_shipment_once(shop, hook, fake):
    order, [shipment] = _shipped(shop, 2, "9400222")
    body = fake.track_payload("9400222", "TRANSIT", event_id="evt-1", details="Left Oakland")
    assert hook(body).get_json() == {"outcome": "transit"}
    assert hook(body).get_json() == {"outcome": "duplicate"}
    db.session.expire_all()
    assert db.session.get(Shipment, shipment.id).tracking_status == "TRANSIT"
    assert db.session.get(Shipment, shipment.id).tracking_details == "Left Oakland"
    count = db.session.execute(select(func.count()).select_from(TrackingUpdate)).scalar_one()
    assert count == 1


def test_delivered_delivers_the_order_when_every_shipment_is(shop, hook, fake):
    order, [first, second] = _shipped(shop, 4, "9400301", "9400302")
    assert _status(order) is OrderStatus.SHIPPED
    first_body = fake.track_payload("9400301", "DELIVERED")
    assert hook(first_body).get_json() == {"outcome": "shipment_delivered"}
    assert _status(order) is OrderStatus.SHIPPED
    assert hook(fake.track_payload("9400302", "DELIVERED")).get_json() == {
        "outcome": "order_delivered"}
    assert _status(order) is OrderStatus.DELIVERED
    assert hook(first_body).get_json() == {"outcome": "duplicate"}
    events = db.session.scalars(select(OrderEvent).where(
        OrderEvent.order_id == order.id, OrderEvent.to_status == OrderStatus.DELIVERED)).all()
    assert len(events) == 1 and events[0].actor_id is None
    assert events[0].side.value == "system"


def test_a_partly_shipped_order_is_not_delivered(shop, hook, fake):
    order = place(shop, (shop.product({shop.near: 20}), 4))
    shipments.ship(order.id, shop.supplier_user, carrier="USPS", tracking_number="9400401",
                   lines=[{"line_id": order.lines[0].id, "quantity": 1}])
    assert hook(fake.track_payload("9400401", "DELIVERED")).get_json() == {
        "outcome": "shipment_delivered"}
    assert _status(order) is OrderStatus.PLACED


def test_an_unknown_tracking_number_is_a_clear_404(shop, hook, fake):
    order, _ = _shipped(shop, 2, "9400501")
    response = hook(fake.track_payload("0000000", "DELIVERED"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_tracking_number"
    assert _status(order) is OrderStatus.SHIPPED
    assert hook({"data": {"tracking_number": "9400501"}}).status_code == 400
    malformed = hook("not an object")
    assert malformed.status_code == 400 and "error" in malformed.get_json()


def test_failure_and_returned_are_announced(shop, hook, fake, problems):
    order, [shipment] = _shipped(shop, 2, "9400601")
    body = fake.track_payload("9400601", "FAILURE", details="Address not found")
    assert hook(body).get_json() == {"outcome": "failure"}
    hook(body)  # Shippo retries: announced once
    assert [(p["status"], p["details"], p["shipment"].id) for p in problems] == [
        ("FAILURE", "Address not found", shipment.id)]
    assert problems[0]["order"].id == order.id and problems[0]["actor"] is None
    hook(fake.track_payload("9400601", "RETURNED"))
    assert [p["status"] for p in problems] == ["FAILURE", "RETURNED"]


def test_a_failure_reaches_the_thread_and_the_supplier(shop, hook, fake):
    order, [shipment] = _shipped(shop, 2, "9400651")
    body = fake.track_payload("9400651", "FAILURE", details="Business closed")
    hook(body)
    hook(body)  # Shippo delivers it again
    db.session.expire_all()
    posted = db.session.scalars(select(Message).where(
        Message.order_id == order.id, Message.event_type == "shipment_problem")
        .execution_options(all_tenants=True)).all()
    assert [m.body for m in posted] == ["USPS could not deliver it (tracking 9400651). "
                                        "Business closed"]
    sent = db.session.scalars(select(Notification).where(
        Notification.order_id == order.id, Notification.event == "shipment_problem")
        .execution_options(all_tenants=True)).all()
    assert sent and {n.organization_id for n in sent} == {shop.supplier.id}


def test_a_later_carrier_eta_sends_the_delay_notice_once(shop, hook, fake, sent):
    order, [shipment] = _shipped(shop, 2, "9400701")
    promised = order.requested_delivery_date
    later = (promised + timedelta(days=2)).isoformat() + "T18:00:00Z"
    hook(fake.track_payload("9400701", "TRANSIT", eta=promised.isoformat() + "T12:00:00Z"))
    assert sent.of("order_delayed") == []  # on time: nothing to say
    hook(fake.track_payload("9400701", "TRANSIT", eta=later))
    hook(fake.track_payload("9400701", "TRANSIT",
                            eta=(promised + timedelta(days=3)).isoformat() + "T18:00:00Z"))
    (delayed,) = sent.of("order_delayed")
    assert delayed.kwargs["new_eta"] == promised + timedelta(days=2)
    assert delayed.kwargs["actor"] is None
    db.session.expire_all()
    assert db.session.get(Order, order.id).eta == promised + timedelta(days=2)
