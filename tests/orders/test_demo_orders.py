"""seed_orders(): a few demo orders through the placement service, idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.orders.conftest import Shop
from wholesale.demo_orders import seed_orders
from wholesale.extensions import db
from wholesale.orders.models import Channel, Order


def _count() -> int:
    return db.session.execute(select(func.count()).select_from(Order.__table__)).scalar_one()


def test_seed_orders_is_idempotent(shop: Shop) -> None:
    for _ in range(10):
        shop.product({shop.near: 500, shop.far: 500}, order_multiple=2)
    orders = seed_orders(shop.supplier, shop.buyer)
    assert [o.channel for o in orders] == [Channel.PORTAL, Channel.API, Channel.PHONE]
    assert all(o.lines and o.number for o in orders)
    assert orders[0].contacts and orders[1].po_number
    count = _count()
    again = seed_orders(shop.supplier, shop.buyer)
    assert [o.id for o in again] == [o.id for o in orders]
    assert _count() == count


def test_seed_orders_without_a_catalog_does_nothing(shop: Shop) -> None:
    assert seed_orders(shop.supplier, shop.buyer) == []
    assert _count() == 0
