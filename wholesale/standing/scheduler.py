"""The standing orders' clock, run by the notification dispatcher's periodic work (every
worker, every minute): for each occurrence whose time has come, the reminder before the
cut-off, then the placement at the cut-off.

`run_due(now)` is a boundary: it commits after each occurrence, so one that fails leaves
the others done. Several workers may run it at once; each occurrence is claimed by a
conditional UPDATE of its row (status still `upcoming`, reminder not yet sent) in the
transaction that does the work — the row lock on PostgreSQL, the write lock on SQLite
(BEGIN IMMEDIATE) — so the other worker finds it done and moves on. The placement's
idempotency key (standing order, day) backs that up: a rerun never places twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from wholesale import signals
from wholesale.accounts.models import Organization, User
from wholesale.db import utcnow
from wholesale.errors import Conflict, DomainError
from wholesale.extensions import db
from wholesale.invoicing import credit
from wholesale.invoicing import settings as invoicing_settings
from wholesale.invoicing.models import CreditHold, HoldStatus
from wholesale.orders import placement
from wholesale.orders.models import Channel
from wholesale.standing import services
from wholesale.standing.models import OccurrenceStatus, StandingOccurrence, StandingOrder
from wholesale.standing.schedule import MAX_MOVE_DAYS, Calendar

log = logging.getLogger(__name__)
UNSCOPED = services.UNSCOPED
STALE_AFTER = timedelta(days=1)  # a day whose cut-off passed longer ago is not taken up


@dataclass
class Counts:
    reminded: int = 0
    placed: int = 0
    failed: int = 0
    skipped: int = 0


def idempotency_key(standing_id: int, scheduled_on: object) -> str:
    return f"standing-{standing_id}-{scheduled_on}"


def run_due(now: datetime | None = None) -> Counts:
    """Remind of and place what is due at `now` (commits)."""
    now = now or utcnow()
    counts = Counts()
    calendars: dict[int, Calendar] = {}
    _materialize(now, calendars)
    db.session.commit()
    rows = db.session.execute(
        select(StandingOccurrence.id, StandingOccurrence.supplier_id,
               StandingOccurrence.delivery_on, StandingOccurrence.reminded_at)
        .where(StandingOccurrence.status == OccurrenceStatus.UPCOMING)
        .order_by(StandingOccurrence.id).execution_options(**UNSCOPED)).all()
    db.session.commit()
    for occurrence_id, supplier_id, delivery_on, reminded_at in rows:
        calendar = calendars.get(supplier_id) or services.calendar_for(supplier_id)
        calendars[supplier_id] = calendar
        remind_at = calendar.remind_at(delivery_on)
        try:
            if now >= calendar.place_at(delivery_on):
                outcome = _place(occurrence_id, now)
                if outcome is not None:
                    setattr(counts, outcome, getattr(counts, outcome) + 1)
            elif reminded_at is None and remind_at is not None and now >= remind_at:
                counts.reminded += _remind(occurrence_id, calendar, now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("standing order occurrence %s", occurrence_id)
    return counts


def _materialize(now: datetime, calendars: dict[int, Calendar]) -> None:
    """Give each day whose reminder (or, without one, placement) time has come a row; a day
    the supplier is closed and does not move becomes a skipped row."""
    standing_orders = db.session.scalars(
        select(StandingOrder).where(StandingOrder.ends_on.is_(None)
                                    | (StandingOrder.ends_on >= now.date() - timedelta(days=2)))
        .order_by(StandingOrder.id).execution_options(**UNSCOPED)).all()
    for standing in standing_orders:
        calendar = calendars.get(standing.supplier_id) or services.calendar_for(
            standing.supplier_id)
        calendars[standing.supplier_id] = calendar
        today = calendar.local_today(now)
        lead = max(calendar.rules.lead_days or 0, 0)
        horizon = today + timedelta(days=lead + 1 + calendar.reminder_hours // 24 + 1)
        schedule = services.schedule_of(standing)
        for day in schedule.days(today - timedelta(days=MAX_MOVE_DAYS), horizon):
            delivery = calendar.delivery_day(day)
            due = delivery or day
            starts = calendar.remind_at(due) or calendar.place_at(due)
            if now < starts or now > calendar.cutoff_at(due) + STALE_AFTER:
                continue
            if delivery is None:
                services.occurrence_row(standing, day, status=OccurrenceStatus.SKIPPED,
                                        reason=services.closed_reason(day), calendar=calendar)
            else:
                services.occurrence_row(standing, day, calendar=calendar)


def _claim(occurrence_id: int, now: datetime, **where: object) -> StandingOccurrence | None:
    """The occurrence, if this worker takes it (still upcoming, and `where`)."""
    table = StandingOccurrence
    stmt = update(table).where(table.id == occurrence_id,
                               table.status == OccurrenceStatus.UPCOMING)
    for name, value in where.items():
        stmt = stmt.where(getattr(table, name).is_(value))
    taken = db.session.execute(stmt.values(updated_at=now).execution_options(
        **UNSCOPED, synchronize_session=False)).rowcount
    if not taken:
        return None
    return db.session.scalars(select(table).where(table.id == occurrence_id).execution_options(
        **UNSCOPED, populate_existing=True)).one()


def _remind(occurrence_id: int, calendar: Calendar, now: datetime) -> int:
    row = _claim(occurrence_id, now, reminded_at=None)
    if row is None:
        return 0
    standing = _standing(row)
    if standing.paused:
        return 0
    row.reminded_at = now
    db.session.flush()
    signals.standing_order_reminder.send(
        _supplier(row), occurrence=row, standing=standing,
        summary=services.describe_lines(services.lines_of(row, standing)),
        cutoff_at=calendar.cutoff_at(row.delivery_on))
    return 1


def _place(occurrence_id: int, now: datetime) -> str | None:
    """Place the occurrence (or record why not): "placed", "failed", "skipped" or None
    when another worker had it."""
    row = _claim(occurrence_id, now)
    if row is None:
        return None
    standing = _standing(row)
    if standing.paused:
        services.mark_skipped(row, "The standing order was paused.")
        return "skipped"
    lines = services.lines_of(row, standing)
    try:
        with db.session.begin_nested():
            actor = _actor(standing)
            buyer = db.session.get(Organization, standing.buyer_id)
            assert buyer is not None
            draft = placement.prepare(
                actor=actor, buyer=buyer, supplier_id=standing.supplier_id, lines=lines,
                requested_delivery_date=row.delivery_on,
                delivery_location_id=standing.delivery_location_id, now=now)
            _check_credit(standing, draft.subtotal, draft.currency)
            result = placement.place_order(
                actor=actor, buyer=buyer, supplier_id=standing.supplier_id, lines=lines,
                requested_delivery_date=row.delivery_on,
                delivery_location_id=standing.delivery_location_id,
                notes=f"Standing order #{standing.id} for {row.scheduled_on:%a %b} "
                      f"{row.scheduled_on.day}",
                channel=Channel.STANDING,
                idempotency_key=idempotency_key(standing.id, row.scheduled_on),
                fingerprint=idempotency_key(standing.id, row.scheduled_on), now=now)
    except DomainError as exc:
        row.status = OccurrenceStatus.FAILED
        row.reason = why(exc, row, now)
        db.session.flush()
        signals.standing_order_failed.send(_supplier(row), occurrence=row, standing=standing,
                                           reason=row.reason)
        return "failed"
    row.status = OccurrenceStatus.PLACED
    row.order_id = result.order.id
    db.session.flush()
    signals.standing_order_placed.send(_supplier(row), occurrence=row, standing=standing,
                                       order=result.order)
    return "placed"


def _check_credit(standing: StandingOrder, amount: Decimal, currency: str) -> None:
    """Place nothing for a buyer on credit hold: an order of theirs waits for credit
    approval, or this one would take them over their limit."""
    held = db.session.scalar(
        select(CreditHold.order_id).where(
            CreditHold.supplier_id == standing.supplier_id,
            CreditHold.buyer_id == standing.buyer_id,
            CreditHold.status == HoldStatus.PENDING)
        .limit(1).execution_options(**UNSCOPED))
    if held is not None:
        raise Conflict("The buyer is on credit hold: an earlier order waits for credit "
                       "approval.", code="credit_hold")
    limit = invoicing_settings.credit_limit_of(standing.supplier_id, standing.buyer_id)
    if limit is None:
        return
    owed = credit.open_receivables(standing.supplier_id, standing.buyer_id)
    if owed + amount > limit:
        raise Conflict(f"The buyer is on credit hold: {owed:.2f} {currency} open plus this "
                       f"order's {amount:.2f} would exceed the credit limit of {limit:.2f}.",
                       code="credit_hold")


def why(exc: DomainError, row: StandingOccurrence, now: datetime) -> str:
    if "requested_delivery_date" in exc.fields and now > services.calendar_for(
            row.supplier_id).cutoff_at(row.delivery_on):
        return "The cut-off passed before it could be placed."
    if exc.fields:
        return " ".join(m for messages in exc.fields.values() for m in messages)
    return exc.message


def _standing(row: StandingOccurrence) -> StandingOrder:
    standing = db.session.get(StandingOrder, row.standing_order_id,
                              execution_options=UNSCOPED)
    assert standing is not None
    return standing


def _supplier(row: StandingOccurrence) -> Organization | None:
    return db.session.get(Organization, row.supplier_id)


def _actor(standing: StandingOrder) -> User:
    """Who places it: the person who set it up while still active, else an active
    member of the buyer."""
    creator = db.session.get(User, standing.created_by_id, execution_options=UNSCOPED)
    if creator is not None and creator.deactivated_at is None:
        return creator
    member = db.session.scalars(
        select(User).where(User.organization_id == standing.buyer_id,
                           User.deactivated_at.is_(None)).order_by(User.id)
        .execution_options(**UNSCOPED)).first()
    if member is None:
        raise Conflict("The buyer has no active member to place the order for.")
    return member
