"""Receivables: aging buckets, a buyer's statement, the accounting CSV.

Aging, as of a day, sorts what each live invoice still owed that day (its total less the
payments dated up to that day and the credit notes issued up to that day) by how many days
it is past due: current (not due yet, or due that day), 1–30, 31–60, 61–90, over 90.
Computed in one aggregate query; void invoices are left out.

A statement for a period starts from the opening balance (everything invoiced before the
period less what was paid or credited before it), lists the period's invoices, credit
notes and payments by date with a running balance, and closes with the balance and the
aging as of the period's last day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal, select, union_all

from wholesale.csv_writer import CSVText
from wholesale.extensions import db
from wholesale.invoicing.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
)
from wholesale.invoicing.money import ZERO

BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
BUCKET_LABELS = {"current": "Current", "1_30": "1–30 days", "31_60": "31–60 days",
                 "61_90": "61–90 days", "over_90": "Over 90 days"}


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _open_amounts(as_of: date) -> Any:
    """A subquery: per live invoice issued by `as_of`, what it still owed that day."""
    inv = Invoice.__table__.c
    pa, pay = PaymentAllocation.__table__.c, Payment.__table__.c
    cn = CreditNote.__table__.c
    paid = (select(func.coalesce(func.sum(pa.amount), 0))
            .select_from(PaymentAllocation.__table__.join(Payment.__table__,
                                                           pay.id == pa.payment_id))
            .where(pa.invoice_id == inv.id, pay.paid_on <= as_of).scalar_subquery())
    credit = (select(func.coalesce(func.sum(cn.total), 0))
              .where(cn.invoice_id == inv.id, cn.issue_date <= as_of).scalar_subquery())
    return (select(inv.id, inv.supplier_id, inv.buyer_id, inv.due_date, inv.currency,
                   (inv.total - paid - credit).label("owed"))
            .where(inv.status != InvoiceStatus.VOID, inv.issue_date <= as_of)
            .subquery())


def _bucket_columns(owed: Any, due: Any, as_of: date) -> list[Any]:
    def total(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, owed), else_=0)), 0)

    d30, d60, d90 = (as_of - timedelta(days=n) for n in (30, 60, 90))
    return [
        total(due >= as_of).label("current"),
        total(and_(due < as_of, due >= d30)).label("1_30"),
        total(and_(due < d30, due >= d60)).label("31_60"),
        total(and_(due < d60, due >= d90)).label("61_90"),
        total(due < d90).label("over_90"),
    ]


@dataclass
class AgingRow:
    buyer_id: int
    buyer_name: str
    buckets: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def aging(supplier_id: int, as_of: date, buyer_id: int | None = None) -> list[AgingRow]:
    """Per buyer that owes something: the five buckets (one query)."""
    from wholesale.accounts.models import Organization

    owed = _open_amounts(as_of)
    org = Organization.__table__.c
    stmt = (select(owed.c.buyer_id, org.name, *_bucket_columns(owed.c.owed, owed.c.due_date,
                                                                 as_of))
            .join(Organization.__table__, org.id == owed.c.buyer_id)
            .where(owed.c.supplier_id == supplier_id, owed.c.owed > 0)
            .group_by(owed.c.buyer_id, org.name).order_by(org.name))
    if buyer_id is not None:
        stmt = stmt.where(owed.c.buyer_id == buyer_id)
    rows = []
    for row in db.session.execute(stmt).mappings():
        rows.append(AgingRow(row["buyer_id"], row["name"],
                             {b: _money(row[b]) for b in BUCKETS}))
    return rows


def aging_totals(rows: list[AgingRow]) -> dict[str, Decimal]:
    return {b: sum((r.buckets[b] for r in rows), ZERO) for b in BUCKETS}


@dataclass
class Entry:
    day: date
    kind: str  # invoice, credit_note, payment
    reference: str
    detail: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = ZERO
    id: int = 0


@dataclass
class Statement:
    supplier_id: int
    buyer_id: int
    start: date
    end: date
    opening: Decimal
    entries: list[Entry] = field(default_factory=list)
    closing: Decimal = ZERO
    aging: dict[str, Decimal] = field(default_factory=dict)


def _movements(supplier_id: int, buyer_id: int) -> Any:
    """Every invoice (debit), credit note and payment (credits) of the pair, as one union."""
    inv, cn, pay = Invoice.__table__.c, CreditNote.__table__.c, Payment.__table__.c
    return union_all(
        select(inv.issue_date.label("day"), literal("invoice").label("kind"),
               inv.id.label("id"), inv.number.label("number"), inv.total.label("debit"),
               literal(0).label("credit"), inv.due_date.label("due"),
               literal("").label("reference"))
        .where(inv.supplier_id == supplier_id, inv.buyer_id == buyer_id,
               inv.status != InvoiceStatus.VOID),
        select(cn.issue_date, literal("credit_note"), cn.id, cn.number, literal(0), cn.total,
               literal(None), literal(""))
        .where(cn.supplier_id == supplier_id, cn.buyer_id == buyer_id),
        select(pay.paid_on, literal("payment"), pay.id, literal(0), literal(0), pay.amount,
               literal(None), pay.reference)
        .where(pay.supplier_id == supplier_id, pay.buyer_id == buyer_id),
    ).subquery()


def statement(supplier_id: int, buyer_id: int, start: date, end: date) -> Statement:
    moves = _movements(supplier_id, buyer_id)
    opening = db.session.execute(
        select(func.coalesce(func.sum(moves.c.debit - moves.c.credit), 0))
        .where(moves.c.day < start)).scalar_one()
    result = Statement(supplier_id, buyer_id, start, end, _money(opening))
    rows = db.session.execute(
        select(moves).where(moves.c.day >= start, moves.c.day <= end)
        .order_by(moves.c.day, case((moves.c.kind == "invoice", 0), else_=1), moves.c.id))
    balance = result.opening
    for row in rows.mappings():
        debit, credit = _money(row["debit"]), _money(row["credit"])
        balance += debit - credit
        if row["kind"] == "invoice":
            ref, detail = f"INV-{row['number']:05d}", f"Due {_day(row['due'])}"
        elif row["kind"] == "credit_note":
            ref, detail = f"CN-{row['number']:05d}", "Credit note"
        else:
            ref, detail = "Payment", row["reference"] or ""
        result.entries.append(Entry(_day(row["day"]), row["kind"], ref, detail, debit,
                                    credit, balance, row["id"]))
    result.closing = balance
    rows_ = aging(supplier_id, end, buyer_id)
    result.aging = rows_[0].buckets if rows_ else {b: ZERO for b in BUCKETS}
    return result


def _day(value: Any) -> Any:
    if isinstance(value, str):  # SQLite through a union: plain text
        return date.fromisoformat(value[:10])
    return value


# -- CSV for accounting ------------------------------------------------------------------

CSV_HEADER = ("type", "number", "date", "due_date", "buyer", "order", "po_number",
              "currency", "subtotal", "tax", "total", "paid", "credited", "balance", "status",
              "method", "reference", "applies_to")


def journal_csv(supplier_id: int, start: date, end: date) -> Iterator[str]:
    """Invoices, credit notes and payment allocations of the period, one row each."""
    from wholesale.accounts.models import Organization
    from wholesale.orders.models import Order

    writer = CSVText()
    writer.row(CSV_HEADER)
    yield writer.take()
    buyer = Organization.__table__.alias("buyer")
    inv, orders = Invoice.__table__.c, Order.__table__
    stmt = (select(Invoice.__table__, buyer.c.name.label("buyer_name"),
                   orders.c.number.label("order_number"))
            .join(buyer, buyer.c.id == inv.buyer_id)
            .join(orders, orders.c.id == inv.order_id)
            .where(inv.supplier_id == supplier_id, inv.issue_date >= start,
                   inv.issue_date <= end).order_by(inv.number))
    for row in db.session.execute(stmt).mappings():
        void = row["status"] == InvoiceStatus.VOID
        balance = ZERO if void else row["total"] - row["amount_paid"] - row["amount_credited"]
        writer.row(("invoice", f"INV-{row['number']:05d}", row["issue_date"],
                         row["due_date"], row["buyer_name"], row["order_number"],
                         row["po_number"], row["currency"], row["subtotal"], row["tax_total"],
                         row["total"], row["amount_paid"], row["amount_credited"], balance,
                         getattr(row["status"], "value", row["status"]), "", "", ""))
        yield writer.take()
    cn = CreditNote.__table__.c
    stmt = (select(CreditNote.__table__, buyer.c.name.label("buyer_name"),
                   inv.number.label("invoice_number"))
            .join(buyer, buyer.c.id == cn.buyer_id)
            .join(Invoice.__table__, inv.id == cn.invoice_id)
            .where(cn.supplier_id == supplier_id, cn.issue_date >= start, cn.issue_date <= end)
            .order_by(cn.number))
    for row in db.session.execute(stmt).mappings():
        writer.row(("credit_note", f"CN-{row['number']:05d}", row["issue_date"], "",
                         row["buyer_name"], "", "", row["currency"], row["subtotal"],
                         row["tax_total"], row["total"], "", "", "",
                         getattr(row["reason"], "value", row["reason"]), "", row["note"],
                         f"INV-{row['invoice_number']:05d}"))
        yield writer.take()
    pay, pa = Payment.__table__.c, PaymentAllocation.__table__.c
    stmt = (select(pay.id, pay.paid_on, pay.currency, pay.method, pay.reference,
                   pa.amount, buyer.c.name.label("buyer_name"),
                   inv.number.label("invoice_number"))
            .select_from(Payment.__table__.join(PaymentAllocation.__table__,
                                                pa.payment_id == pay.id)
                         .join(Invoice.__table__, inv.id == pa.invoice_id)
                         .join(buyer, buyer.c.id == pay.buyer_id))
            .where(pay.supplier_id == supplier_id, pay.paid_on >= start, pay.paid_on <= end)
            .order_by(pay.paid_on, pay.id, pa.id))
    for row in db.session.execute(stmt).mappings():
        writer.row(("payment", f"PAY-{row['id']:05d}", row["paid_on"], "",
                         row["buyer_name"], "", "", row["currency"], "", "", row["amount"],
                         "", "", "", "", getattr(row["method"], "value", row["method"]),
                         row["reference"], f"INV-{row['invoice_number']:05d}"))
        yield writer.take()
