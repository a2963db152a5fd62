"""Where a message's write runs (messaging/chat/store.py): on its own, committed at once, when
it is the caller's only write; otherwise in the session's transaction. Either way the
broadcast leaves only once the message is committed."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, func, select, text

from messaging.chat import outbox, services
from messaging.chat.access import Access, Actor, ThreadRef, ensure_thread, ref_of
from messaging.chat.models import Message
from tests.chat.util import World
from tests.factories import Factory
from wholesale import autocommit, pool_ping
from wholesale.extensions import db
from wholesale.orders.models import Order


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """The socket emits, as they leave."""
    emitted: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(outbox.socketio, "emit",
                        lambda event, data, **_kw: emitted.append((event, data)))
    return emitted


def _access(world: World) -> Access:
    order = db.session.get(Order, world.order_id, execution_options={"all_tenants": True})
    ref: ThreadRef = ref_of(ensure_thread(order))
    db.session.commit()  # the thread exists for everyone; the session is between transactions
    return Access(Actor(world.supplier_user_id, world.supplier_id, "Sam"), ref)


def _stored_outside(body: str) -> int:
    """How many messages with `body` another connection sees (committed ones only)."""
    engine = create_engine(db.engine.url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Message.__table__)
                                .where(Message.__table__.c.body == body)).scalar_one()
    finally:
        engine.dispose()


def _postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no autocommit path: every message is in the transaction")


def test_a_lone_message_is_committed_and_broadcast_at_once(
    live_db: Factory, live_world: World, database_url: str, sent: list[Any]
) -> None:
    _postgres_only(database_url)
    access = _access(live_world)
    posted = services.post_message(access, "on its own", client_id="c-1", only_write=True)
    assert posted.created
    assert _stored_outside("on its own") == 1  # before any commit of ours
    assert [(event, data["id"]) for event, data in sent] == [("message", posted.id)]
    again = services.post_message(access, "on its own", client_id="c-1", only_write=True)
    assert not again.created and again.id == posted.id
    db.session.commit()
    assert _stored_outside("on its own") == 1 and len(sent) == 1


def test_a_message_in_an_open_transaction_waits_for_its_commit(
    live_db: Factory, live_world: World, database_url: str, sent: list[Any]
) -> None:
    access = _access(live_world)
    db.session.execute(text("SELECT 1"))  # the caller has begun a transaction
    posted = services.post_message(access, "in the transaction", client_id="c-2",
                                   only_write=True)
    if database_url.startswith("postgresql"):  # SQLite's writer locks other readers out
        assert _stored_outside("in the transaction") == 0
    assert sent == []
    db.session.commit()
    assert _stored_outside("in the transaction") == 1
    assert [(event, data["id"]) for event, data in sent] == [("message", posted.id)]


def test_without_only_write_the_message_is_part_of_the_callers_transaction(
    live_db: Factory, live_world: World, sent: list[Any]
) -> None:
    access = _access(live_world)
    services.post_message(access, "rolled back", client_id="c-3")
    db.session.rollback()
    assert _stored_outside("rolled back") == 0
    assert sent == []


def test_a_thread_locked_for_long_is_waited_for_in_the_session(
    live_db: Factory, live_world: World, database_url: str, sent: list[Any]
) -> None:
    """Another transaction holds the thread row past autocommit.LOCK_TIMEOUT_MS (an order
    change posting its event): the message waits for it in the session instead of failing."""
    _postgres_only(database_url)
    access = _access(live_world)
    holder = create_engine(db.engine.url)
    locked = threading.Event()

    def hold_the_row() -> None:
        with holder.begin() as conn:
            conn.execute(text("SELECT 1 FROM chat_threads WHERE id = :id FOR UPDATE"),
                         {"id": access.thread.thread_id})
            locked.set()
            time.sleep(autocommit.LOCK_TIMEOUT_MS / 1000 + 0.5)

    worker = threading.Thread(target=hold_the_row)
    worker.start()
    try:
        assert locked.wait(10)
        posted = services.post_message(access, "waited", client_id="c-4", only_write=True)
    finally:
        worker.join(10)
        holder.dispose()
    assert posted.created
    assert _stored_outside("waited") == 0 and sent == []  # in our transaction now
    db.session.commit()
    assert _stored_outside("waited") == 1
    assert [(event, data["id"]) for event, data in sent] == [("message", posted.id)]


def test_a_connection_the_server_dropped_fails_one_send_and_is_replaced(
    live_db: Factory, live_world: World, database_url: str, sent: list[Any],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    _postgres_only(database_url)
    monkeypatch.setattr(pool_ping, "IDLE_BEFORE_PING", 60.0)  # no ping rescues it
    access = _access(live_world)
    services.post_message(access, "before", client_id="c-5", only_write=True)
    pooled = autocommit.engine().raw_connection()  # the connection that send used
    try:
        pid = pooled.cursor().execute("SELECT pg_backend_pid()").fetchone()[0]
    finally:
        pooled.close()
    with create_engine(db.engine.url, isolation_level="AUTOCOMMIT").connect() as killer:
        assert killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    with pytest.raises(psycopg.OperationalError):
        services.post_message(access, "lost", client_id="c-6", only_write=True)
    db.session.rollback()
    services.post_message(access, "after", client_id="c-6", only_write=True)
    assert [_stored_outside(body) for body in ("before", "lost", "after")] == [1, 0, 1]
    assert [data["body"] for _event, data in sent] == ["before", "after"]
