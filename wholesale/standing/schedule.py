"""The calendar of a standing order, pure (no database): which days its schedule names,
where a closed day sends an occurrence, and when each one is reminded of and placed.

An occurrence for delivery day D is placed at the supplier's cut-off on the order day
D − lead_days (in the supplier's time zone): the last moment an order for D is accepted
(`orders/rules.py`). The scheduler places it in the `PLACE_AHEAD` before that moment
(it runs every few seconds), and reminds the buyer `reminder_hours` before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from wholesale.orders import rules as ordering_rules
from wholesale.orders.models import OrderingRules
from wholesale.standing.models import ClosedDay

PLACE_AHEAD = timedelta(minutes=10)
MAX_MOVE_DAYS = 14  # a closed day moves an occurrence at most this far


@dataclass(frozen=True)
class Schedule:
    weekdays: frozenset[int]  # ISO weekdays
    every_weeks: int
    starts_on: date
    ends_on: date | None

    def days(self, start: date, end: date) -> Iterator[date]:
        """The schedule's days in [start, end], earliest first: its weekdays, in every
        `every_weeks`-th week counted from the week (Monday) of `starts_on`."""
        first_monday = self.starts_on - timedelta(days=self.starts_on.weekday())
        day = max(start, self.starts_on)
        last = end if self.ends_on is None else min(end, self.ends_on)
        while day <= last:
            weeks = (day - first_monday).days // 7
            if day.isoweekday() in self.weekdays and weeks % self.every_weeks == 0:
                yield day
            day += timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    """The supplier's side of it: ordering rules and standing-order settings."""

    rules: OrderingRules
    closed_day: ClosedDay
    closed_dates: frozenset[date]
    reminder_hours: int

    def is_closed(self, day: date) -> bool:
        return (day.isoweekday() not in ordering_rules.delivery_weekdays(self.rules)
                or day in self.closed_dates)

    def delivery_day(self, scheduled: date) -> date | None:
        """Where an occurrence scheduled on `scheduled` is delivered: that day, or — when the
        supplier is closed then — the next open day (MOVE) or nowhere (SKIP, None)."""
        if not self.is_closed(scheduled):
            return scheduled
        if self.closed_day is ClosedDay.SKIP:
            return None
        for ahead in range(1, MAX_MOVE_DAYS + 1):
            day = scheduled + timedelta(days=ahead)
            if not self.is_closed(day):
                return day
        return None

    def cutoff_at(self, delivery_on: date) -> datetime:
        """The last moment an order for `delivery_on` is accepted (UTC)."""
        lead = max(self.rules.lead_days or 0, 0)
        order_day = delivery_on - timedelta(days=lead)
        cutoff = self.rules.cutoff_time or ordering_rules.DEFAULT_CUTOFF
        local = datetime.combine(order_day, cutoff, tzinfo=ordering_rules.zone_of(self.rules))
        return local.astimezone(UTC)

    def place_at(self, delivery_on: date) -> datetime:
        return self.cutoff_at(delivery_on) - PLACE_AHEAD

    def remind_at(self, delivery_on: date) -> datetime | None:
        if self.reminder_hours <= 0:
            return None
        return self.cutoff_at(delivery_on) - timedelta(hours=self.reminder_hours)

    def local_today(self, now: datetime) -> date:
        return now.astimezone(ordering_rules.zone_of(self.rules)).date()
