"""Payment terms → due dates, with the month-end and leap-year edges."""

from __future__ import annotations

from datetime import date

import pytest

from tests.invoicing.conftest import NOW, issue, set_terms, shipped_order
from wholesale.invoicing.terms import due_date
from wholesale.trading.models import PaymentTerms as T


@pytest.mark.parametrize(("issued", "terms", "due"), [
    (date(2025, 3, 14), T.DUE_ON_RECEIPT, date(2025, 3, 14)),
    (date(2025, 3, 14), T.NET_7, date(2025, 3, 21)),
    (date(2025, 3, 14), T.NET_15, date(2025, 3, 29)),
    (date(2025, 3, 14), T.NET_30, date(2025, 4, 13)),
    (date(2025, 3, 14), T.NET_60, date(2025, 5, 13)),
    (date(2024, 1, 31), T.NET_30, date(2024, 3, 1)),  # leap year: Feb has 29 days
    (date(2023, 1, 31), T.NET_30, date(2023, 3, 2)),
    (date(2025, 12, 20), T.NET_15, date(2026, 1, 4)),  # into the next year
    # end of month: the last day of the month the invoice is issued in
    (date(2025, 3, 14), T.END_OF_MONTH, date(2025, 3, 31)),
    (date(2025, 1, 31), T.END_OF_MONTH, date(2025, 1, 31)),  # issued on the last day
    (date(2024, 2, 1), T.END_OF_MONTH, date(2024, 2, 29)),  # leap year
    (date(2023, 2, 28), T.END_OF_MONTH, date(2023, 2, 28)),
    (date(2100, 2, 10), T.END_OF_MONTH, date(2100, 2, 28)),  # not a leap year
    (date(2025, 4, 30), T.END_OF_MONTH, date(2025, 4, 30)),
    (date(2025, 12, 1), T.END_OF_MONTH, date(2025, 12, 31)),
])
def test_due_dates(issued: date, terms: T, due: date) -> None:
    assert due_date(issued, terms) == due


def test_invoice_takes_the_relationship_terms(shop) -> None:
    set_terms(shop, T.END_OF_MONTH)
    invoice = issue(shop, shipped_order(shop, (shop.product({shop.near: 3}), 1)), now=NOW)
    assert invoice.payment_terms == "end_of_month"
    assert (invoice.issue_date, invoice.due_date) == (date(2025, 3, 14), date(2025, 3, 31))
