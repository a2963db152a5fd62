"""The daily run (`run_daily_invoicing(now)`, called by the worker once a day and by
`flask --app app invoicing-daily`): flag overdue invoices and send the reminders of each
supplier's schedule.

- **Overdue**: an open invoice (issued or partially paid) whose due date is before the
  supplier's today becomes `overdue`, with `invoice_overdue` sent once (the status change
  is the guard: the UPDATE only touches invoices not overdue yet).
- **Reminders** (InvoiceSettings): `remind_days_before` days before the due date, on the
  due date (`remind_on_due`), and every `remind_every_days_after` days after it. Each run
  sends, per invoice, the latest reminder whose day has come (a run that was missed does
  not send a backlog, only the one now due), and only for invoices still owing money. One
  `InvoiceReminder` row per invoice, kind and day (unique) makes a reminder go out once,
  however often the run is repeated and however many workers run it at the same moment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from wholesale import signals
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.invoicing import clock, settings
from wholesale.invoicing.issuing import pdf_maker
from wholesale.invoicing.models import (
    OPEN_STATUSES,
    Invoice,
    InvoiceReminder,
    InvoiceSettings,
    InvoiceStatus,
)
from wholesale.tenancy import as_tenant


@dataclass(frozen=True)
class DailyResult:
    overdue: int
    reminders: int


def scheduled_reminder(due: date, today: date, rules: InvoiceSettings,
                       issued: date) -> tuple[str, date] | None:
    """The latest reminder of the schedule whose day is today or past, or None."""
    every = rules.remind_every_days_after
    if today > due and every > 0:
        day = due + timedelta(days=((today - due).days // every) * every)
        if day > due:
            return "overdue", day
    if today >= due and rules.remind_on_due:
        return "due", due
    before = rules.remind_days_before
    if before > 0 and due - timedelta(days=before) <= today < due:
        day = due - timedelta(days=before)
        if day >= issued:  # an invoice issued after that day gets no "before" reminder
            return "before_due", day
    return None


def run_daily_invoicing(now: datetime | None = None) -> DailyResult:
    """One daily pass over every supplier's open invoices. Commits."""
    now = now or utcnow()
    with as_tenant(None):
        overdue = _flag_overdue(now)
        db.session.commit()
        sent = _reminders(now)
        db.session.commit()
    return DailyResult(overdue, sent)


def _supplier_days(now: datetime) -> dict[int, date]:
    """Each supplier with open invoices → its today."""
    ids = db.session.scalars(select(Invoice.supplier_id).where(
        Invoice.status.in_(OPEN_STATUSES)).distinct())
    return {sid: clock.local_today(sid, now) for sid in ids}


def _flag_overdue(now: datetime) -> int:
    by_day: dict[date, list[int]] = defaultdict(list)
    for supplier_id, today in _supplier_days(now).items():
        by_day[today].append(supplier_id)
    flagged: list[int] = []
    table = Invoice.__table__
    for today, supplier_ids in by_day.items():
        stmt = (update(table)
                .where(table.c.supplier_id.in_(supplier_ids),
                       table.c.status.in_([InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID]),
                       table.c.due_date < today)
                .values(status=InvoiceStatus.OVERDUE).returning(table.c.id))
        flagged += list(db.session.execute(stmt).scalars())
    if not flagged:
        return 0
    invoices = db.session.scalars(select(Invoice).where(Invoice.id.in_(flagged))
                                  .order_by(Invoice.id)
                                  .execution_options(populate_existing=True))
    days = _supplier_days(now)
    for invoice in invoices:
        today = days.get(invoice.supplier_id) or clock.local_today(invoice.supplier_id, now)
        signals.invoice_overdue.send(invoice.supplier, invoice=invoice, order=invoice.order,
                                     actor=None, days_overdue=(today - invoice.due_date).days)
    return len(flagged)


def _reminders(now: datetime) -> int:
    days = _supplier_days(now)
    if not days:
        return 0
    rules = {sid: settings.settings_for(sid) for sid in days}
    invoices = db.session.scalars(select(Invoice).where(Invoice.status.in_(OPEN_STATUSES))
                                  .order_by(Invoice.id))
    sent = 0
    for invoice in invoices:
        if invoice.balance <= 0:
            continue
        due = scheduled_reminder(invoice.due_date, days[invoice.supplier_id],
                                 rules[invoice.supplier_id], invoice.issue_date)
        if due is None or not _claim(invoice.id, *due, now):
            continue
        kind, day = due
        signals.invoice_reminder_due.send(
            invoice.supplier, invoice=invoice, order=invoice.order, actor=None, kind=kind,
            on_date=day, recipients=list(invoice.bill_to.get("emails") or []),
            pdf=pdf_maker(invoice), filename=f"{invoice.display_number}.pdf")
        sent += 1
    return sent


def _claim(invoice_id: int, kind: str, day: date, now: datetime) -> bool:
    """Insert the reminder's row; False when it exists (sent before, or by another run)."""
    table = InvoiceReminder.__table__
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    stmt = (insert(table).values(invoice_id=invoice_id, kind=kind, on_date=day, created_at=now)
            .on_conflict_do_nothing().returning(table.c.id))
    return db.session.execute(stmt).scalar() is not None
