"""The daily run: overdue detection once, reminders on the schedule, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.invoicing.conftest import issue, set_terms, shipped_order
from wholesale import signals
from wholesale.invoicing import payments, settings
from wholesale.invoicing.models import InvoiceSettings, InvoiceStatus
from wholesale.invoicing.reminders import run_daily_invoicing, scheduled_reminder
from wholesale.trading.models import PaymentTerms


def _at(day: date, hour: int = 16) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


@pytest.fixture
def heard() -> Any:
    got: dict[str, list[dict[str, Any]]] = {"overdue": [], "reminder": []}

    def overdue(sender: Any, **kw: Any) -> None:
        got["overdue"].append(kw)

    def reminder(sender: Any, **kw: Any) -> None:
        got["reminder"].append(kw)

    signals.invoice_overdue.connect(overdue)
    signals.invoice_reminder_due.connect(reminder)
    yield got
    signals.invoice_overdue.disconnect(overdue)
    signals.invoice_reminder_due.disconnect(reminder)


def _rules(**kw: Any) -> InvoiceSettings:
    base = {"remind_days_before": 3, "remind_on_due": True, "remind_every_days_after": 7}
    base.update(kw)
    return InvoiceSettings(**base)


@pytest.mark.parametrize(("today", "expected"), [
    (date(2025, 4, 10), None),
    (date(2025, 4, 11), ("before_due", date(2025, 4, 11))),
    (date(2025, 4, 13), ("before_due", date(2025, 4, 11))),
    (date(2025, 4, 14), ("due", date(2025, 4, 14))),
    (date(2025, 4, 20), ("due", date(2025, 4, 14))),
    (date(2025, 4, 21), ("overdue", date(2025, 4, 21))),
    (date(2025, 4, 27), ("overdue", date(2025, 4, 21))),
    (date(2025, 4, 28), ("overdue", date(2025, 4, 28))),
])
def test_schedule(today: date, expected: Any) -> None:
    assert scheduled_reminder(date(2025, 4, 14), today, _rules(), date(2025, 3, 15)) == expected


def test_schedule_options() -> None:
    due = date(2025, 4, 14)
    assert scheduled_reminder(due, date(2025, 4, 12), _rules(remind_days_before=0), due) is None
    # issued after the "before" day: no before reminder
    assert scheduled_reminder(due, date(2025, 4, 13), _rules(), date(2025, 4, 12)) is None
    assert scheduled_reminder(due, date(2025, 4, 15), _rules(remind_on_due=False), due) is None
    assert scheduled_reminder(due, date(2025, 5, 1), _rules(remind_every_days_after=0,
                                                              remind_on_due=False), due) is None


def test_daily_run_flags_overdue_once_and_reminds_without_duplicates(shop, heard) -> None:
    set_terms(shop, PaymentTerms.NET_7)
    issued = date(2025, 4, 1)
    invoice = issue(shop, shipped_order(shop, (shop.product({shop.near: 9}), 2)),
                    now=_at(issued))
    assert invoice.due_date == date(2025, 4, 8)
    run = lambda day: run_daily_invoicing(_at(day))  # noqa: E731

    assert run(date(2025, 4, 4)).reminders == 0
    assert run(date(2025, 4, 5)).reminders == 1  # 3 days before
    assert run(date(2025, 4, 5)).reminders == 0  # the same day again: nothing
    assert run(date(2025, 4, 8)).reminders == 1  # due today; not overdue yet
    assert invoice.status is InvoiceStatus.ISSUED
    first = run(date(2025, 4, 9))
    assert (first.overdue, first.reminders) == (1, 0)
    assert invoice.status is InvoiceStatus.OVERDUE
    assert run(date(2025, 4, 10)).overdue == 0  # flagged once
    assert run(date(2025, 4, 15)).reminders == 1  # 7 days after
    assert run(date(2025, 4, 15)).reminders == 0
    assert [r["kind"] for r in heard["reminder"]] == ["before_due", "due", "overdue"]
    assert [o["days_overdue"] for o in heard["overdue"]] == [1]
    assert heard["reminder"][0]["recipients"] == [shop.factory.owner(shop.buyer).email]
    assert heard["reminder"][0]["pdf"]().startswith(b"%PDF")

    payments.pay_invoice(shop.supplier_user, invoice.id, amount="5.00",
                         paid_on=date(2025, 4, 16), method="cash", now=_at(date(2025, 4, 16)))
    assert invoice.status is InvoiceStatus.OVERDUE  # still owing, past due
    payments.pay_invoice(shop.supplier_user, invoice.id, amount=str(invoice.balance),
                         paid_on=date(2025, 4, 16), method="cash", now=_at(date(2025, 4, 16)))
    assert invoice.status is InvoiceStatus.PAID
    assert run(date(2025, 4, 22)).reminders == 0  # paid: no more reminders


def test_supplier_time_zone_decides_the_day(shop) -> None:
    set_terms(shop, PaymentTerms.DUE_ON_RECEIPT)
    settings.update_settings(shop.supplier, {"remind_on_due": False,
                                             "remind_every_days_after": 0})
    # 2025-04-02 03:00 UTC is still April 1 in Los Angeles
    invoice = issue(shop, shipped_order(shop, (shop.product({shop.near: 9}), 1)),
                    now=datetime(2025, 4, 2, 3, 0, tzinfo=UTC))
    assert invoice.due_date == date(2025, 4, 1)
    assert run_daily_invoicing(datetime(2025, 4, 2, 6, 0, tzinfo=UTC)).overdue == 0
    assert run_daily_invoicing(datetime(2025, 4, 2, 8, 0, tzinfo=UTC)).overdue == 1
