"""The demo delivery day: a driver, a van per warehouse, a dozen kitchens' orders packed for
the next delivery day around the first warehouse, and its run planned; seeding twice adds
nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.orders.conftest import build_shop
from wholesale.accounts.models import Organization, Role, User
from wholesale.demo_routes import DRIVER_EMAIL, seed_routes
from wholesale.extensions import db
from wholesale.orders.models import Order, OrderStatus
from wholesale.routes.models import Run, Stop, Vehicle


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model.__table__)).scalar_one()


def test_seed_routes_plans_a_day_and_is_idempotent(factory) -> None:
    shop = build_shop(factory)
    run = seed_routes(shop.supplier)
    assert run is not None and run.status.value == "planned"
    assert run.warehouse_id == shop.near.id
    driver = db.session.scalars(select(User).where(User.email == DRIVER_EMAIL)).one()
    assert driver.role is Role.DRIVER and driver.organization_id == shop.supplier.id
    vans = db.session.scalars(select(Vehicle)).all()
    assert {v.warehouse_id for v in vans} == {shop.near.id, shop.far.id} and len(vans) == 2
    orders = db.session.scalars(select(Order).where(Order.po_number.like("DEMO-RUN-%"))).all()
    assert len(orders) == 12 and {o.status for o in orders} == {OrderStatus.PACKED}
    assert {o.requested_delivery_date for o in orders} == {run.date}
    [route] = run.routes
    assert route.driver_id == driver.id
    planned = {s.order_id for s in route.stops} | {u["order_id"] for u in run.unassigned}
    assert planned == {o.id for o in orders} and len(route.stops) >= 10
    assert all(s.window_start for s in route.stops)

    counts = [_count(m) for m in (Order, Run, Stop, Vehicle, User, Organization)]
    assert seed_routes(shop.supplier) is None
    assert [_count(m) for m in (Order, Run, Stop, Vehicle, User, Organization)] == counts
