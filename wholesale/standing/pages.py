"""What the standing-order pages show: a buyer's standing orders with their next
occurrences, and a supplier's upcoming auto-orders per delivery day (a demand forecast for
picking and purchasing). Reads only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from wholesale.accounts.models import Organization
from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.orders import rules as ordering_rules
from wholesale.sites.models import DeliveryLocation
from wholesale.standing import services
from wholesale.standing.models import OccurrenceStatus, StandingOrder

UNSCOPED = services.UNSCOPED
FORECAST_DAYS = 14


@dataclass(frozen=True)
class Line:
    product: Product | None
    quantity: int

    @property
    def label(self) -> str:
        if self.product is None:
            return f"{self.quantity} × (unknown product)"
        return f"{self.quantity} {self.product.unit} {self.product.name}"


@dataclass(frozen=True)
class StandingView:
    standing: StandingOrder
    partner: str
    location: str
    lines: list[Line]
    schedule: str
    occurrences: list[tuple[services.Occurrence, list[Line]]]


def _products(standing_orders: list[StandingOrder], extra: list[list[dict[str, Any]]] = ()
              ) -> dict[int, Product]:
    ids = {line["product_id"] for s in standing_orders for line in s.lines}
    ids |= {line["product_id"] for lines in extra for line in lines}
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_(ids)).execution_options(**UNSCOPED))}


def _lines(lines: list[dict[str, Any]], products: dict[int, Product]) -> list[Line]:
    return [Line(products.get(line["product_id"]), line["quantity"]) for line in lines]


def describe_schedule(standing: StandingOrder) -> str:
    days = ", ".join(ordering_rules.WEEKDAY_NAMES[d - 1] for d in standing.weekday_list)
    every = "every week" if standing.every_weeks == 1 else f"every {standing.every_weeks} weeks"
    until = f" until {standing.ends_on:%b} {standing.ends_on.day}" if standing.ends_on else ""
    return f"{days}, {every}, from {standing.starts_on:%b} {standing.starts_on.day}{until}"


def overview(org: Organization, now: datetime | None = None, ahead: int = 4
             ) -> list[StandingView]:
    """The organization's standing orders, newest first, each with its next `ahead`
    occurrences."""
    now = now or utcnow()
    standing_orders = list(db.session.scalars(
        select(StandingOrder).where((StandingOrder.buyer_id == org.id)
                                    | (StandingOrder.supplier_id == org.id))
        .order_by(StandingOrder.id.desc()).execution_options(**UNSCOPED)))
    upcoming = {s.id: [o for o in services.occurrences(s, now, ahead=ahead, past_days=0)
                       if o.cutoff_at is None or o.cutoff_at > now][:ahead]
                for s in standing_orders}
    products = _products(standing_orders, [o.lines for os in upcoming.values() for o in os])
    names = _names({s.supplier_id if s.buyer_id == org.id else s.buyer_id
                    for s in standing_orders})
    places = {loc.id: loc.name for loc in db.session.scalars(
        select(DeliveryLocation).where(DeliveryLocation.id.in_(
            {s.delivery_location_id for s in standing_orders})).execution_options(**UNSCOPED))}
    return [StandingView(
        s, names.get(s.supplier_id if s.buyer_id == org.id else s.buyer_id, ""),
        places.get(s.delivery_location_id, ""), _lines(s.lines, products),
        describe_schedule(s), [(o, _lines(o.lines, products)) for o in upcoming[s.id]])
        for s in standing_orders]


def _names(org_ids: set[int]) -> dict[int, str]:
    if not org_ids:
        return {}
    return {org_id: name for org_id, name in db.session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))
        .execution_options(**UNSCOPED))}


@dataclass
class Day:
    day: date
    orders: list[tuple[StandingOrder, str, list[Line]]] = field(default_factory=list)
    totals: list[Line] = field(default_factory=list)  # per product, for picking and buying


def forecast(supplier_id: int, now: datetime | None = None, days: int = FORECAST_DAYS
             ) -> list[Day]:
    """The supplier's upcoming auto-orders per delivery day for the next `days` days, with
    the total of each product per day."""
    now = now or utcnow()
    last = services.calendar_for(supplier_id).local_today(now) + timedelta(days=days)
    standing_orders = list(db.session.scalars(
        select(StandingOrder).where(StandingOrder.supplier_id == supplier_id,
                                    StandingOrder.paused.is_(False))
        .order_by(StandingOrder.id).execution_options(**UNSCOPED)))
    names = _names({s.buyer_id for s in standing_orders})
    entries: list[tuple[date, StandingOrder, list[dict[str, Any]]]] = []
    for standing in standing_orders:
        for occurrence in services.occurrences(standing, now, ahead=days, past_days=0):
            delivery = occurrence.delivery_date
            if (occurrence.status is OccurrenceStatus.UPCOMING and delivery is not None
                    and delivery <= last):
                entries.append((delivery, standing, occurrence.lines))
    products = _products(standing_orders, [lines for _, _, lines in entries])
    by_day: dict[date, Day] = {}
    totals: dict[date, dict[int, int]] = defaultdict(dict)
    for delivery, standing, lines in sorted(entries, key=lambda e: (e[0], e[1].id)):
        day = by_day.setdefault(delivery, Day(delivery))
        day.orders.append((standing, names.get(standing.buyer_id, ""), _lines(lines, products)))
        for line in lines:
            counts = totals[delivery]
            counts[line["product_id"]] = counts.get(line["product_id"], 0) + line["quantity"]
    for delivery, day in by_day.items():
        day.totals = sorted((Line(products.get(pid), qty)
                             for pid, qty in totals[delivery].items()), key=lambda ln: ln.label)
    return [by_day[d] for d in sorted(by_day)]
