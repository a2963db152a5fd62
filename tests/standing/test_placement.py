"""The supplier's rules when a standing order is saved (order multiples, the minimum order
value), and what the placement at the cut-off does with a shortfall: the normal backorder
rules — a backorder when the product and the supplier allow it, else a failure with the
reason, nothing placed, both sides told."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from messaging.notifications.models import Notification
from tests.api.util import assert_error, commit
from tests.drafts.conftest import Shop
from tests.standing.conftest import body, next_monday
from wholesale.catalog.models import Product
from wholesale.extensions import db
from wholesale.orders import rules as ordering_rules
from wholesale.orders.models import Order
from wholesale.standing import scheduler, services
from wholesale.standing.models import OccurrenceStatus, StandingOccurrence, StandingOrder
from wholesale.tenancy import as_tenant


def _count_standing() -> int:
    with as_tenant(None):
        return len(db.session.scalars(select(StandingOrder.id)).all())


def test_multiples_and_the_minimum_order_value_are_checked_when_saved(shop: Shop) -> None:
    with as_tenant(None):
        db.session.get(Product, shop.products["LEM"]).order_multiple = 2
        ordering_rules.new_rules(shop.supplier_id).min_order_value = Decimal("500.00")
    commit()
    response = shop.buyer.post("/api/v1/standing-orders", json=body(shop, lines=[
        {"product_id": shop.products["LEM"], "quantity": 3}]))
    error = assert_error(response, 422, "validation_error", ("lines.0.quantity",))
    assert "multiples of 2" in error["fields"]["lines.0.quantity"][0]
    response = shop.buyer.post("/api/v1/standing-orders", json=body(shop, lines=[
        {"product_id": shop.products["LEM"], "quantity": 2}]))
    error = assert_error(response, 422, "validation_error", ("lines",))
    assert "minimum order value is 500.00" in error["fields"]["lines"][0]
    assert _count_standing() == 0
    ok = shop.buyer.post("/api/v1/standing-orders", json=body(shop, lines=[
        {"product_id": shop.products["LEM"], "quantity": 12}]))
    assert ok.status_code == 201, ok.json


def test_a_shortfall_follows_the_backorder_rules(shop: Shop) -> None:
    with as_tenant(None):  # 40 cs romaine in stock, backorderable; 20 cs eggs, not
        db.session.get(Product, shop.products["LET-HRT"]).allow_backorder = True
    commit()
    romaine = shop.buyer.post("/api/v1/standing-orders", json=body(shop, lines=[
        {"product_id": shop.products["LET-HRT"], "quantity": 50}])).json
    eggs = shop.buyer.post("/api/v1/standing-orders", json=body(shop, lines=[
        {"product_id": shop.products["EGG"], "quantity": 25}])).json
    tuesday = next_monday() + timedelta(days=1)
    calendar = services.calendar_for(shop.supplier_id)
    counts = scheduler.run_due(calendar.place_at(tuesday))
    assert (counts.placed, counts.failed) == (1, 1)
    with as_tenant(None):
        rows = {row.standing_order_id: row for row in db.session.scalars(
            select(StandingOccurrence).where(StandingOccurrence.scheduled_on == tuesday))}
        placed, failed = rows[romaine["id"]], rows[eggs["id"]]
        assert placed.status is OccurrenceStatus.PLACED
        order = db.session.get(Order, placed.order_id)
        [backorder] = order.backorders
        assert [(ln.sku, ln.quantity) for ln in order.lines] == [("LET-HRT", 40)]
        assert [(ln.sku, ln.quantity) for ln in backorder.lines] == [("LET-HRT", 10)]
        assert failed.status is OccurrenceStatus.FAILED and failed.order_id is None
        assert "Only 20 case of EGG available" in failed.reason
        egg_orders = db.session.scalars(select(Order).where(
            Order.id != order.id, Order.id != backorder.id)).all()
        assert egg_orders == []
        told = db.session.scalars(select(Notification.recipient_side).where(
            Notification.event == "standing_order_failed")).all()
        assert set(told) == {"buyer", "supplier"}
