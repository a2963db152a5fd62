"""Stock an order holds: what is reserved and not shipped, giving it back on cancel, and the
stock levels behind allocations. Every change goes through `inventory.ledger.move()`, several
levels in ascending id order (`lock_order`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.inventory.ledger import lock_order, move
from wholesale.inventory.models import MovementKind, StockLevel
from wholesale.orders.models import Allocation, Order, OrderLine


def open_allocations(line: OrderLine) -> list[Allocation]:
    return [a for a in line.allocations if a.released_at is None]


def reserved_of(line: OrderLine) -> int:
    """Units of the line reserved in warehouses (shipped ones included)."""
    return sum(a.quantity for a in open_allocations(line))


def shipped_of(line: OrderLine) -> int:
    return sum(a.shipped_quantity for a in line.allocations)


def unshipped_reserved(line: OrderLine) -> int:
    """Reserved and still in the warehouse: what can ship now."""
    return sum(a.quantity - a.shipped_quantity for a in open_allocations(line))


def waiting(line: OrderLine) -> int:
    """Units of the line that have no stock yet (they wait for a receipt)."""
    return max(0, line.quantity - reserved_of(line))


def fully_reserved(order: Order) -> bool:
    return all(waiting(line) == 0 for line in order.lines)


def fully_shipped(order: Order) -> bool:
    return bool(order.lines) and all(shipped_of(line) >= line.quantity for line in order.lines)


def level_ids(supplier_id: int, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(warehouse id, product id) → stock level id."""
    wanted = set(pairs)
    if not wanted:
        return {}
    warehouses = {w for w, _ in wanted}
    products = {p for _, p in wanted}
    stmt = (
        select(StockLevel.id, StockLevel.warehouse_id, StockLevel.product_id)
        .where(StockLevel.supplier_id == supplier_id,
               StockLevel.warehouse_id.in_(warehouses), StockLevel.product_id.in_(products))
        .execution_options(all_tenants=True)
    )
    return {(w, p): i for i, w, p in db.session.execute(stmt) if (w, p) in wanted}


def release(order: Order, actor: User | None, reason: str) -> int:
    """Give back every unit the order holds and has not shipped (ledger RELEASE), and close
    its allocations. Each allocation is released once: a released one is skipped. Returns
    the units released."""
    now = utcnow()
    by_level: dict[tuple[int, int], int] = {}
    closing: list[Allocation] = []
    for line in order.lines:
        for allocation in open_allocations(line):
            remaining = allocation.quantity - allocation.shipped_quantity
            if remaining > 0:
                key = (allocation.warehouse_id, line.product_id)
                by_level[key] = by_level.get(key, 0) + remaining
            closing.append(allocation)
    ids = level_ids(order.supplier_id, by_level)
    quantities = {ids[key]: quantity for key, quantity in by_level.items()}
    for level_id in lock_order(quantities):
        move(level_id, MovementKind.RELEASE, reserved=-quantities[level_id], reason=reason,
             user_id=actor.id if actor else None, order_id=order.id)
    for allocation in closing:
        allocation.released_at = now
    db.session.flush()
    return sum(quantities.values())
