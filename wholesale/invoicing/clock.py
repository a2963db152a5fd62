"""Which day it is for a supplier: its ordering rules' time zone (invoices are dated, fall
due and go overdue on the supplier's calendar)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wholesale.db import utcnow
from wholesale.orders.rules import rules_for


def zone_of(supplier_id: int) -> ZoneInfo:
    try:
        return ZoneInfo(rules_for(supplier_id).timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(supplier_id: int, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(zone_of(supplier_id)).date()
