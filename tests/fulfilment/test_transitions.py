"""The transition table and `transition()`: legal and illegal moves, who may make them,
cancels (reason, release exactly once), events and signals."""

from __future__ import annotations

import pytest

from tests.fulfilment.conftest import movements, place, total_reserved
from tests.orders.conftest import Shop
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.fulfilment import machine
from wholesale.fulfilment.errors import InvalidTransition
from wholesale.fulfilment.models import EventKind, Side
from wholesale.fulfilment.shipments import ship
from wholesale.inventory.models import MovementKind
from wholesale.orders.models import OrderStatus

S = OrderStatus


def test_the_table_is_the_contract() -> None:
    expected = {
        S.PLACED: {S.RECEIVED, S.CANCELLED},
        S.RECEIVED: {S.PICKING, S.CANCELLED},
        S.PICKING: {S.PACKED, S.CANCELLED},
        S.PACKED: {S.SHIPPED, S.CANCELLED},
        S.SHIPPED: {S.DELIVERED, S.PACKED},  # packed: only by refunding a carrier label
        S.DELIVERED: set(),
        S.CANCELLED: set(),
    }
    assert expected == machine.TRANSITIONS


def test_shipped_goes_back_to_packed_only_through_a_label_refund(shop: Shop) -> None:
    order = place(shop, (shop.product({shop.near: 10}), 4))
    ship(order, shop.supplier_user, carrier="UPS")
    assert order.status is S.SHIPPED
    assert machine.allowed_moves(order, Side.SUPPLIER) == [S.DELIVERED]
    with pytest.raises(InvalidTransition, match="refunded"):
        machine.transition(order, S.PACKED, shop.supplier_user)
    assert order.status is S.SHIPPED


def test_supplier_works_an_order_step_by_step_with_events_and_signals(shop: Shop, sent) -> None:
    order = place(shop, (shop.product({shop.near: 10}), 4))
    for status in (S.RECEIVED, S.PICKING, S.PACKED):
        machine.transition(order, status, shop.supplier_user, f"now {status.value}")
    assert order.status is S.PACKED
    events = [e for e in order.events if e.kind is EventKind.STATUS]
    assert [(e.from_status, e.to_status, e.note, e.side, e.actor_id) for e in events] == [
        (S.PLACED, S.RECEIVED, "now received", Side.SUPPLIER, shop.supplier_user.id),
        (S.RECEIVED, S.PICKING, "now picking", Side.SUPPLIER, shop.supplier_user.id),
        (S.PICKING, S.PACKED, "now packed", Side.SUPPLIER, shop.supplier_user.id),
    ]
    changed = sent.of("order_status_changed")
    assert [(s.kwargs["from_status"], s.kwargs["to_status"]) for s in changed] == [
        (S.PLACED, S.RECEIVED), (S.RECEIVED, S.PICKING), (S.PICKING, S.PACKED)]
    first = changed[0]
    assert first.sender is shop.supplier
    assert first.kwargs["order"] is order and first.kwargs["actor"] is shop.supplier_user
    assert first.kwargs["note"] == "now received"


@pytest.mark.parametrize(("path", "target"), [
    ((), S.PICKING), ((), S.PACKED), ((), S.DELIVERED), ((), S.PLACED),
    ((S.RECEIVED,), S.PLACED), ((S.RECEIVED,), S.RECEIVED), ((S.RECEIVED,), S.PACKED),
    ((S.RECEIVED, S.PICKING, S.PACKED), S.DELIVERED),
    ((S.CANCELLED,), S.RECEIVED), ((S.CANCELLED,), S.CANCELLED),
])
def test_illegal_moves_are_409_and_change_nothing(shop: Shop, sent, path, target) -> None:
    order = place(shop, (shop.product({shop.near: 10}), 4))
    for status in path:
        machine.transition(order, status, shop.supplier_user, "step")
    before = (order.status, len(order.events), total_reserved(), len(sent.sent))
    with pytest.raises(DomainError) as refused:
        machine.transition(order.id, target, shop.supplier_user, "nope")
    assert refused.value.code == "invalid_transition" and refused.value.status == 409
    db.session.expire_all()
    assert (order.status, len(order.events), total_reserved(), len(sent.sent)) == before


def test_shipped_comes_only_from_shipments(shop: Shop) -> None:
    order = place(shop, (shop.product({shop.near: 10}), 4))
    for status in (S.RECEIVED, S.PICKING, S.PACKED):
        machine.transition(order, status, shop.supplier_user)
    with pytest.raises(DomainError) as refused:
        machine.transition(order, S.SHIPPED, shop.supplier_user)
    assert refused.value.code == "invalid_transition"
    assert "record a shipment" in refused.value.message


def test_cancel_needs_a_reason_and_releases_the_reservation_exactly_once(shop: Shop,
                                                                          sent) -> None:
    product = shop.product({shop.near: 3, shop.far: 10})
    order = place(shop, (product, 8))  # Sacramento has all 8
    assert total_reserved() == 8
    with pytest.raises(DomainError) as refused:
        machine.transition(order, S.CANCELLED, shop.supplier_user, "   ")
    assert refused.value.code == "validation_error" and "note" in refused.value.fields
    assert order.status is S.PLACED and total_reserved() == 8

    machine.transition(order, S.CANCELLED, shop.supplier_user, "Customer closed for a week")
    assert order.status is S.CANCELLED and total_reserved() == 0
    [release] = movements(order, MovementKind.RELEASE)
    assert (release.warehouse_id, release.reserved_delta, release.on_hand_delta) == (
        shop.far.id, -8, 0)
    assert all(a.released_at is not None for line in order.lines for a in line.allocations)
    assert shop.level(product, shop.far).on_hand == 10
    with pytest.raises(DomainError):
        machine.transition(order, S.CANCELLED, shop.supplier_user, "again")
    assert len(movements(order, MovementKind.RELEASE)) == 1 and total_reserved() == 0
    [event] = [e for e in order.events if e.to_status is S.CANCELLED]
    assert event.data["released_units"] == 8 and event.note == "Customer closed for a week"
    assert sent.of("order_status_changed")[-1].kwargs["to_status"] is S.CANCELLED


def test_buyer_cancels_before_picking_only(shop: Shop) -> None:
    product = shop.product({shop.near: 20})
    early, late = place(shop, (product, 2)), place(shop, (product, 3))
    machine.transition(early, S.RECEIVED, shop.supplier_user)
    machine.transition(early, S.CANCELLED, shop.buyer_user, "Ordered twice by mistake")
    assert early.status is S.CANCELLED
    assert early.events[-1].side is Side.BUYER

    for status in (S.RECEIVED, S.PICKING):
        machine.transition(late, status, shop.supplier_user)
    with pytest.raises(DomainError) as refused:
        machine.transition(late, S.CANCELLED, shop.buyer_user, "Too late?")
    assert refused.value.code == "invalid_transition"
    assert "only before picking" in refused.value.message
    assert late.status is S.PICKING and total_reserved() == 3


@pytest.mark.parametrize("target", [S.RECEIVED, S.PICKING, S.PACKED, S.SHIPPED])
def test_buyer_may_not_work_the_order(shop: Shop, target) -> None:
    order = place(shop, (shop.product({shop.near: 10}), 1))
    with pytest.raises(DomainError) as refused:
        machine.transition(order, target, shop.buyer_user)
    assert refused.value.status == 403 and refused.value.code == "forbidden_role"
    assert "Only the supplier" in refused.value.message
    assert order.status is S.PLACED and len(order.events) == 0


def test_someone_of_another_organization_gets_404(shop: Shop, factory) -> None:
    order = place(shop, (shop.product({shop.near: 10}), 1))
    stranger = factory.owner(factory.supplier())
    with pytest.raises(DomainError) as refused:
        machine.transition(order, S.RECEIVED, stranger)
    assert refused.value.status == 404


def test_a_partly_shipped_order_cannot_be_cancelled(shop: Shop) -> None:
    from wholesale.fulfilment import shipments

    product = shop.product({shop.near: 10})
    order = place(shop, (product, 6))
    shipments.ship(order, shop.supplier_user, carrier="UPS", tracking_number="1Z1",
                   lines=[{"line_id": order.lines[0].id, "quantity": 2}])
    assert S.CANCELLED not in machine.allowed_moves(order, Side.SUPPLIER)
    with pytest.raises(DomainError) as refused:
        machine.transition(order, S.CANCELLED, shop.supplier_user, "changed mind")
    assert refused.value.code == "invalid_transition" and "already shipped" in refused.value.message
    assert total_reserved() == 4


def test_bulk_moves_report_the_orders_that_could_not_move(shop: Shop) -> None:
    product = shop.product({shop.near: 10})
    a, b = place(shop, (product, 1)), place(shop, (product, 1))
    machine.transition(b, S.CANCELLED, shop.supplier_user, "dup")
    result = machine.bulk_transition([a.id, b.id, a.id], S.RECEIVED, shop.supplier_user)
    assert [o.id for o in result.done] == [a.id]
    assert [(i, "cancelled" in why) for i, why in result.failed] == [(b.id, True)]
    assert a.status is S.RECEIVED and b.status is S.CANCELLED


def test_allowed_moves_per_side(shop: Shop) -> None:
    order = place(shop, (shop.product({shop.near: 10}), 1))
    assert machine.allowed_moves(order, Side.SUPPLIER) == [S.RECEIVED, S.CANCELLED]
    assert machine.allowed_moves(order, Side.BUYER) == [S.CANCELLED]
    machine.transition(order, S.RECEIVED, shop.supplier_user)
    machine.transition(order, S.PICKING, shop.supplier_user)
    assert machine.allowed_moves(order, Side.BUYER) == []
