"""Arriving stock goes to waiting orders: expedited first, then oldest first; in the
receipt's transaction; `backorder_ready` when an order has everything."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fulfilment.conftest import backordered, place
from tests.orders.conftest import Shop
from wholesale.catalog import csv_import
from wholesale.db import utcnow
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.fulfilment import backorders, expedite, machine, reservations
from wholesale.fulfilment.models import EventKind
from wholesale.inventory import stock
from wholesale.orders.models import OrderStatus


def _aged(order, days: int) -> None:
    order.created_at = utcnow() - timedelta(days=days)
    db.session.flush()


def test_a_receipt_allocates_backorders_oldest_first(shop: Shop, sent) -> None:
    product = shop.product({shop.near: 2}, allow_backorder=True)
    first = place(shop, (product, 5))  # 2 reserved; backorder of 3
    [first_bo] = first.backorders
    second = backordered(shop, (product, 4))  # nothing left: all 4 on a backorder
    _aged(first_bo, 3)
    _aged(second, 1)
    assert backorders.waiting_orders(shop.supplier.id, product.id) == [first_bo.id, second.id]

    stock.receive(shop.supplier_user, shop.far.id, product.id, 5, "PO 17")
    assert reservations.fully_reserved(first_bo)
    assert [(a.warehouse_id, a.quantity) for a in first_bo.lines[0].allocations] == [
        (shop.far.id, 3)]
    assert reservations.reserved_of(second.lines[0]) == 2  # the rest: 2 of 4
    assert shop.level(product, shop.far).reserved == 5
    [ready] = sent.of("backorder_ready")
    assert ready.kwargs["order"] is first_bo and ready.sender is shop.supplier
    assert ready.kwargs["actor"] is None
    assert first_bo.events[-1].kind is EventKind.BACKORDER_READY

    stock.receive(shop.supplier_user, shop.near.id, product.id, 10, "PO 18")
    assert reservations.fully_reserved(second)
    assert [s.kwargs["order"] for s in sent.of("backorder_ready")] == [first_bo, second]
    assert shop.level(product, shop.near).reserved == 2 + 2  # the first order + second's rest


def test_expedited_orders_get_stock_first(shop: Shop) -> None:
    product = shop.product({}, allow_backorder=True)
    old = backordered(shop, (product, 3))
    new = backordered(shop, (product, 3))
    _aged(old, 5)
    expedite.expedite(new, shop.buyer_user, "Festival this weekend")
    stock.receive(shop.supplier_user, shop.near.id, product.id, 3, "PO 9")
    assert reservations.fully_reserved(new)
    assert reservations.reserved_of(old.lines[0]) == 0


def test_cancelled_and_shipped_orders_do_not_wait(shop: Shop) -> None:
    product = shop.product({}, allow_backorder=True)
    cancelled = backordered(shop, (product, 2))
    machine.transition(cancelled, OrderStatus.CANCELLED, shop.buyer_user, "found it cheaper")
    stock.receive(shop.supplier_user, shop.near.id, product.id, 2, "PO")
    assert cancelled.lines[0].allocations == []
    assert shop.level(product, shop.near).reserved == 0


def test_the_allocation_is_part_of_the_receipt_transaction(shop: Shop) -> None:
    product = shop.product({shop.near: 0}, allow_backorder=True)
    order = backordered(shop, (product, 2))
    db.session.commit()
    with pytest.raises(RuntimeError), db.session.begin_nested():
        stock.receive(shop.supplier_user, shop.near.id, product.id, 2, "PO")
        assert reservations.fully_reserved(order)
        raise RuntimeError("the receipt fails after the allocation")
    db.session.expire_all()
    assert reservations.reserved_of(order.lines[0]) == 0
    assert shop.level(product, shop.near).on_hand == 0


def test_a_positive_adjustment_allocates_in_its_transaction(shop: Shop, sent) -> None:
    product = shop.product({shop.near: 0}, allow_backorder=True)
    order = backordered(shop, (product, 2))
    stock.adjust(shop.supplier_user, shop.near.id, product.id, 5, "found a pallet")
    db.session.expire_all()
    assert reservations.fully_reserved(order)
    assert shop.level(product, shop.near).reserved == 2
    assert [s.kwargs["order"].id for s in sent.of("backorder_ready")] == [order.id]


def test_a_negative_adjustment_allocates_nothing(shop: Shop) -> None:
    product = shop.product({shop.near: 4}, allow_backorder=True)
    order = place(shop, (product, 6))  # 4 reserved, backorder of 2
    [backorder] = order.backorders
    with pytest.raises(DomainError):
        stock.adjust(shop.supplier_user, shop.near.id, product.id, -1, "broken case")
    db.session.rollback()
    assert reservations.reserved_of(backorder.lines[0]) == 0


def test_a_csv_stock_import_allocates_what_orders_wait_for(shop: Shop, sent) -> None:
    waited_for = shop.product({}, allow_backorder=True)
    not_waited_for = shop.product({}, allow_backorder=True)
    order = backordered(shop, (waited_for, 3))
    rows = (f"sku,warehouse,quantity\n{waited_for.sku},{shop.far.name},5\n"
            f"{not_waited_for.sku},{shop.near.name},7\n")
    report = csv_import.import_stock(shop.supplier_user, rows.encode(), mode="add",
                                     dry_run=False)
    assert report.ok and report.updates == 2
    db.session.expire_all()
    assert reservations.fully_reserved(order)
    assert [(a.warehouse_id, a.quantity) for a in order.lines[0].allocations] == [
        (shop.far.id, 3)]
    assert shop.level(not_waited_for, shop.near).reserved == 0
    assert [s.kwargs["order"].id for s in sent.of("backorder_ready")] == [order.id]


def test_only_products_someone_waits_for_are_looked_at(shop: Shop) -> None:
    waited_for = shop.product({}, allow_backorder=True)
    others = [shop.product({}) for _ in range(3)]
    backordered(shop, (waited_for, 2))
    ids = [waited_for.id, *(p.id for p in others)]
    assert backorders.products_waited_for(shop.supplier.id, ids) == {waited_for.id}
    assert backorders.products_waited_for(shop.supplier.id, []) == set()


def test_the_order_left_without_lines_is_not_worked_nor_late_its_backorder_is(
        shop: Shop, sent) -> None:
    from wholesale.fulfilment import board, late

    product = shop.product({shop.near: 0}, allow_backorder=True)
    backorder = backordered(shop, (product, 3))
    parent = backorder.backorder_of
    today = late.supplier_today(shop.supplier.id)
    for order in (parent, backorder):
        order.requested_delivery_date = today - timedelta(days=2)
    db.session.flush()
    placed = {c.status: c for c in board.board(shop.supplier, board.BoardFilters())}
    assert [c.order.id for c in placed[OrderStatus.PLACED].cards] == [backorder.id]
    assert late.flag_late_orders(utcnow()) == [backorder.id]
    assert [s.kwargs["order"] for s in sent.of("order_late")] == [backorder]
