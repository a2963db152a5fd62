"""The one way stock changes: a conditional UPDATE of the level plus a ledger row.

`move()` changes `on_hand` and/or `reserved` of one stock level in a single UPDATE whose
WHERE clause re-checks the rule it must keep (enough available to reserve, enough on hand
to ship, never below zero), so two concurrent transactions can never both take the last
units: the second one's UPDATE matches no row and it gets `InsufficientStock`. The row
lock the UPDATE takes is held until commit; callers that move several levels in one
transaction do it in ascending level id order (see `lock_order`) so they cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from wholesale.db import utcnow
from wholesale.errors import Conflict
from wholesale.extensions import db
from wholesale.inventory.models import MovementKind, StockLevel, StockMovement


class InsufficientStock(Conflict):
    code = "insufficient_stock"


@dataclass(frozen=True)
class LevelAfter:
    id: int
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def get_or_create_level(supplier_id: int, warehouse_id: int, product_id: int) -> StockLevel:
    """The stock level row for this product in this warehouse (created at zero if missing)."""
    stmt = select(StockLevel).where(StockLevel.warehouse_id == warehouse_id,
                                    StockLevel.product_id == product_id)
    level = db.session.scalars(stmt.execution_options(all_tenants=True)).first()
    if level is None:
        # A savepoint, so a concurrent insert of the same row does not spoil our transaction.
        try:
            with db.session.begin_nested():
                level = StockLevel(supplier_id=supplier_id, warehouse_id=warehouse_id,
                                   product_id=product_id, on_hand=0, reserved=0)
                db.session.add(level)
        except IntegrityError:  # another transaction created it first: read theirs
            level = db.session.scalars(stmt.execution_options(all_tenants=True)).one()
    return level


def move(level_id: int, kind: MovementKind, *, on_hand: int = 0, reserved: int = 0,
         reason: str = "", user_id: int | None = None, order_id: int | None = None) -> LevelAfter:
    """Apply deltas to one stock level atomically and write the ledger row.

    Raises InsufficientStock (409) when the change would make reserved exceed on hand or
    either go below zero — and changes nothing then.
    """
    table = StockLevel.__table__
    c = table.c
    new_on_hand = c.on_hand + on_hand
    new_reserved = c.reserved + reserved
    stmt = (
        update(table)
        .where(and_(c.id == level_id, new_on_hand >= 0, new_reserved >= 0,
                    new_reserved <= new_on_hand))
        .values(on_hand=new_on_hand, reserved=new_reserved, updated_at=utcnow())
        .returning(c.id, c.on_hand, c.reserved, c.supplier_id, c.warehouse_id, c.product_id)
    )
    row = db.session.execute(stmt).first()
    if row is None:
        raise InsufficientStock("Not enough stock for this change.")
    db.session.execute(
        insert(StockMovement.__table__).values(
            supplier_id=row.supplier_id, warehouse_id=row.warehouse_id,
            product_id=row.product_id, kind=kind, on_hand_delta=on_hand,
            reserved_delta=reserved, on_hand_after=row.on_hand, reserved_after=row.reserved,
            reason=reason[:500], user_id=user_id, order_id=order_id, created_at=utcnow(),
        )
    )
    _expire_level(level_id)
    return LevelAfter(row.id, row.on_hand, row.reserved)


def lock_order(level_ids: Iterable[int]) -> list[int]:
    """The order in which to touch several levels in one transaction (deadlock-free)."""
    return sorted(set(level_ids))


def _expire_level(level_id: int) -> None:
    """Loaded StockLevel objects must not keep showing the old numbers."""
    for obj in db.session.identity_map.values():
        if isinstance(obj, StockLevel) and obj.id == level_id:
            db.session.expire(obj)



@dataclass(frozen=True)
class Move:
    """One level's change inside `move_many`."""

    level_id: int
    on_hand: int = 0
    reserved: int = 0
    reason: str = ""


def move_many(moves: Sequence[Move], kind: MovementKind, *, user_id: int | None = None,
              order_id: int | None = None, chunk: int = 1000,
              locked: Mapping[int, Any] | None = None) -> None:
    """`move()` for several levels at once (an order's reservations, bulk imports): the same
    rules, the same ledger rows, three statements per thousand levels instead of two per
    level.

    The levels are locked first, in ascending id order (PostgreSQL: SELECT … FOR UPDATE;
    SQLite holds the database write lock from BEGIN IMMEDIATE), so the values read are the
    values changed. Every change is checked before anything is written; the UPDATEs keep
    the conditional WHERE of `move()` and their row count is verified. Raises
    InsufficientStock (changing nothing) if any level would break the rules. Each level may
    appear once. `locked`: the caller already locked and read the levels (in this
    transaction, in that order; rows with the columns read here): they are not read again.
    """
    by_id = {m.level_id: m for m in moves}
    if len(by_id) != len(moves):
        raise ValueError("move_many: a level appears twice")
    table = StockLevel.__table__
    c = table.c
    ids = lock_order(by_id)
    now = utcnow()
    current: dict[int, Any] = {}
    if locked is not None and all(i in locked for i in ids):
        current = {i: locked[i] for i in ids}
        ids_to_read: list[int] = []
    else:
        ids_to_read = ids
    for start in range(0, len(ids_to_read), chunk):
        part = ids_to_read[start:start + chunk]
        rows = db.session.execute(
            select(c.id, c.on_hand, c.reserved, c.supplier_id, c.warehouse_id, c.product_id)
            .where(c.id.in_(part)).order_by(c.id).with_for_update()
        ).all()
        current.update({row.id: row for row in rows})
    for level_id in ids:
        row, m = current.get(level_id), by_id[level_id]
        if row is None:
            raise InsufficientStock("Not enough stock for this change.")
        new_on_hand, new_reserved = row.on_hand + m.on_hand, row.reserved + m.reserved
        if new_on_hand < 0 or new_reserved < 0 or new_reserved > new_on_hand:
            raise InsufficientStock("Not enough stock for this change.")
    stmt = (
        update(table)
        .where(and_(c.id == bindparam("b_id"),
                    c.on_hand + bindparam("b_on_hand") >= 0,
                    c.reserved + bindparam("b_reserved") >= 0,
                    c.reserved + bindparam("b_reserved") <= c.on_hand + bindparam("b_on_hand")))
        .values(on_hand=c.on_hand + bindparam("b_on_hand"),
                reserved=c.reserved + bindparam("b_reserved"), updated_at=bindparam("b_now"))
    )
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        changed = db.session.execute(stmt, [
            {"b_id": i, "b_on_hand": by_id[i].on_hand, "b_reserved": by_id[i].reserved,
             "b_now": now} for i in part]).rowcount
        if changed != len(part):  # cannot happen while the rows are locked
            raise InsufficientStock("Stock changed during the update; nothing was changed.")
        db.session.execute(insert(StockMovement.__table__), [
            {"supplier_id": current[i].supplier_id, "warehouse_id": current[i].warehouse_id,
             "product_id": current[i].product_id, "kind": kind,
             "on_hand_delta": by_id[i].on_hand, "reserved_delta": by_id[i].reserved,
             "on_hand_after": current[i].on_hand + by_id[i].on_hand,
             "reserved_after": current[i].reserved + by_id[i].reserved,
             "reason": by_id[i].reason[:500], "user_id": user_id, "order_id": order_id,
             "created_at": now}
            for i in part])
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, StockLevel) and obj.id in by_id:
            db.session.expire(obj)
