"""Delivery-date phrases ("tmrw", "thurs", "next tue", "12/8", "Dec 8") → a date, then moved
to the supplier's next possible delivery day (wholesale/orders/rules.py) with a note saying
why. Relative words count from the supplier's local date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from wholesale.intake.catalog import DeliveryRules
from wholesale.orders import rules as ordering_rules

WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}
MONTHS = {
    name: n for n, names in enumerate((
        "jan january", "feb february", "mar march", "apr april", "may", "jun june",
        "jul july", "aug august", "sep sept september", "oct october", "nov november",
        "dec december"), start=1) for name in names.split()
}
_PREP = r"(?:for|on|by|deliver(?:ed|y)?|del|due|arrive|arriving|thru|until)"
_DAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORD = r"(\d{1,2})(?:st|nd|rd|th)?"

# (pattern, kind); searched in order on the lower-cased message, the first hit wins.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:day after (?:tomorrow|tmrw|tmr)|overmorrow)\b"), "plus2"),
    (re.compile(r"\b(?:tomorrow|tomorow|tommorow|tommorrow|tmrw|tmrow|tmr|tmw|tmro|2moro|"
                r"2morrow|2mrw|tomoz)\b"), "plus1"),
    (re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b"), "plus0"),
    (re.compile(rf"\b(?:{_MONTH})\.?\s+{_ORD}\b(?!\s*(?:lb|kg|cs|case|bag))"), "month_day"),
    (re.compile(rf"\b{_ORD}\s+(?:of\s+)?(?:{_MONTH})\b"), "day_month"),
    (re.compile(rf"(?:\b{_PREP}\s+)?\b(\d{{1,2}})/(\d{{1,2}})(?:/(\d{{2,4}}))?\b"
                r"(?!\s*(?:cs|case|cases|bag|bags|lb|lbs|kg|box|ea)\b)"), "numeric"),
    (re.compile(rf"\b(?:(next|this|coming)\s+)?({_DAY})\b(?:\s+(next week|week))?"), "weekday"),
    (re.compile(rf"\b{_PREP}\s+the\s+(\d{{1,2}})(?:st|nd|rd|th)\b"), "ordinal"),
    (re.compile(r"\bin\s+(\d|two|three|four|five)\s+days\b"), "in_days"),
    (re.compile(r"\b(?:asap|a\.s\.a\.p|earliest|soonest|first thing|next delivery|"
                r"as soon as (?:possible|you can))\b"), "asap"),
]
_SMALL_FRACTIONS = {"1/2", "1/3", "2/3", "1/4", "3/4"}
_WORD_DAYS = {"two": 2, "three": 3, "four": 4, "five": 5}
# "sun" and "sat" are words too: only a date after a preposition or "this"/"next".
_BARE_AMBIGUOUS = {"sun", "sat", "wed", "mon"}


@dataclass(frozen=True)
class DatePhrase:
    day: date | None  # None: "asap" (the earliest possible day)
    span: tuple[int, int]  # where in the lower-cased text
    text: str


def find_date(text: str, today: date) -> DatePhrase | None:
    """The delivery date the message asks for, if it names one."""
    lowered = text.lower()
    for pattern, kind in _PATTERNS:
        for found in pattern.finditer(lowered):
            day = _resolve(kind, found, today, lowered)
            if day is not False:
                return DatePhrase(day, found.span(), found.group(0))  # type: ignore[arg-type]
    return None


def _resolve(kind: str, m: re.Match[str], today: date, text: str) -> date | None | bool:
    """The date of one hit; False when the hit is not a date after all."""
    if kind.startswith("plus"):
        return today + timedelta(days=int(kind[4:]))
    if kind == "asap":
        return None
    if kind == "in_days":
        n = m.group(1)
        return today + timedelta(days=_WORD_DAYS.get(n) or int(n))
    if kind == "weekday":
        word = m.group(2)
        before = text[max(0, m.start() - 8):m.start()]
        after = text[m.end():m.end() + 10]
        if (word in _BARE_AMBIGUOUS and not m.group(1)
                and not re.search(rf"\b{_PREP}\s*$", before)
                and not re.match(r"\s*(?:delivery|del\b|drop|pls|please|:)", after)):
            return False
        ahead = (WEEKDAYS[word] - today.weekday()) % 7 or 7
        day = today + timedelta(days=ahead)
        if m.group(1) == "next" and day.isocalendar()[:2] == today.isocalendar()[:2]:
            day += timedelta(days=7)  # "next tue" on a Monday: the week after
        if m.group(3) == "next week" or (m.group(3) == "week" and m.group(1) is None):
            monday_next = today + timedelta(days=7 - today.weekday())
            day = monday_next + timedelta(days=WEEKDAYS[word])
        return day
    if kind in ("month_day", "day_month"):
        month_word = re.search(rf"\b({_MONTH})\b", m.group(0))
        assert month_word is not None
        return _next(today, MONTHS[month_word.group(1)], int(m.group(1)))
    if kind == "numeric":
        month, day_of_month = int(m.group(1)), int(m.group(2))
        has_prep = re.match(rf"{_PREP}\s", m.group(0)) is not None
        if f"{month}/{day_of_month}" in _SMALL_FRACTIONS and not has_prep:
            return False
        if not (1 <= month <= 12 and 1 <= day_of_month <= 31):
            return False
        if m.group(3):
            year = int(m.group(3))
            year = year + 2000 if year < 100 else year
            try:
                return date(year, month, day_of_month)
            except ValueError:
                return False
        return _next(today, month, day_of_month) or False
    if kind == "ordinal":
        n = int(m.group(1))
        for months_ahead in range(3):
            month = (today.month - 1 + months_ahead) % 12 + 1
            year = today.year + (today.month - 1 + months_ahead) // 12
            try:
                day = date(year, month, n)
            except ValueError:
                continue
            if day > today:
                return day
        return False
    return False


def _next(today: date, month: int, day_of_month: int) -> date | None:
    """That month and day this year, or next year when it is already weeks past."""
    for year in (today.year, today.year + 1):
        try:
            day = date(year, month, day_of_month)
        except ValueError:
            return None
        if day >= today - timedelta(days=14):
            return day
    return None


@dataclass(frozen=True)
class Delivery:
    day: date | None
    note: str | None


def _long(day: date) -> str:
    return f"{day:%A} {day:%b} {day.day}"


def delivery_date(asked: DatePhrase | None, rules: DeliveryRules, now: datetime) -> Delivery:
    """The delivery date for the draft: the asked day, or the next one the supplier can
    deliver on (and why). No date asked: None (the draft builder offers the earliest)."""
    if asked is None:
        return Delivery(None, None)
    earliest = ordering_rules.earliest_delivery_date(rules, now)
    if asked.day is None:
        return Delivery(earliest, f"Earliest delivery is {_long(earliest)}.")
    days = ordering_rules.delivery_weekdays(rules)
    day = max(asked.day, earliest)
    while day.isoweekday() not in days:
        day += timedelta(days=1)
    if day == asked.day:
        return Delivery(day, None)
    if asked.day < earliest:
        local_today = now.astimezone(ordering_rules.zone_of(rules)).date()
        why = "is in the past" if asked.day < local_today else "is past the cut-off"
        return Delivery(day, f"{_long(asked.day)} {why}; earliest delivery is {_long(day)}.")
    return Delivery(day, f"No deliveries on {asked.day:%A}s; the next delivery day is "
                         f"{_long(day)}.")
