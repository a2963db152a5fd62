"""The demo seed leaves orders in every stage, and running it again adds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.orders.conftest import build_shop
from wholesale.demo_fulfilment import seed_fulfilment
from wholesale.extensions import db
from wholesale.fulfilment import late
from wholesale.fulfilment.models import ChangeStatus
from wholesale.orders.models import Order, OrderStatus


@pytest.mark.parametrize("with_catalog", [False, True])
def test_seed_covers_every_stage_and_is_idempotent(factory, with_catalog: bool) -> None:
    shop = build_shop(factory)
    if with_catalog:
        from wholesale.demo_catalog import seed_catalog

        seed_catalog(shop.supplier, shop.buyer)
    created = seed_fulfilment(shop.supplier, shop.buyer)
    assert len(created) == 13
    orders = list(db.session.scalars(select(Order).where(Order.supplier_id == shop.supplier.id)))
    by_po = {o.po_number: o for o in orders if o.backorder_of_id is None}
    assert {o.status for o in orders} == set(OrderStatus)
    assert late.is_late(by_po["DEMO-LATE"]) and by_po["DEMO-LATE"].late_notified_at
    assert by_po["DEMO-DELAYED"].delays and by_po["DEMO-DELAYED"].eta is not None
    assert by_po["DEMO-EXPEDITED"].expedited_at is not None
    partial = by_po["DEMO-PARTIAL"]
    assert partial.shipments and partial.status is OrderStatus.RECEIVED
    assert [c.status for c in by_po["DEMO-CHANGE"].delivery_changes] == [ChangeStatus.PENDING]
    backorder = by_po["DEMO-BACKORDER"]
    assert backorder.backorders, "a linked backorder waits for stock"
    count = db.session.scalar(select(func.count(Order.id)).where(
        Order.supplier_id == shop.supplier.id))
    assert seed_fulfilment(shop.supplier, shop.buyer) == []
    assert db.session.scalar(select(func.count(Order.id)).where(
        Order.supplier_id == shop.supplier.id)) == count
