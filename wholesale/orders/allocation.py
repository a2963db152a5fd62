"""Which warehouses a placement reserves stock from.

For each line, warehouses are ranked by great-circle (haversine) distance from the
delivery location, nearest first (ties: lower warehouse id). The nearest warehouse that can
fill the whole line gets it; only when none can is the line split, taking what each
warehouse has, nearest first. What no warehouse has is the line's shortfall.

Planning is pure: it works on a snapshot of availability (`read_stock`). Placement reads
it locked, so no concurrent order can take the stock between the plan and its
reservation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from wholesale.extensions import db
from wholesale.inventory.models import StockLevel
from wholesale.sites.models import Warehouse

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Source:
    """Stock of one product in one warehouse, as read."""

    level_id: int
    warehouse_id: int
    product_id: int
    available: int
    distance_km: float


@dataclass(frozen=True)
class Take:
    level_id: int
    warehouse_id: int
    quantity: int


@dataclass
class LinePlan:
    product_id: int
    quantity: int
    takes: list[Take] = field(default_factory=list)

    @property
    def reserved(self) -> int:
        return sum(take.quantity for take in self.takes)

    @property
    def shortfall(self) -> int:
        return self.quantity - self.reserved


@dataclass
class Stock:
    """A snapshot: per product its sources, nearest first; and the warehouses involved."""

    sources: dict[int, list[Source]]
    warehouses: dict[int, Warehouse]
    # Read with `lock`: the levels as locked (id, on_hand, reserved, supplier_id,
    # warehouse_id, product_id), for the ledger to change without reading them again.
    levels: dict[int, Any] = field(default_factory=dict)


def read_stock(
    supplier_id: int, product_ids: Iterable[int], latitude: float, longitude: float,
    *, lock: bool = False
) -> Stock:
    """Each product's stock in the supplier's warehouses, nearest warehouse first. `lock`:
    the levels are locked in ascending id order (`SELECT … FOR UPDATE OF stock_levels`, the
    ledger's deadlock-free order; SQLite holds the write lock from BEGIN IMMEDIATE) until the
    transaction ends, so the plan made on them can be reserved as made."""
    ids = sorted(set(product_ids))
    stock = Stock({pid: [] for pid in ids}, {})
    if not ids:
        return stock
    level = StockLevel.__table__.c
    stmt = (
        select(level.id, level.product_id, level.on_hand, level.reserved, level.supplier_id,
               level.warehouse_id, Warehouse)
        .join(Warehouse, Warehouse.id == level.warehouse_id)
        .where(level.supplier_id == supplier_id, level.product_id.in_(ids))
        .execution_options(all_tenants=True)
    )
    if lock:
        stmt = stmt.order_by(level.id).with_for_update(of=StockLevel.__table__)
    for row in db.session.execute(stmt):
        level_id, product_id, warehouse = row.id, row.product_id, row.Warehouse
        available = row.on_hand - row.reserved
        if lock:
            stock.levels[level_id] = row
        stock.warehouses[warehouse.id] = warehouse
        distance = haversine_km(latitude, longitude, float(warehouse.latitude),
                                float(warehouse.longitude))
        stock.sources[product_id].append(
            Source(level_id, warehouse.id, product_id, max(0, available), distance)
        )
    for sources in stock.sources.values():
        sources.sort(key=lambda s: (s.distance_km, s.warehouse_id))
    return stock


def plan_line(product_id: int, quantity: int, sources: Sequence[Source]) -> LinePlan:
    """Allocate one line from `sources` (nearest first); see the module docstring."""
    plan = LinePlan(product_id, quantity)
    whole = next((s for s in sources if s.available >= quantity), None)
    if whole is not None:
        plan.takes.append(Take(whole.level_id, whole.warehouse_id, quantity))
        return plan
    remaining = quantity
    for source in sources:
        if remaining == 0:
            break
        take = min(remaining, source.available)
        if take > 0:
            plan.takes.append(Take(source.level_id, source.warehouse_id, take))
            remaining -= take
    return plan


def plan_lines(
    lines: Sequence[tuple[int, int]], stock: dict[int, list[Source]]
) -> list[LinePlan]:
    """Plans for (product_id, quantity) lines; products are distinct (lines are merged)."""
    return [plan_line(pid, qty, stock.get(pid, [])) for pid, qty in lines]
