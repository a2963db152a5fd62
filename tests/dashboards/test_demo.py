"""The demo looks like a business (#18.12): a dozen buyers with their own located
deliveries, three months of orders, invoices paid and overdue, a second supplier the demo
buyer also orders from — and the dashboards' figures are real on it (#18.10). Seeding the
whole demo is slow: this is the one test here that does it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from wholesale.accounts.models import Organization, OrgKind
from wholesale.dashboards.buyer import buyer_dashboard
from wholesale.dashboards.supplier import supplier_dashboard
from wholesale.db import utcnow
from wholesale.demo import seed_demo
from wholesale.demo_bakery import BAKERY_NAME
from wholesale.extensions import db
from wholesale.invoicing.models import Invoice, InvoiceStatus
from wholesale.orders.models import Order, OrderStatus
from wholesale.sites.models import DeliveryLocation
from wholesale.trading.models import TradingRelationship

EVERYTHING = {"all_tenants": True}


def test_the_demo_has_three_months_of_business_and_real_dashboard_figures(db_session
                                                                         ) -> None:
    supplier, buyer = seed_demo()
    now = utcnow()
    rel = TradingRelationship.__table__.c
    customers = db.session.scalars(select(rel.buyer_id).where(
        rel.supplier_id == supplier.id).execution_options(**EVERYTHING)).all()
    assert len(customers) >= 13
    located = db.session.scalar(select(func.count(func.distinct(DeliveryLocation.buyer_id)))
                                .where(DeliveryLocation.buyer_id.in_(customers),
                                       DeliveryLocation.latitude.is_not(None))
                                .execution_options(**EVERYTHING))
    assert located == len(customers)
    o = Order.__table__.c
    ordering = db.session.execute(select(
        func.count(func.distinct(o.buyer_id)), func.min(o.created_at))
        .where(o.supplier_id == supplier.id, o.status == OrderStatus.DELIVERED)
        .execution_options(**EVERYTHING)).one()
    assert ordering[0] >= 12
    assert now - ordering[1].replace(tzinfo=now.tzinfo) > timedelta(days=60)
    statuses = set(db.session.scalars(select(Invoice.status).where(
        Invoice.supplier_id == supplier.id).execution_options(**EVERYTHING)))
    assert {InvoiceStatus.PAID, InvoiceStatus.OVERDUE} <= statuses

    d = supplier_dashboard(supplier, now)
    assert d.fill_rate is not None and 0.8 < d.fill_rate < 1
    assert d.avg_hours_to_ship is not None and d.avg_hours_to_ship >= 12
    assert d.on_time_rate is not None and 0.5 < d.on_time_rate < 1
    assert len(d.top_buyers) == 5 and d.currency == "USD"
    assert sum(1 for _, amount in d.revenue_by_week if amount > 0) >= 6

    bakery = db.session.scalars(select(Organization).where(
        Organization.name == BAKERY_NAME, Organization.kind == OrgKind.SUPPLIER)
        .execution_options(**EVERYTHING)).one()
    spend = buyer_dashboard(buyer, now).spend
    assert set(spend) == {supplier.name, bakery.name}
    assert sum(1 for month in spend[bakery.name].values() if month > 0) >= 2

    counts = db.session.scalar(select(func.count(Order.id)).execution_options(**EVERYTHING))
    seed_demo()
    assert db.session.scalar(select(func.count(Order.id))
                             .execution_options(**EVERYTHING)) == counts
