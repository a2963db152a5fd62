"""Standing orders: saving them (every rule of the supplier checked when saved, as for an
order), skipping one occurrence, and reading the occurrences ahead.

Services flush, never commit. Occurrence rows exist for the days the scheduler reached
(reminded, placed, failed) and the days someone skipped or changed; the days further ahead
are computed from the schedule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy import update as update_rows
from sqlalchemy.dialects import postgresql, sqlite

from wholesale.accounts.models import Organization, OrgKind, User
from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.orders import placement
from wholesale.orders import rules as ordering_rules
from wholesale.orders.ordering import customer_of
from wholesale.standing.models import (
    ClosedDay,
    OccurrenceStatus,
    StandingOccurrence,
    StandingOrder,
    StandingSettings,
)
from wholesale.standing.schedule import MAX_MOVE_DAYS, Calendar, Schedule
from wholesale.tenancy import as_tenant, get_or_404
from wholesale.trading.models import TradingRelationship

UNSCOPED = {"all_tenants": True}
SEARCH_DAYS = 360  # how far a schedule is searched for its next delivery day
MAX_EVERY_WEEKS = 8
PAST_DAYS = 28  # how far back the occurrences list reaches
DEFAULT_REMINDER_HOURS = 4
MAX_REMINDER_HOURS = 72
MAX_CLOSED_DATES = 366


# -- the supplier's calendar ------------------------------------------------------------------


def settings_for(supplier_id: int) -> StandingSettings:
    """The supplier's settings (its buyers' pages read them too: across tenants)."""
    found = db.session.get(StandingSettings, supplier_id, execution_options=UNSCOPED)
    if found is not None:
        return found
    return StandingSettings(supplier_id=supplier_id, reminder_hours=DEFAULT_REMINDER_HOURS,
                            closed_day=ClosedDay.MOVE, closed_dates=[])


def save_settings(supplier_id: int, *, reminder_hours: int | None = None,
                  closed_day: ClosedDay | None = None,
                  closed_dates: list[date] | None = None,
                  now: datetime | None = None) -> StandingSettings:
    """Change the supplier's settings (422 naming each bad one, nothing changed), and move
    the occurrences already on record whose cut-off is still ahead to what the new
    calendar says (a new holiday moves or skips them; a removed one brings them back)."""
    errors: dict[str, list[str]] = {}
    if reminder_hours is not None and not 0 <= reminder_hours <= MAX_REMINDER_HOURS:
        errors["reminder_hours"] = [f"Give a number of hours from 0 (no reminder) to "
                                    f"{MAX_REMINDER_HOURS}."]
    if closed_dates is not None and len(set(closed_dates)) > MAX_CLOSED_DATES:
        errors["closed_dates"] = [f"At most {MAX_CLOSED_DATES} closed dates."]
    if errors:
        raise ValidationFailed(errors, "The settings can't be saved: "
                                       + next(iter(errors.values()))[0])
    row = db.session.get(StandingSettings, supplier_id, execution_options=UNSCOPED)
    if row is None:
        row = settings_for(supplier_id)
        db.session.add(row)
    if reminder_hours is not None:
        row.reminder_hours = reminder_hours
    if closed_day is not None:
        row.closed_day = closed_day
    if closed_dates is not None:
        row.closed_dates = sorted({d.isoformat() for d in closed_dates})
    db.session.flush()
    _reschedule(supplier_id, now or utcnow())
    return row


def _reschedule(supplier_id: int, now: datetime) -> None:
    """Occurrence rows (upcoming, or skipped for a closed day) whose placement is still
    ahead, on both the old and the new delivery day, follow the supplier's calendar. Each
    change is conditional on the row being as read: the scheduler may be placing it."""
    calendar = calendar_for(supplier_id)
    rows = db.session.execute(select(
        StandingOccurrence.id, StandingOccurrence.scheduled_on, StandingOccurrence.delivery_on,
        StandingOccurrence.status, StandingOccurrence.reason).where(
        StandingOccurrence.supplier_id == supplier_id, StandingOccurrence.order_id.is_(None),
        StandingOccurrence.status.in_([OccurrenceStatus.UPCOMING, OccurrenceStatus.SKIPPED]))
        .execution_options(**UNSCOPED)).all()
    for row_id, scheduled_on, delivery_on, status, reason in rows:
        closed = closed_reason(scheduled_on)
        if status is OccurrenceStatus.SKIPPED and reason != closed:
            continue  # skipped by someone: stays skipped
        delivery = calendar.delivery_day(scheduled_on)
        if calendar.place_at(delivery_on) <= now or calendar.place_at(
                delivery or scheduled_on) <= now:
            continue
        values: dict[str, Any] = (
            {"status": OccurrenceStatus.SKIPPED, "reason": closed} if delivery is None
            else {"status": OccurrenceStatus.UPCOMING, "reason": "", "delivery_on": delivery})
        db.session.execute(
            update_rows(StandingOccurrence).where(StandingOccurrence.id == row_id,
                                                  StandingOccurrence.status == status,
                                                  StandingOccurrence.order_id.is_(None))
            .values(**values, updated_at=now)
            .execution_options(**UNSCOPED, synchronize_session=False))


def calendar_for(supplier_id: int) -> Calendar:
    own = settings_for(supplier_id)
    return Calendar(rules=ordering_rules.rules_for(supplier_id),
                    closed_day=ClosedDay(own.closed_day),
                    closed_dates=frozenset(date.fromisoformat(d) for d in own.closed_dates or []),
                    reminder_hours=own.reminder_hours)


def schedule_of(standing: StandingOrder) -> Schedule:
    return Schedule(frozenset(standing.weekday_list), standing.every_weeks,
                    standing.starts_on, standing.ends_on)


# -- saving -----------------------------------------------------------------------------------


def create(actor: User, data: Mapping[str, Any], now: datetime | None = None
           ) -> StandingOrder:
    """A new standing order of the actor's organization (a buyer), or of `buyer_id` (a
    supplier entering it for a customer). 404 for a party not connected; 422 naming every
    bad field, nothing saved."""
    now = now or utcnow()
    supplier_id, buyer = _parties(actor, data.get("supplier_id"), data.get("buyer_id"))
    values = {"delivery_location_id": data.get("delivery_location_id"),
              "lines": data.get("lines"), "weekdays": data.get("weekdays"),
              "every_weeks": data.get("every_weeks") or 1, "starts_on": data.get("starts_on"),
              "ends_on": data.get("ends_on"), "paused": bool(data.get("paused", False))}
    lines = _checked(actor, buyer, supplier_id, values, now, new_start=True)
    standing = StandingOrder(
        supplier_id=supplier_id, buyer_id=buyer.id,
        delivery_location_id=values["delivery_location_id"], lines=lines,
        weekdays=",".join(str(d) for d in sorted(set(values["weekdays"]))),
        every_weeks=values["every_weeks"], starts_on=values["starts_on"],
        ends_on=values["ends_on"], paused=values["paused"], created_by_id=actor.id)
    db.session.add(standing)
    db.session.flush()
    return standing


def update(actor: User, standing: StandingOrder, data: Mapping[str, Any],
           now: datetime | None = None) -> StandingOrder:
    """Change any of the fields (pause and resume with `paused`); the result is checked as
    a whole, as when created — except a pause alone. Occurrences already placed, failed or
    reminded keep what they were; upcoming days no longer in the schedule are dropped."""
    now = now or utcnow()
    if set(data) == {"paused"} and data["paused"]:
        standing.paused = True  # no check: an archived product must not block a pause
        db.session.flush()
        return standing
    buyer = db.session.get(Organization, standing.buyer_id)
    assert buyer is not None
    values = {
        "delivery_location_id": data.get("delivery_location_id",
                                         standing.delivery_location_id),
        "lines": data.get("lines", standing.lines),
        "weekdays": data.get("weekdays", standing.weekday_list),
        "every_weeks": data.get("every_weeks") or standing.every_weeks,
        "starts_on": data.get("starts_on", standing.starts_on),
        "ends_on": data.get("ends_on", standing.ends_on),
        "paused": data.get("paused", standing.paused),
    }
    lines = _checked(actor, buyer, standing.supplier_id, values, now,
                     new_start="starts_on" in data and data["starts_on"] != standing.starts_on)
    standing.delivery_location_id = values["delivery_location_id"]
    standing.lines = lines
    standing.weekdays = ",".join(str(d) for d in sorted(set(values["weekdays"])))
    standing.every_weeks = values["every_weeks"]
    standing.starts_on = values["starts_on"]
    standing.ends_on = values["ends_on"]
    standing.paused = bool(values["paused"])
    _drop_unscheduled(standing)
    db.session.flush()
    return standing


def _parties(actor: User, supplier_id: Any, buyer_id: Any) -> tuple[int, Organization]:
    org = actor.organization
    if org.kind is OrgKind.SUPPLIER:
        if buyer_id is None:
            raise ValidationFailed.one("buyer_id", "Name the customer this standing order is for.")
        if supplier_id not in (None, org.id):
            raise NotFound("Supplier not found.")
        return org.id, customer_of(org, buyer_id)
    if buyer_id not in (None, org.id):
        raise ValidationFailed.one("buyer_id", "Only a supplier names the buyer.")
    if supplier_id is None:
        raise ValidationFailed.one("supplier_id", "Choose the supplier.")
    connected = db.session.scalar(
        select(TradingRelationship.id).where(TradingRelationship.supplier_id == supplier_id,
                                             TradingRelationship.buyer_id == org.id)
        .execution_options(**UNSCOPED))
    if not connected:
        raise NotFound("Supplier not found.")
    return supplier_id, org


def _checked(actor: User, buyer: Organization, supplier_id: int, values: dict[str, Any],
             now: datetime, *, new_start: bool) -> list[dict[str, int]]:
    """Every rule at once (the schedule against the supplier's delivery days; the lines,
    location and minimum order through the placement's own checks, for the first day it
    would be placed); returns the lines merged per product."""
    calendar = calendar_for(supplier_id)
    errors: dict[str, list[str]] = {}
    first = _check_schedule(calendar, values, now, new_start, errors)
    day = first or ordering_rules.earliest_delivery_date(calendar.rules, now)
    try:
        draft = placement.prepare(actor=actor, buyer=buyer, supplier_id=supplier_id,
                                  lines=values["lines"], requested_delivery_date=day,
                                  delivery_location_id=values["delivery_location_id"],
                                  now=now)
    except ValidationFailed as exc:
        for path, messages in exc.fields.items():
            errors.setdefault(path, []).extend(messages)
        draft = None
    if errors or draft is None:
        path, messages = next(iter(errors.items()))
        raise ValidationFailed(errors, f"The standing order can't be saved: {messages[0]}")
    return [{"product_id": line.product.id, "quantity": line.quantity} for line in draft.lines]


def _check_schedule(calendar: Calendar, values: dict[str, Any], now: datetime,
                    new_start: bool, errors: dict[str, list[str]]) -> date | None:
    """The first delivery day the schedule can still be placed for (None, with errors,
    when there is none)."""
    weekdays = sorted(set(values["weekdays"] or []))
    starts_on, ends_on = values["starts_on"], values["ends_on"]
    today = calendar.local_today(now)
    if not weekdays:
        errors["weekdays"] = ["Choose at least one weekday."]
    closed = [d for d in weekdays if d not in ordering_rules.delivery_weekdays(calendar.rules)]
    if closed:
        names = ", ".join(f"{ordering_rules.WEEKDAY_NAMES[d - 1]}s" for d in closed)
        errors["weekdays"] = [f"No deliveries on {names} (delivery days: "
                              f"{ordering_rules.describe_days(calendar.rules)})."]
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [f"The end ({ends_on.isoformat()}) is before the start "
                             f"({starts_on.isoformat()})."]
    if new_start and starts_on < today:
        errors["starts_on"] = [f"Start today ({today.isoformat()}) or later."]
    elif starts_on > today + timedelta(days=SEARCH_DAYS):
        errors["starts_on"] = [f"Start within {SEARCH_DAYS} days."]
    if errors:
        return None
    schedule = Schedule(frozenset(weekdays), values["every_weeks"], starts_on, ends_on)
    for day in schedule.days(today, today + timedelta(days=SEARCH_DAYS)):
        delivery = calendar.delivery_day(day)
        if delivery is not None and calendar.place_at(delivery) > now:
            return delivery
    window = f" between {max(starts_on, today).isoformat()} and {ends_on.isoformat()}" \
        if ends_on is not None else ""
    errors["weekdays"] = [f"This schedule lands on no delivery day{window} that can still be "
                          f"ordered for (cut-off {calendar.rules.cutoff_time:%H:%M}, "
                          f"{calendar.rules.lead_days} day(s) lead time)."]
    return None


def _drop_unscheduled(standing: StandingOrder) -> None:
    rows = db.session.scalars(select(StandingOccurrence).where(
        StandingOccurrence.standing_order_id == standing.id,
        StandingOccurrence.status.in_([OccurrenceStatus.UPCOMING, OccurrenceStatus.SKIPPED]),
        StandingOccurrence.reminded_at.is_(None)).execution_options(**UNSCOPED))
    schedule = schedule_of(standing)
    ids = [row.id for row in rows
           if not any(schedule.days(row.scheduled_on, row.scheduled_on))]
    if ids:
        db.session.execute(delete(StandingOccurrence).where(StandingOccurrence.id.in_(ids))
                           .execution_options(synchronize_session=False))


# -- reading ----------------------------------------------------------------------------------


def get(actor: User, standing_id: int) -> StandingOrder:
    with as_tenant(actor.organization_id):
        return get_or_404(StandingOrder, standing_id)


@dataclass(frozen=True)
class Occurrence:
    """One day of a standing order, stored or computed."""

    date: date
    delivery_date: date | None
    status: OccurrenceStatus
    order_id: int | None
    reason: str
    lines: list[dict[str, Any]]
    cutoff_at: datetime | None


def occurrences(standing: StandingOrder, now: datetime | None = None, *, ahead: int = 4,
                past_days: int = PAST_DAYS) -> list[Occurrence]:
    """The stored occurrences of the last `past_days` days, then the next `ahead` days whose
    cut-off is still to come (stored or computed), earliest first."""
    now = now or utcnow()
    calendar = calendar_for(standing.supplier_id)
    today = calendar.local_today(now)
    rows = {row.scheduled_on: row for row in db.session.scalars(
        select(StandingOccurrence).where(
            StandingOccurrence.standing_order_id == standing.id,
            StandingOccurrence.scheduled_on >= today - timedelta(days=past_days))
        .execution_options(**UNSCOPED))}
    coming: list[Occurrence] = []
    for day in schedule_of(standing).days(today - timedelta(days=MAX_MOVE_DAYS),
                                          today + timedelta(days=SEARCH_DAYS)):
        if len(coming) >= ahead:
            break
        row = rows.get(day)
        view = _stored(calendar, row, standing) if row else _computed(calendar, standing, day)
        if (view.cutoff_at or datetime.combine(day, time.max, tzinfo=UTC)) <= now:
            continue
        coming.append(view)
    shown = {view.date for view in coming}
    history = [_stored(calendar, row, standing) for day, row in sorted(rows.items())
               if day not in shown]
    return history + coming


def _stored(calendar: Calendar, row: StandingOccurrence, standing: StandingOrder
            ) -> Occurrence:
    return Occurrence(row.scheduled_on, row.delivery_on, OccurrenceStatus(row.status),
                      row.order_id, row.reason, lines_of(row, standing),
                      calendar.cutoff_at(row.delivery_on))


def _computed(calendar: Calendar, standing: StandingOrder, day: date) -> Occurrence:
    delivery = calendar.delivery_day(day)
    lines = lines_of(None, standing)
    if delivery is None:
        return Occurrence(day, None, OccurrenceStatus.SKIPPED, None,
                          closed_reason(day), lines, None)
    if standing.paused:
        return Occurrence(day, delivery, OccurrenceStatus.SKIPPED, None,
                          "The standing order is paused.", lines, calendar.cutoff_at(delivery))
    return Occurrence(day, delivery, OccurrenceStatus.UPCOMING, None, "", lines,
                      calendar.cutoff_at(delivery))


def closed_reason(day: date) -> str:
    return f"The supplier doesn't deliver on {ordering_rules.describe_date(day)}."


def lines_of(row: StandingOccurrence | None, standing: StandingOrder) -> list[dict[str, Any]]:
    """The lines an occurrence places: its own (a reply changed them) or the standing
    order's."""
    if row is not None and row.lines is not None:
        return list(row.lines)
    return list(standing.lines)


def describe_lines(lines: list[dict[str, Any]]) -> str:
    """"3 case Romaine hearts, 2 case Lemons 115 ct"."""
    ids = [line["product_id"] for line in lines]
    products = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_(ids)).execution_options(**UNSCOPED))}
    parts = []
    for line in lines:
        product = products.get(line["product_id"])
        name = f"{product.unit} {product.name}" if product else f"product {line['product_id']}"
        parts.append(f"{line['quantity']} {name}")
    return ", ".join(parts)


# -- one occurrence ---------------------------------------------------------------------------


def occurrence_row(standing: StandingOrder, scheduled_on: date, *,
                   status: OccurrenceStatus = OccurrenceStatus.UPCOMING,
                   reason: str = "", calendar: Calendar | None = None) -> StandingOccurrence:
    """The occurrence's row, created if it has none yet (concurrent creators: one row)."""
    calendar = calendar or calendar_for(standing.supplier_id)
    delivery = calendar.delivery_day(scheduled_on) or scheduled_on
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(StandingOccurrence)
    now = utcnow()
    db.session.execute(
        insert.values(standing_order_id=standing.id, supplier_id=standing.supplier_id,
                      buyer_id=standing.buyer_id, scheduled_on=scheduled_on,
                      delivery_on=delivery, status=status.value, reason=reason,
                      created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["standing_order_id", "scheduled_on"]))
    return db.session.scalars(
        select(StandingOccurrence).where(StandingOccurrence.standing_order_id == standing.id,
                                         StandingOccurrence.scheduled_on == scheduled_on)
        .execution_options(**UNSCOPED, populate_existing=True)).one()


def skip(actor: User, standing: StandingOrder, day: date, now: datetime | None = None
         ) -> Occurrence:
    """Skip the occurrence scheduled on `day` (again: the same answer). 422 when `day` is
    not one of the schedule's days still to come; 409 when it was placed already."""
    _check_party(actor, standing)
    now = now or utcnow()
    calendar = calendar_for(standing.supplier_id)
    if not any(schedule_of(standing).days(day, day)):
        upcoming = [o.date.isoformat() for o in occurrences(standing, now, past_days=0)
                    if o.status is OccurrenceStatus.UPCOMING]
        raise ValidationFailed.one("date", f"{ordering_rules.describe_date(day)} is not a day "
                                           f"of this standing order; the next ones are "
                                           f"{', '.join(upcoming) or 'none'}.")
    delivery = calendar.delivery_day(day) or day
    row = db.session.scalars(select(StandingOccurrence).where(
        StandingOccurrence.standing_order_id == standing.id,
        StandingOccurrence.scheduled_on == day).execution_options(**UNSCOPED)).first()
    if row is not None and row.status in (OccurrenceStatus.PLACED, OccurrenceStatus.FAILED):
        raise Conflict(f"The occurrence of {ordering_rules.describe_date(day)} was "
                       f"{row.status.value} already.", code="invalid_transition")
    if row is None and calendar.cutoff_at(delivery) <= now:
        raise ValidationFailed.one("date", f"The cut-off for {ordering_rules.describe_date(day)}"
                                           " has passed.")
    row = row or occurrence_row(standing, day, calendar=calendar)
    mark_skipped(row, f"Skipped by {actor.name}.")
    return _stored(calendar, row, standing)


def mark_skipped(row: StandingOccurrence, reason: str) -> None:
    if row.status is OccurrenceStatus.UPCOMING:
        row.status = OccurrenceStatus.SKIPPED
        row.reason = reason
    db.session.flush()


def _check_party(actor: User, standing: StandingOrder) -> None:
    if actor.organization_id not in (standing.supplier_id, standing.buyer_id):
        raise Forbidden("Not your standing order.")
