"""Pessimistic disconnect handling that costs nothing under load.

SQLAlchemy's `pool_pre_ping` pings the database at every checkout — a round trip on every
request and every Socket.IO event, and most of them reuse a connection checked in
milliseconds ago. Here a connection is pinged only when it sat idle in the pool for
`IDLE_BEFORE_PING` seconds (when a database restart or an idle timeout can have dropped it);
a failed ping makes the pool discard it and try another (SQLAlchemy's DisconnectionError
protocol). A connection dropped while busy fails its statement and the pool is invalidated,
as without any pinging.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

IDLE_BEFORE_PING = 1.0  # seconds
_IDLE_SINCE = "ordertalk.idle_since"


@event.listens_for(Pool, "checkin")
def _mark_idle(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    idle_since = record.info.get(_IDLE_SINCE)
    if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING:
        return  # new, or back in the pool a moment ago
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        return  # a file: nothing to lose the connection to
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:
        raise DisconnectionError("the pooled connection was dropped") from exc
