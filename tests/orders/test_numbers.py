"""Order numbers: where the counter's increment runs (see wholesale/orders/numbers.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from tests.factories import Factory
from wholesale import autocommit
from wholesale.extensions import db
from wholesale.orders import numbers
from wholesale.orders.models import OrderCounter


def _committed_counter(live_db: Factory, last: int) -> int:
    supplier_id = live_db.supplier("Golden Gate Provisions").id
    db.session.add(OrderCounter(supplier_id=supplier_id, last_number=last))
    db.session.commit()
    return supplier_id


def _seen_from_outside(supplier_id: int) -> int:
    engine = create_engine(db.engine.url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(OrderCounter.__table__.c.last_number)
                                .where(OrderCounter.__table__.c.supplier_id == supplier_id)
                                ).scalar_one()
    finally:
        engine.dispose()


def test_a_new_supplier_numbers_from_one_in_its_transaction(live_db: Factory) -> None:
    supplier_id = live_db.supplier("Acme").id
    db.session.commit()
    assert numbers.next_numbers(supplier_id) == [1]
    assert numbers.next_numbers(supplier_id, 2) == [2, 3]
    db.session.rollback()  # the counter was created in this transaction: all given back
    assert numbers.next_numbers(supplier_id) == [1]
    db.session.commit()
    assert _seen_from_outside(supplier_id) == 1


def test_postgresql_takes_numbers_apart_so_the_counter_is_not_held(
    live_db: Factory, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("numbers are taken in the placement's transaction on SQLite")
    supplier_id = _committed_counter(live_db, 41)
    assert numbers.next_numbers(supplier_id) == [42]
    # Committed already: another transaction sees it (and is not kept waiting) before ours
    # ends; a rollback of ours leaves a gap rather than a duplicate.
    assert _seen_from_outside(supplier_id) == 42
    db.session.rollback()
    assert numbers.next_numbers(supplier_id) == [43]
    db.session.commit()


def test_a_transaction_holding_the_counter_does_not_wait_for_itself(
    live_db: Factory, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race where the apart increment saw no counter row, a concurrent first order
    committed it, and ours then incremented it in place: our transaction holds the row's
    lock, so the next number must be taken in place too."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    supplier_id = _committed_counter(live_db, 7)
    real = numbers._increment_apart
    calls: list[Any] = []

    def first_misses(supplier: int, count: int) -> int | None:
        calls.append(supplier)
        return None if len(calls) == 1 else real(supplier, count)

    monkeypatch.setattr(numbers, "_increment_apart", first_misses)
    with db.session.begin_nested():  # as placement does: the savepoint's end is not the end
        assert numbers.next_numbers(supplier_id) == [8]  # in place: the row is locked by us
    began = time.monotonic()
    assert numbers.next_numbers(supplier_id) == [9]
    assert time.monotonic() - began < autocommit.LOCK_TIMEOUT_MS / 1000 * 0.8
    db.session.commit()
    assert _seen_from_outside(supplier_id) == 9
    assert numbers.next_numbers(supplier_id) == [10]  # after commit: apart again
    assert _seen_from_outside(supplier_id) == 10
    db.session.commit()
