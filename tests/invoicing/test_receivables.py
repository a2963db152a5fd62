"""Aging buckets and statements, hand-computed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tests.invoicing.conftest import issue, set_terms, shipped_order
from wholesale.invoicing import credit_notes, payments, statements
from wholesale.trading.models import PaymentTerms

AS_OF = date(2025, 6, 30)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 19, 0, tzinfo=UTC)  # noon in LA


def _invoice_due(shop, due: date, amount_units: int):
    """An invoice of `amount_units` × 10.00 due on `due` (due on receipt: issued that day)."""
    product = shop.product({shop.near: 100}, price="10.00")
    return issue(shop, shipped_order(shop, (product, amount_units)), now=_at(due))


def test_aging_buckets_at_their_edges(shop) -> None:
    set_terms(shop, PaymentTerms.DUE_ON_RECEIPT)
    days = {0: 1, 1: 2, 30: 3, 31: 4, 60: 5, 61: 6, 90: 7, 91: 8}  # days late → units
    for late, units in days.items():
        _invoice_due(shop, AS_OF - timedelta(days=late), units)
    # due after as_of: not in the aging as of then (not issued yet) → use a later as_of check
    rows = statements.aging(shop.supplier.id, AS_OF)
    assert len(rows) == 1 and rows[0].buyer_name == "Bistro Verde"
    assert rows[0].buckets == {
        "current": Decimal("10.00"),  # due today
        "1_30": Decimal("50.00"),  # 1 and 30 days late
        "31_60": Decimal("90.00"),  # 31, 60
        "61_90": Decimal("130.00"),  # 61, 90
        "over_90": Decimal("80.00"),  # 91
    }
    assert rows[0].total == Decimal("360.00")


def test_aging_uses_payments_and_credits_up_to_the_day(shop) -> None:
    set_terms(shop, PaymentTerms.NET_30)
    invoice = _invoice_due(shop, date(2025, 5, 1), 10)  # 100.00, due May 31
    payments.pay_invoice(shop.supplier_user, invoice.id, amount="30.00",
                         paid_on=date(2025, 6, 10), method="card", now=_at(date(2025, 6, 10)))
    credit_notes.issue_credit_note(
        shop.supplier_user, invoice.id, reason="shortage",
        lines=[{"invoice_line_id": invoice.lines[0].id, "quantity": 1}],
        now=_at(date(2025, 6, 20)))
    assert statements.aging(shop.supplier.id, date(2025, 5, 31))[0].buckets["current"] == \
        Decimal("100.00")
    assert statements.aging(shop.supplier.id, date(2025, 6, 15))[0].buckets["1_30"] == \
        Decimal("70.00")
    assert statements.aging(shop.supplier.id, date(2025, 6, 30))[0].buckets["1_30"] == \
        Decimal("60.00")


def test_statement_opening_entries_closing(shop) -> None:
    set_terms(shop, PaymentTerms.NET_15)
    may = _invoice_due(shop, date(2025, 5, 20), 5)  # 50.00, due Jun 4
    payments.pay_invoice(shop.supplier_user, may.id, amount="20.00", paid_on=date(2025, 5, 25),
                         method="cash", now=_at(date(2025, 5, 25)))
    june = _invoice_due(shop, date(2025, 6, 5), 8)  # 80.00, due Jun 20
    payments.pay_invoice(shop.supplier_user, june.id, amount="80.00",
                         paid_on=date(2025, 6, 18), method="bank_transfer",
                         reference="TR-9", now=_at(date(2025, 6, 18)))
    st = statements.statement(shop.supplier.id, shop.buyer.id, date(2025, 6, 1),
                              date(2025, 6, 30))
    assert st.opening == Decimal("30.00")
    assert [(e.kind, e.reference, e.debit, e.credit, e.balance) for e in st.entries] == [
        ("invoice", june.display_number, Decimal("80.00"), Decimal("0.00"), Decimal("110.00")),
        ("payment", "Payment", Decimal("0.00"), Decimal("80.00"), Decimal("30.00")),
    ]
    assert st.closing == Decimal("30.00")
    assert st.aging["1_30"] == Decimal("30.00")  # the May invoice, 26 days late


def test_journal_csv(shop) -> None:
    set_terms(shop, PaymentTerms.NET_7)
    invoice = _invoice_due(shop, date(2025, 6, 2), 3)
    payments.pay_invoice(shop.supplier_user, invoice.id, amount="10.00",
                         paid_on=date(2025, 6, 3), method="check", reference="=SUM(A1)",
                         now=_at(date(2025, 6, 3)))
    text = "".join(statements.journal_csv(shop.supplier.id, date(2025, 6, 1),
                                          date(2025, 6, 30)))
    lines = text.strip().splitlines()
    assert lines[0].startswith("type,number,date,due_date,buyer")
    assert lines[1].startswith(f"invoice,{invoice.display_number},2025-06-02,2025-06-09,"
                               "Bistro Verde")
    assert ",30.00,10.00,0.00,20.00,partially_paid," in lines[1]
    assert lines[2].startswith("payment,") and "'=SUM(A1)" in lines[2]  # no formula
