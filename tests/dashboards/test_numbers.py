"""The dashboards' numbers against hand-computed values on a small fixed data set, with
"now" frozen at Friday 2025-03-14 18:00 UTC (11:00 in the supplier's Los Angeles)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from tests.conftest import login
from tests.invoicing.conftest import place, set_tax, set_terms, ship
from tests.orders.conftest import build_shop
from wholesale.dashboards.buyer import buyer_dashboard
from wholesale.dashboards.supplier import supplier_dashboard
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment import changes, expedite, machine
from wholesale.fulfilment.models import OrderEvent
from wholesale.invoicing import issuing, payments
from wholesale.invoicing.reminders import run_daily_invoicing
from wholesale.orders import rules
from wholesale.orders.models import Order, OrderStatus
from wholesale.purchasing.models import ProductCost
from wholesale.trading.models import PaymentTerms

NOW = datetime(2025, 3, 14, 18, 0, tzinfo=UTC)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _set(order: Order, **values) -> None:
    table = Order.__table__
    db.session.execute(update(table).where(table.c.id == order.id).values(**values))


def _shipped_at(order: Order, when: str) -> None:
    table = OrderEvent.__table__
    db.session.execute(update(table).where(table.c.order_id == order.id,
                                           table.c.to_status == OrderStatus.SHIPPED)
                       .values(created_at=_utc(when)))


@pytest.fixture
def world(factory):
    shop = build_shop(factory)
    set_tax(shop, "10")
    set_terms(shop, PaymentTerms.NET_7)
    a = shop.product({shop.near: 50}, price="10.00")
    b = shop.product({shop.near: 30}, price="4.00", reorder_point=100)  # low on stock
    o1 = place(shop, (a, 5))
    later = rules.valid_delivery_dates(rules.rules_for(shop.supplier.id), utcnow())[2]
    changes.request_change(o1.id, shop.buyer_user, delivery_date=later,
                           reason="Closed that day")
    o2 = place(shop, (b, 10))
    ship(shop, o2, [(o2.lines[0].id, 6)])  # partly shipped: still placed
    o3 = place(shop, (a, 2))
    ship(shop, o3)
    o4 = place(shop, (a, 1))
    ship(shop, o4)
    o5 = place(shop, (b, 3))
    expedite.expedite(o5.id, shop.buyer_user, "Party on Saturday")
    o6 = place(shop, (a, 4))
    machine.transition(o6.id, OrderStatus.CANCELLED, shop.buyer_user, "Ordered twice")

    _set(o1, created_at=_utc("2025-03-14 16:00"), requested_delivery_date=date(2025, 3, 18))
    _set(o2, created_at=_utc("2025-03-10 10:00"), requested_delivery_date=date(2025, 3, 12))
    _set(o3, created_at=_utc("2025-03-01 10:00"), requested_delivery_date=date(2025, 3, 6),
         status=OrderStatus.DELIVERED, status_changed_at=_utc("2025-03-05 12:00"))
    _shipped_at(o3, "2025-03-03 10:00")  # 48 h
    _set(o4, created_at=_utc("2025-03-02 10:00"), requested_delivery_date=date(2025, 3, 7),
         status=OrderStatus.DELIVERED, status_changed_at=_utc("2025-03-08 12:00"))
    _shipped_at(o4, "2025-03-02 16:00")  # 6 h
    _set(o5, created_at=_utc("2025-03-12 09:00"), requested_delivery_date=date(2025, 3, 17))
    _set(o6, created_at=_utc("2025-03-13 09:00"))
    db.session.expire_all()

    issuing.issue(o3.id, shop.supplier_user, now=_utc("2025-03-03 18:00"))  # 20 + 2 tax
    i4 = issuing.issue(o4.id, shop.supplier_user, now=_utc("2025-03-10 18:00"))  # 10 + 1
    issuing.issue(o2.id, shop.supplier_user, now=NOW)  # 24 + 2.40
    run_daily_invoicing(NOW)  # o3's invoice (due Mar 10) is overdue
    first = issuing.lock(i4.id - 1)
    payments.pay_invoice(shop.supplier_user, first.id, amount="5.00", paid_on="2025-03-14",
                         method="cash", now=NOW)
    return shop, (o1, o2, o3, o4, o5, o6)


def test_supplier_dashboard_numbers(world) -> None:
    shop, _orders = world
    d = supplier_dashboard(shop.supplier, NOW)
    assert d.today == date(2025, 3, 14)
    assert d.today_orders == 1
    assert d.open_by_status == {"placed": 3, "received": 0, "picking": 0, "packed": 0,
                                "shipped": 0}
    assert (d.late, d.expedited, d.pending_changes) == (1, 1, 1)
    assert (d.delivered, d.on_time, d.on_time_rate) == (2, 1, 0.5)
    assert d.avg_hours_to_ship == 27.0  # (48 + 6) / 2; o2 has not fully shipped
    assert (d.units_shipped, d.units_ordered) == (9, 13)  # o2: 6 of 10, o3 2, o4 1
    assert d.revenue_by_week[0] == (date(2025, 1, 20), Decimal("0.00"))
    assert d.revenue_by_week[-2:] == [(date(2025, 3, 3), Decimal("20.00")),
                                      (date(2025, 3, 10), Decimal("34.00"))]
    assert [(p.name, p.units, p.amount) for p in d.top_products] == [
        (shop.products[0].name, 8, Decimal("80.00")),
        (shop.products[1].name, 13, Decimal("52.00"))]
    assert [(b.name, b.units, b.amount) for b in d.top_buyers] == [
        ("Bistro Verde", 5, Decimal("132.00"))]
    assert d.low_stock == 1
    assert (d.overdue_count, d.overdue_amount) == (1, Decimal("17.00"))


def test_buyer_dashboard_numbers(world) -> None:
    shop, (o1, o2, _o3, _o4, o5, _o6) = world
    d = buyer_dashboard(shop.buyer, NOW)
    assert d.open_count == 3
    assert [o.id for o in d.open_orders] == [o2.id, o5.id, o1.id]  # by ETA
    assert d.months == ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03"]
    assert d.spend == {"Golden Gate Provisions": {
        **{m: Decimal("0.00") for m in d.months[:-1]}, "2025-03": Decimal("59.40")}}
    assert [i.due_date for i in d.invoices_due] == [date(2025, 3, 10), date(2025, 3, 17),
                                                   date(2025, 3, 21)]
    assert d.due_total == Decimal("54.40")
    assert all(m.kind != "note" for m in d.messages)


def test_dashboard_pages_link_to_filtered_lists(world, client) -> None:
    shop, _ = world
    db.session.commit()
    login(client, shop.supplier_user)
    page = client.get("/?at=2025-03-14T18:00:00%2B00:00").get_data(as_text=True)
    assert 'href="/board?late=1"' in page and 'href="/board?expedited=1"' in page
    assert 'href="/invoices?status=overdue"' in page and 'href="/inventory/low"' in page
    assert "placed_from=2025-03-14" in page and "/orders?status=placed" in page
    assert "vendor/chart.umd.min.js" in page and "17.00" in page
    login(client, shop.buyer_user)
    page = client.get("/?at=2025-03-14T18:00:00%2B00:00").get_data(as_text=True)
    assert "54.40" in page and "Open orders" in page


def test_new_organization_keeps_the_getting_started_page(client, factory) -> None:
    supplier = factory.supplier()
    db.session.commit()
    login(client, factory.owner(supplier))
    assert "Getting started" in client.get("/").get_data(as_text=True)


def test_margins_next_to_revenue_from_the_moving_average_cost(world, client) -> None:
    shop, _orders = world
    a, b = shop.products
    db.session.add(ProductCost(supplier_id=shop.supplier.id, product_id=a.id,
                               average_cost=Decimal("6.2500"), currency="USD"))
    db.session.flush()
    d = supplier_dashboard(shop.supplier, NOW)
    # a: 8 units for 80.00 at 6.25 → 30.00; b has no cost yet: no margin.
    assert [(p.name, p.margin, p.margin_rate) for p in d.top_products] == [
        (a.name, Decimal("30.00"), 0.375), (b.name, None, None)]
    # The buyer's costed lines are a's: 80.00 of its 132.00.
    [buyer] = d.top_buyers
    assert (buyer.amount, buyer.costed_amount, buyer.margin) == (
        Decimal("132.00"), Decimal("80.00"), Decimal("30.00"))
    db.session.commit()
    login(client, shop.supplier_user)
    page = client.get("/", query_string={"at": NOW.isoformat()}).get_data(as_text=True)
    assert "80.00 USD<span class=\"dash-margin\" data-margin>margin 30.00 USD (37.5 %)</span>" \
        in page
    assert "132.00 USD<span class=\"dash-margin\" data-margin>margin 30.00 USD (37.5 %) on the " \
        "80.00 USD with a cost</span>" in page
