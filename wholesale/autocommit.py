"""A small pool of autocommit connections (PostgreSQL), beside the session's pool.

For a write that is one statement and must not wait for, or make others wait for, the rest
of a transaction: a supplier's order counter (`orders/numbers.py`), a chat message that is
its event's only write (`messaging/chat/store.py`). A statement on it is its own
transaction: one round trip, no BEGIN and no COMMIT. Separate from the main pool,
so a thread holding a session connection never waits for one held by another such thread.
"""

from __future__ import annotations

from typing import Any

import psycopg
from flask import current_app
from psycopg.errors import LockNotAvailable
from sqlalchemy import Engine, create_engine

from wholesale.extensions import db

_ENGINE = "ordertalk.autocommit_engine"  # app.extensions key
# A row locked longer than this by a transaction is not waited for here: the caller gets
# LockNotAvailable and does its write in its own transaction instead.
LOCK_TIMEOUT_MS = 1000
LOCKED = object()  # what `fetch_one` returns when a row stayed locked past LOCK_TIMEOUT_MS


def available() -> bool:
    return db.engine.dialect.name == "postgresql"


def session_is_idle() -> bool:
    """The session has no transaction open (so holds no locks nor uncommitted rows), told
    without creating a session where the context has none yet."""
    return not (db.session.registry.has() and db.session().in_transaction())


def engine() -> Engine:
    found = current_app.extensions.get(_ENGINE)
    if found is None:
        found = create_engine(
            db.engine.url, isolation_level="AUTOCOMMIT", pool_size=10, max_overflow=20,
            pool_reset_on_return=None,  # no transaction to roll back: spare the round trip
            connect_args={"options": f"-c lock_timeout={LOCK_TIMEOUT_MS}"})
        found = current_app.extensions.setdefault(_ENGINE, found)
    return found


def fetch_one(sql: str, params: dict[str, Any]) -> Any:
    """The first row of `sql` (psycopg's placeholders) run on its own, straight through
    psycopg for a hot path (SQLAlchemy's connection and result wrappers cost more than the
    rest of such a call); `LOCKED` when a row it needs stayed locked too long.

    A connection the server dropped fails this one call; it is discarded and the pool starts
    afresh, as SQLAlchemy does when one of its own statements meets a disconnect."""
    pool = engine()
    connection = pool.raw_connection()
    try:
        with connection.cursor() as cursor:
            return cursor.execute(sql, params).fetchone()
    except LockNotAvailable:
        return LOCKED
    except psycopg.OperationalError as exc:
        if connection.dbapi_connection is None or connection.dbapi_connection.closed:
            connection.invalidate(exc)
            pool.dispose(close=False)
        raise
    finally:
        connection.close()
