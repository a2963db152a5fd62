"""The inputs of the pure parser: the catalog, the buyer's history, learned aliases.

Plain frozen dataclasses, built by `services.py` from the database or by the bench and
tests from fixtures, so `parser.parse()` never touches the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta


@dataclass(frozen=True)
class DeliveryRules:
    """The part of a supplier's OrderingRules that dates need, without the ORM (the
    functions of wholesale/orders/rules.py take either: they read these attributes)."""

    delivery_days: str = "1,2,3,4,5"  # ISO weekdays
    cutoff_time: time = time(14, 0)
    timezone: str = "America/Los_Angeles"
    lead_days: int = 1

    @classmethod
    def of(cls, rules: object) -> DeliveryRules:
        return cls(rules.delivery_days, rules.cutoff_time, rules.timezone,  # type: ignore[attr-defined]
                   rules.lead_days)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CatalogProduct:
    id: int
    sku: str
    name: str
    unit: str = "each"
    case_size: int = 1
    min_order_qty: int = 1
    order_multiple: int = 1
    category: str = ""


@dataclass(frozen=True)
class PastOrder:
    """One of the buyer's earlier orders with this supplier: product id → quantity."""

    placed_on: date
    lines: Mapping[int, int]


@dataclass(frozen=True)
class BuyerHistory:
    """The buyer's recent orders with the supplier, newest first."""

    orders: tuple[PastOrder, ...] = ()

    def last_order(self) -> PastOrder | None:
        return self.orders[0] if self.orders else None

    def last_week(self, today: date) -> PastOrder | None:
        """The newest order placed last calendar week, else the newest order."""
        monday = today - timedelta(days=today.weekday())
        for order in self.orders:
            if monday - timedelta(days=7) <= order.placed_on < monday:
                return order
        return self.last_order()

    def usual(self, window: int = 8) -> dict[int, int]:
        """What the buyer usually orders: products in at least half (and at least two) of
        the last `window` orders, each at its most frequent quantity (the newest one on a tie)."""
        recent = self.orders[:window]
        if not recent:
            return {}
        seen = Counter(pid for order in recent for pid in order.lines)
        needed = 1 if len(recent) == 1 else max(2, -(-len(recent) // 2))
        usual: dict[int, int] = {}
        for pid, count in seen.items():
            if count < needed:
                continue
            quantities = [o.lines[pid] for o in recent if pid in o.lines]
            tally = Counter(quantities)
            top = max(tally.values())
            usual[pid] = next(q for q in quantities if tally[q] == top)
        return usual

    def frequency(self) -> Counter[int]:
        """How many of the recent orders each product was in."""
        return Counter(pid for order in self.orders for pid in order.lines)


@dataclass(frozen=True)
class Aliases:
    """Learned wording → product id: the buyer's own, then the supplier's (promoted)."""

    buyer: Mapping[str, int] = field(default_factory=dict)
    supplier: Mapping[str, int] = field(default_factory=dict)


def products_from(rows: Iterable[object]) -> list[CatalogProduct]:
    """`CatalogProduct`s from objects with the catalog model's attributes."""
    return [
        CatalogProduct(
            id=r.id, sku=r.sku, name=r.name, unit=r.unit or "each",  # type: ignore[attr-defined]
            case_size=r.case_size or 1, min_order_qty=r.min_order_qty or 1,  # type: ignore[attr-defined]
            order_multiple=r.order_multiple or 1, category=r.category or "",  # type: ignore[attr-defined]
        )
        for r in rows
    ]
