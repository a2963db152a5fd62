"""The buyer's numbers: open orders with their ETAs, recent messages (the chat's table,
read with Core so `wholesale` does not import `messaging`; internal notes never), spend
by supplier and month (invoiced totals, void left out, the last 6 months), invoices due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wholesale.accounts.models import Organization, User
from wholesale.dashboards import sql
from wholesale.extensions import db
from wholesale.invoicing.models import OPEN_STATUSES, Invoice, InvoiceStatus
from wholesale.orders.models import Order, OrderStatus

MONTHS = 6

DEFINITIONS = {
    "open": "Your orders not yet delivered or cancelled, soonest ETA first.",
    "due": "What your open invoices still owe (issued, partly paid or overdue), after "
           "payments and credit notes; per currency.",
    "messages": "The latest messages and events in your orders' threads.",
    "spend": "Invoiced totals per supplier and month (tax included, void invoices left out), "
             "over the last 6 months.",
    "invoices": "Open invoices, the earliest due first, with what each still owes.",
}


@dataclass
class Message:
    order_id: int
    order_number: str
    author: str
    body: str
    at: datetime
    kind: str


@dataclass
class BuyerDashboard:
    open_orders: list[Order]
    open_count: int
    messages: list[Message]
    months: list[str]
    spend: dict[str, dict[str, Decimal]]  # supplier name → month → amount
    invoices_due: list[Invoice]
    due_total: Decimal
    has_orders: bool
    due_by_currency: dict[str, Decimal] = field(default_factory=dict)
    spend_currency: dict[str, str] = field(default_factory=dict)  # supplier name → currency


def _months(today: date) -> list[str]:
    year, month = today.year, today.month
    keys = []
    for _ in range(MONTHS):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(keys))


def recent_messages(buyer_id: int, limit: int = 5) -> list[Message]:
    table = db.metadata.tables.get("chat_messages")
    if table is None:
        return []
    o, u = Order.__table__, User.__table__
    rows = db.session.execute(
        select(table.c.order_id, table.c.body, table.c.created_at, table.c.kind,
               u.c.name, o.c.number, Organization.name.label("supplier"))
        .join(o, o.c.id == table.c.order_id)
        .join(Organization, Organization.id == o.c.supplier_id)
        .outerjoin(u, u.c.id == table.c.author_id)
        .where(table.c.buyer_id == buyer_id, table.c.kind != "note")
        .order_by(table.c.id.desc()).limit(limit)
        .execution_options(all_tenants=True)).all()
    from wholesale.orders.numbers import format_number

    return [Message(r[0], format_number(r[6], r[5]), r[4] or "Ordertalk", r[1] or "",
                    r[2], str(getattr(r[3], "value", r[3]))) for r in rows]


def buyer_dashboard(buyer: Organization, now: datetime) -> BuyerDashboard:
    today = now.date()
    # the open statuses named (not "not delivered or cancelled"): a range of
    # ix_orders_buyer_status each, instead of reading the buyer's whole history
    open_ = [s for s in OrderStatus if s not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)]
    o = Order.__table__.c
    open_count = db.session.execute(
        select(func.count()).where(o.buyer_id == buyer.id, o.status.in_(open_))
    ).scalar_one()
    has_orders = open_count > 0 or db.session.execute(
        select(o.id).where(o.buyer_id == buyer.id).limit(1)).first() is not None
    open_orders = list(db.session.scalars(
        select(Order).where(Order.buyer_id == buyer.id, Order.status.in_(open_))
        .options(selectinload(Order.supplier))
        .order_by(func.coalesce(Order.eta, Order.requested_delivery_date), Order.id)
        .limit(8)))

    months = _months(today)
    inv = Invoice.__table__.c
    month = sql.month_key(inv.issue_date)
    rows = db.session.execute(
        select(Organization.name, month, func.sum(inv.total), func.max(inv.currency))
        .join(Organization, Organization.id == inv.supplier_id)
        .where(inv.buyer_id == buyer.id, inv.status != InvoiceStatus.VOID,
               inv.issue_date >= date.fromisoformat(months[0] + "-01"))
        .group_by(Organization.name, month).order_by(Organization.name)
        .execution_options(all_tenants=True)).all()
    spend: dict[str, dict[str, Decimal]] = {}
    spend_currency: dict[str, str] = {}
    for name, key, amount, currency in rows:
        spend.setdefault(name, {m: Decimal("0.00") for m in months})[key] = \
            Decimal(str(amount)).quantize(Decimal("0.01"))
        spend_currency[name] = currency

    invoices_due = list(db.session.scalars(
        select(Invoice).where(Invoice.buyer_id == buyer.id, Invoice.status.in_(OPEN_STATUSES))
        .options(selectinload(Invoice.supplier)).order_by(Invoice.due_date, Invoice.id)
        .limit(8)))
    owed = inv.total - inv.amount_paid - inv.amount_credited
    due = {currency: Decimal(str(amount)).quantize(Decimal("0.01"))
           for currency, amount in db.session.execute(
               select(inv.currency, func.sum(owed))
               .where(inv.buyer_id == buyer.id, inv.status.in_(OPEN_STATUSES))
               .group_by(inv.currency).order_by(inv.currency)).all()}
    return BuyerDashboard(open_orders, int(open_count), recent_messages(buyer.id), months,
                          spend, invoices_due, sum(due.values(), Decimal("0.00")), has_orders,
                          due, spend_currency)


def chart_data(dashboard: BuyerDashboard) -> dict[str, Any]:
    return {"labels": dashboard.months,
            "series": [{"label": name, "data": [float(v) for v in by_month.values()]}
                       for name, by_month in dashboard.spend.items()]}
