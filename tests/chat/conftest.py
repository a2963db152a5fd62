"""Chat fixtures: a committed supplier/buyer/order world for the live server, socket clients
that are closed after the test, and a pair of gunicorn servers sharing Redis (a dedicated
database number, flushed around every test) for cross-process delivery."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from tests.chat.util import Client, World, make_world
from tests.conftest import LiveServer
from tests.factories import Factory
from wholesale.extensions import db

CHAT_REDIS_URL = os.environ.get("CHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def world(factory: Factory) -> World:
    """The world inside the test's rolled-back transaction (test client tests)."""
    return make_world(factory)


@pytest.fixture
def live_world(live_db: Factory) -> World:
    """The same, committed, for tests against server processes."""
    built = make_world(live_db)
    db.session.commit()
    return built


@pytest.fixture
def sockets() -> Iterator[Callable[..., Client]]:
    """`sockets(url, token)`: a connected client, disconnected after the test."""
    opened: list[Client] = []

    def open_client(url: str, token: str | None, **kwargs: Any) -> Client:
        client = Client(url, token, **kwargs)
        opened.append(client)
        return client.connect()

    yield open_client
    for client in opened:
        client.close()


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(CHAT_REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_servers(
    app: Any, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two app processes sharing Redis as their Socket.IO message queue."""
    if not _redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {CHAT_REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {CHAT_REDIS_URL}")
    redis.Redis.from_url(CHAT_REDIS_URL).flushdb()
    instance = tmp_path_factory.mktemp("live-redis")
    env = {"REDIS_URL": CHAT_REDIS_URL}
    first = LiveServer(database_url, instance, env).start()
    second = LiveServer(database_url, instance, env)
    try:
        second.start()
    except Exception:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


@pytest.fixture
def shared_redis(redis_servers: tuple[LiveServer, LiveServer]) -> Iterator[redis.Redis]:
    """The dedicated Redis database, empty at the start and end of the test."""
    client = redis.Redis.from_url(CHAT_REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
