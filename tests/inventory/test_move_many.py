"""`ledger.move_many`: bulk stock changes keep the rules of `move()` and write the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.catalog.util import product
from wholesale.extensions import db
from wholesale.inventory.ledger import (
    InsufficientStock,
    Move,
    get_or_create_level,
    move,
    move_many,
)
from wholesale.inventory.models import MovementKind, StockLevel, StockMovement


@pytest.fixture
def levels(factory):
    supplier = factory.supplier()
    warehouse = factory.warehouse(supplier)
    items = [product(supplier) for _ in range(3)]
    result = [get_or_create_level(supplier.id, warehouse.id, p.id) for p in items]
    move(result[0].id, MovementKind.RECEIPT, on_hand=10)
    move(result[0].id, MovementKind.RESERVATION, reserved=4)
    return result


def state(level_ids):
    rows = db.session.execute(select(StockLevel.id, StockLevel.on_hand, StockLevel.reserved)
                              .where(StockLevel.id.in_(level_ids)))
    return {r.id: (r.on_hand, r.reserved) for r in rows}


def test_changes_levels_and_writes_the_ledger(levels):
    a, b, c = (lv.id for lv in levels)
    move_many([Move(c, on_hand=7, reason="count c"), Move(a, on_hand=-6, reason="count a"),
               Move(b, on_hand=3)], MovementKind.ADJUSTMENT, user_id=None)
    assert state([a, b, c]) == {a: (4, 4), b: (3, 0), c: (7, 0)}
    rows = db.session.execute(
        select(StockMovement.product_id, StockMovement.on_hand_delta,
               StockMovement.on_hand_after, StockMovement.reserved_after, StockMovement.reason)
        .where(StockMovement.kind == MovementKind.ADJUSTMENT).order_by(StockMovement.id)).all()
    by_level = {lv.product_id: lv for lv in levels}
    assert [(by_level[r[0]].id, r[1], r[2], r[3], r[4]) for r in rows] == [
        (a, -6, 4, 4, "count a"), (b, 3, 3, 0, ""), (c, 7, 7, 0, "count c")]


def test_one_bad_change_changes_nothing(levels):
    a, b, c = (lv.id for lv in levels)
    before = state([a, b, c])
    ledger = db.session.scalar(select(db.func.count(StockMovement.id)))
    with pytest.raises(InsufficientStock):
        move_many([Move(b, on_hand=5), Move(a, on_hand=-7)], MovementKind.ADJUSTMENT)
    assert state([a, b, c]) == before
    assert db.session.scalar(select(db.func.count(StockMovement.id))) == ledger
    with pytest.raises(ValueError):
        move_many([Move(b, on_hand=1), Move(b, on_hand=1)], MovementKind.ADJUSTMENT)
