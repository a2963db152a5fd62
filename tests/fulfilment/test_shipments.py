"""Shipments: full and partial, stock effects, tracking URLs, the walk to `shipped`,
delivery with proof, and refusals."""

from __future__ import annotations

import io

import pytest

from tests.fulfilment.conftest import movements, place, total_reserved
from tests.orders.conftest import Shop
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.fulfilment import delivery, machine, shipments
from wholesale.fulfilment.models import EventKind
from wholesale.inventory.models import MovementKind
from wholesale.orders.models import OrderStatus

S = OrderStatus
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(("carrier", "number", "url"), [
    ("UPS", "1Z999AA10123456784", "https://www.ups.com/track?tracknum=1Z999AA10123456784"),
    ("fedex", "123456789012", "https://www.fedex.com/fedextrack/?trknbr=123456789012"),
    ("Federal Express", "1234", "https://www.fedex.com/fedextrack/?trknbr=1234"),
    ("usps", "9400 1000", "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400%201000"),
    ("DHL Express", "JD01", "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
                            "?submit=1&tracking-id=JD01"),
    ("Own van", "R12", None),
    ("UPS", "", None),
])
def test_tracking_urls_for_common_carriers(carrier, number, url) -> None:
    assert shipments.tracking_url_for(carrier, number) == url


def test_partial_then_final_shipment(shop: Shop, sent) -> None:
    apples = shop.product({shop.near: 10})
    pears = shop.product({shop.near: 3, shop.far: 10})
    order = place(shop, (apples, 6), (pears, 5))  # pears: all 5 from Sacramento
    apple_line, pear_line = order.lines
    machine.transition(order, S.RECEIVED, shop.supplier_user)

    first = shipments.ship(order, shop.supplier_user, carrier="ups", tracking_number="1ZA",
                           lines=[{"line_id": apple_line.id, "quantity": 4}])
    assert first.carrier == "UPS" and first.tracking_url.endswith("tracknum=1ZA")
    assert [(ln.order_line_id, ln.warehouse_id, ln.quantity) for ln in first.lines] == [
        (apple_line.id, shop.near.id, 4)]
    assert order.status is S.RECEIVED  # partial: the status stays
    near = shop.level(apples, shop.near)
    assert (near.on_hand, near.reserved) == (6, 2)
    [move] = movements(order, MovementKind.SHIPMENT)
    assert (move.on_hand_delta, move.reserved_delta) == (-4, -4)
    assert sent.of("order_shipped")[0].kwargs["shipment"] is first

    second = shipments.ship(order, shop.supplier_user, carrier="FedEx", tracking_number="77")
    assert sorted((ln.order_line_id, ln.quantity) for ln in second.lines) == sorted(
        [(apple_line.id, 2), (pear_line.id, 5)])
    assert order.status is S.SHIPPED
    assert total_reserved() == 0
    assert shop.level(pears, shop.far).on_hand == 5
    steps = [(e.from_status, e.to_status) for e in order.events if e.kind is EventKind.STATUS]
    assert steps == [(S.PLACED, S.RECEIVED), (S.RECEIVED, S.PICKING), (S.PICKING, S.PACKED),
                     (S.PACKED, S.SHIPPED)]
    assert [e.kind for e in order.events].count(EventKind.SHIPMENT) == 2
    names = sent.names()
    assert names.count("order_shipped") == 2 and names[-1] == "order_status_changed"


def test_shipping_more_than_reserved_is_422_and_changes_nothing(shop: Shop) -> None:
    product = shop.product({shop.near: 2}, allow_backorder=True)
    order = place(shop, (product, 5))  # 2 reserved here, 3 on a backorder
    [line] = order.lines
    assert line.quantity == 2
    with pytest.raises(DomainError) as refused:
        shipments.ship(order, shop.supplier_user, carrier="UPS",
                       lines=[{"line_id": line.id, "quantity": 3}])
    assert refused.value.code == "validation_error"
    assert refused.value.fields == {
        "lines.0.quantity": [f"Only 2 case of {line.sku} can ship now."]}
    assert shop.level(product, shop.near).reserved == 2 and order.shipments == []


def test_bad_lines_and_fields(shop: Shop) -> None:
    product = shop.product({shop.near: 5})
    order = place(shop, (product, 2))
    [line] = order.lines
    cases = [
        ({"carrier": ""}, "carrier"),
        ({"carrier": "UPS", "tracking_url": "javascript:alert(1)"}, "tracking_url"),
        ({"carrier": "UPS", "lines": [{"line_id": 999999, "quantity": 1}]}, "lines.0.line_id"),
        ({"carrier": "UPS", "lines": [{"line_id": line.id, "quantity": 1},
                                      {"line_id": line.id, "quantity": 1}]}, "lines.1.line_id"),
        ({"carrier": "UPS", "lines": [{"line_id": line.id, "quantity": 0}]}, "lines.0.quantity"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as refused:
            shipments.ship(order, shop.supplier_user, **kwargs)
        assert field in refused.value.fields, (kwargs, refused.value.fields)
    assert total_reserved() == 2 and order.shipments == []


def test_nothing_to_ship_on_an_order_waiting_for_stock(shop: Shop) -> None:
    product = shop.product({}, allow_backorder=True)
    order = place(shop, (product, 3))
    with pytest.raises(DomainError) as refused:
        shipments.ship(order, shop.supplier_user, carrier="UPS")
    assert refused.value.code == "nothing_to_ship" and refused.value.status == 409


def test_a_buyer_cannot_ship_and_closed_orders_cannot_ship(shop: Shop) -> None:
    product = shop.product({shop.near: 5})
    order = place(shop, (product, 2))
    with pytest.raises(DomainError) as refused:
        shipments.ship(order, shop.buyer_user, carrier="UPS")
    assert refused.value.status == 403 and refused.value.code == "forbidden_role"
    machine.transition(order, S.CANCELLED, shop.supplier_user, "no longer needed")
    with pytest.raises(DomainError) as refused:
        shipments.ship(order, shop.supplier_user, carrier="UPS")
    assert refused.value.code == "invalid_transition"


def test_delivery_with_proof_photo_by_the_supplier(shop: Shop, app, sent) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 2))
    shipments.ship(order, shop.supplier_user, carrier="Own van")
    photo = delivery.read_photo(io.BytesIO(PNG))
    delivery.deliver(order, shop.supplier_user, "Left with Marco at the back door", photo)
    assert order.status is S.DELIVERED
    event = order.events[-1]
    assert event.note == "Left with Marco at the back door"
    path, content_type = delivery.pod_photo(event.id)
    assert path.read_bytes() == PNG and content_type == "image/png"
    assert path.parent.name == "pod" and path.parent.parent.name == "uploads"
    assert sent.of("order_status_changed")[-1].kwargs["to_status"] is S.DELIVERED


def test_the_buyer_confirms_delivery(shop: Shop) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 2))
    with pytest.raises(DomainError):
        delivery.deliver(order, shop.buyer_user, "Not yet shipped")
    shipments.ship(order, shop.supplier_user, carrier="UPS", tracking_number="1Z")
    delivery.deliver(order, shop.buyer_user, "All there")
    assert order.status is S.DELIVERED and order.events[-1].actor_id == shop.buyer_user.id


def test_photos_are_checked() -> None:
    with pytest.raises(DomainError) as refused:
        delivery.read_photo(io.BytesIO(b"GIF89a" + b"\x00" * 20))
    assert "PNG, JPEG and WebP" in refused.value.fields["photo"][0]
    with pytest.raises(DomainError) as refused:
        delivery.read_photo(io.BytesIO(PNG + b"\x00" * delivery.MAX_PHOTO_BYTES))
    assert "5 MB" in refused.value.fields["photo"][0]
    assert delivery.read_photo(io.BytesIO(b"")) is None


def test_a_refused_delivery_keeps_no_photo(shop: Shop, app) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 2))
    root = delivery.pod_root()
    before = set(root.iterdir()) if root.exists() else set()
    with pytest.raises(DomainError):
        delivery.deliver(order, shop.supplier_user, "", (PNG, "image/png"))
    after = set(root.iterdir()) if root.exists() else set()
    assert after == before
    db.session.rollback()
