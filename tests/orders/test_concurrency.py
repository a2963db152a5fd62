"""Concurrent placements over real HTTP (gunicorn, threads): no oversell, no duplicate order.

Runs on SQLite (BEGIN IMMEDIATE, WAL, busy timeout) and on PostgreSQL (conditional updates,
row locks in id order, the idempotency key's unique constraint)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import requests
from sqlalchemy import func, insert, select, text

from tests.factories import Factory
from tests.orders.conftest import Shop, build_shop
from wholesale.extensions import db
from wholesale.inventory.models import MovementKind, StockLevel, StockMovement
from wholesale.orders.models import Allocation, IdempotencyKey, Order, OrderCounter, OrderLine


@contextmanager
def _gate(supplier_id: int) -> Iterator[None]:
    """Hold up every placement of this supplier until the block ends, so they pile up and
    really overlap. PostgreSQL: lock the supplier's order counter row, which placement takes
    as its last write — requests read, plan, insert and reserve, then wait there, holding
    their row locks (the next ones queue behind them on stock rows and idempotency keys).
    SQLite: hold the database's write lock; every request waits at BEGIN IMMEDIATE."""
    with db.engine.connect() as gate:
        if gate.dialect.name == "postgresql":
            gate.execute(text("SELECT 1 FROM order_counters WHERE supplier_id = :s FOR UPDATE"),
                         {"s": supplier_id})
        else:
            gate.execute(text("SELECT 1"))  # our BEGIN IMMEDIATE takes the write lock
        yield
        gate.commit()


def _fire(url: str, supplier_id: int,
          requests_: list[tuple[str, dict[str, Any], str]]) -> list[requests.Response]:
    """Send every (token, body, key) at once, one thread each, held at the gate a moment."""
    db.session.commit()  # end our own transaction: on SQLite it holds the write lock
    if db.session.get(OrderCounter, supplier_id) is None:  # the row the gate locks
        db.session.execute(insert(OrderCounter.__table__).values(supplier_id=supplier_id,
                                                                 last_number=0))
    db.session.commit()
    barrier = threading.Barrier(len(requests_) + 1)

    def send(item: tuple[str, dict[str, Any], str]) -> requests.Response:
        token, body, key = item
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return session.post(f"{url}/api/v1/orders", json=body, timeout=60,
                                headers={"Authorization": f"Bearer {token}",
                                         "Idempotency-Key": key})

    with ThreadPoolExecutor(max_workers=len(requests_)) as pool, _gate(supplier_id):
        futures = [pool.submit(send, item) for item in requests_]
        barrier.wait(timeout=30)
        _all_held_or_answered(futures)
    return [future.result() for future in futures]


def _all_held_or_answered(futures: list[Any]) -> None:
    """Wait until every request is held up at a lock (at the gate, or behind one that is) or
    has already been answered (a replayed key needs no lock). PostgreSQL shows the waiting
    sessions; SQLite's BEGIN IMMEDIATE waits inside the server's busy handler, where nothing
    can see it, so there the requests are given a moment instead."""
    if db.engine.dialect.name != "postgresql":
        time.sleep(1.5)
        return
    deadline = time.monotonic() + 30
    with db.engine.connect() as watcher:
        while True:
            waiting = watcher.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar_one()
            watcher.rollback()  # a fresh snapshot of the activity each time
            answered = sum(future.done() for future in futures)
            if waiting + answered >= len(futures):
                return
            assert time.monotonic() < deadline, (
                f"only {waiting} waiting and {answered} answered of {len(futures)}")
            time.sleep(0.02)


def _committed_shop(live_db: Factory) -> Shop:
    shop = build_shop(live_db)
    db.session.commit()
    return shop


def _count(model: type, *where: Any) -> int:
    stmt = select(func.count()).select_from(model.__table__)
    for clause in where:
        stmt = stmt.where(clause)
    return db.session.execute(stmt).scalar_one()


def test_no_oversell_under_concurrent_placements(live_server, live_db: Factory) -> None:
    shop = _committed_shop(live_db)
    scarce = shop.product({shop.near: 4, shop.far: 5})  # 9 units, no backorders
    other = shop.product({shop.near: 7})  # 7 units
    # A second buyer too, so two organizations race (and two rows of keys/tenants).
    rival = live_db.buyer("Rival Bistro")
    live_db.connect(shop.supplier, rival)
    rival_location = live_db.location(rival, "Rival kitchen", "37.77", "-122.41")
    rival_owner = live_db.owner(rival)
    db.session.commit()

    # 12 at once: all fit the server's connection pool (15), so every one of them reads the
    # stock before any commits — most plan on the same units, and the losers must plan again
    # (Sacramento still has some) rather than fail, or give up when nothing is left.
    attempts = []
    for i in range(12):
        # Every order wants 2 of `scarce` and 1 of `other`, lines in alternating order (the
        # reservations still lock levels in id order, so they cannot deadlock).
        lines = [(scarce, 2), (other, 1)] if i % 2 else [(other, 1), (scarce, 2)]
        body = shop.body(*lines)
        if i % 3 == 0:
            body["delivery_location_id"] = rival_location.id
        # A token each: the first use of a token writes its last_used_at, which would make
        # requests sharing a token wait for one another instead of racing.
        token = live_db.token(rival_owner if i % 3 == 0 else shop.buyer_user)
        attempts.append((token, body, uuid.uuid4().hex))
    responses = _fire(live_server.url, shop.supplier.id, attempts)

    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [r.text[:300] for r in responses
                                         if r.status_code not in (201, 409)]
    assert statuses == {201: 4, 409: 8}, statuses  # 9 units of `scarce`: four orders of 2
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "insufficient_stock"

    db.session.expire_all()
    levels = db.session.execute(select(StockLevel.__table__)).all()
    assert all(0 <= level.reserved <= level.on_hand for level in levels)
    reserved = {(lv.product_id, lv.warehouse_id): lv.reserved for lv in levels}
    assert reserved[(scarce.id, shop.near.id)] + reserved[(scarce.id, shop.far.id)] == 8
    assert reserved[(other.id, shop.near.id)] == 4
    assert _count(Order) == 4
    allocated = db.session.execute(
        select(OrderLine.__table__.c.product_id, func.sum(Allocation.__table__.c.quantity))
        .join(Allocation.__table__)
        .group_by(OrderLine.__table__.c.product_id)).all()
    assert dict(allocated) == {scarce.id: 8, other.id: 4}
    ledger = db.session.execute(
        select(func.sum(StockMovement.__table__.c.reserved_delta))
        .where(StockMovement.__table__.c.kind == MovementKind.RESERVATION.value)).scalar_one()
    assert ledger == 12
    numbers = sorted(db.session.execute(select(Order.__table__.c.number)).scalars())
    assert numbers == [1, 2, 3, 4]  # no gaps, no duplicates


def test_concurrent_duplicates_place_one_order(live_server, live_db: Factory) -> None:
    shop = _committed_shop(live_db)
    product = shop.product({shop.near: 100})
    body = shop.body((product, 3))
    key = uuid.uuid4().hex

    # One token per request (see above); the key is the organization's, whoever sends it.
    responses = _fire(live_server.url, shop.supplier.id,
                      [(live_db.token(shop.buyer_user), body, key) for _ in range(12)])

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 200: 11}, [r.text[:300] for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    db.session.expire_all()
    assert _count(Order) == 1
    assert _count(IdempotencyKey) == 1
    assert db.session.execute(select(func.sum(StockLevel.__table__.c.reserved))).scalar_one() == 3

    # And the same key with another body, concurrently: 409s, still one order.
    other = shop.body((product, 4))
    responses = _fire(live_server.url, shop.supplier.id,
                      [(live_db.token(shop.buyer_user), other, key) for _ in range(4)])
    assert {r.status_code for r in responses} == {409}
    assert {r.json()["error"]["code"] for r in responses} == {"idempotency_key_reused"}
    db.session.expire_all()
    assert _count(Order) == 1


def test_concurrent_orders_past_the_stock_go_to_linked_backorders(live_server,
                                                                  live_db: Factory) -> None:
    shop = _committed_shop(live_db)
    product = shop.product({shop.near: 5}, allow_backorder=True)
    db.session.commit()
    responses = _fire(live_server.url, shop.supplier.id,
                      [(live_db.token(shop.buyer_user), shop.body((product, 1)),
                        uuid.uuid4().hex) for _ in range(10)])

    assert [r.status_code for r in responses] == [201] * 10, [r.text[:300] for r in responses]
    orders = [r.json() for r in responses]
    firm = [o for o in orders if o["lines"]]
    short = [o for o in orders if not o["lines"]]
    assert len(firm) == 5 and len(short) == 5
    for order in firm:
        [line] = order["lines"]
        assert (line["quantity"], line["allocated_quantity"]) == (1, 1)
        assert order["backorders"] == []
    assert all(len(order["backorders"]) == 1 for order in short)

    # Every unit that could not be reserved is on an order linked by backorder_of.
    db.session.expire_all()
    backorders = db.session.execute(
        select(Order.__table__.c.id, Order.__table__.c.backorder_of_id)
        .where(Order.__table__.c.backorder_of_id.is_not(None))).all()
    assert sorted(parent for _, parent in backorders) == sorted(o["id"] for o in short)
    waiting = db.session.execute(
        select(OrderLine.__table__.c.order_id, OrderLine.__table__.c.quantity)
        .where(OrderLine.__table__.c.order_id.in_([bo for bo, _ in backorders]))).all()
    assert sorted(q for _, q in waiting) == [1] * 5
    assert _count(Allocation, Allocation.__table__.c.order_line_id.in_(
        select(OrderLine.__table__.c.id).where(
            OrderLine.__table__.c.order_id.in_([bo for bo, _ in backorders])))) == 0
    level = shop.level(product, shop.near)
    assert (level.on_hand, level.reserved) == (5, 5)
    assert _count(Order) == 15
    numbers = sorted(db.session.execute(select(Order.__table__.c.number)).scalars())
    assert numbers == list(range(1, 16))
