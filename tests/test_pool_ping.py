"""wholesale/pool_ping.py: a pooled connection dropped while idle is replaced unseen."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from wholesale import pool_ping


@pytest.fixture
def engine(database_url: str):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose the connection to")
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(database_url: str, pid: int) -> None:
    killer = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}
                                ).scalar_one()
    finally:
        killer.dispose()


def test_an_idle_connection_dropped_by_the_server_is_replaced(
    engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend_pid(engine)
    _terminate(database_url, first)
    monkeypatch.setattr(pool_ping, "IDLE_BEFORE_PING", 0.0)  # it has been idle long enough
    with engine.connect() as conn:  # the ping fails, the pool connects afresh
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != first


def test_a_connection_back_in_the_pool_a_moment_ago_is_not_pinged(
    engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No round trip under load: the dropped connection is handed out unchecked, its first
    statement fails, and the pool then starts afresh (SQLAlchemy's disconnect handling)."""
    first = _backend_pid(engine)
    _terminate(database_url, first)
    monkeypatch.setattr(pool_ping, "IDLE_BEFORE_PING", 60.0)
    with pytest.raises(DBAPIError) as failed, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert failed.value.connection_invalidated
    assert _backend_pid(engine) != first
