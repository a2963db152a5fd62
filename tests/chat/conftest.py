"""Chat fixtures: a committed supplier/buyer/order world for the live server, socket clients
that are closed after the test, and a pair of gunicorn servers sharing Redis (a dedicated
database number, flushed around every test) for cross-process delivery."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
import requests

from tests.chat.util import Client, World, make_world
from tests.conftest import ROOT, ApiClient, LiveServer, skip_or_fail
from tests.factories import Factory
from wholesale.extensions import db

CHAT_REDIS_URL = os.environ.get("CHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def world(factory: Factory) -> World:
    """The world inside the test's rolled-back transaction (test client tests); committed
    there, so a request that rolls back keeps it."""
    built = make_world(factory)
    db.session.commit()
    return built


@pytest.fixture
def api(app, world):
    """API clients on the world's committed tokens (a request that rolls back keeps them)."""
    tokens = {
        world.buyer_user_id: world.buyer_token,
        world.supplier_user_id: world.supplier_token,
        world.staff_user_id: world.staff_token,
        world.stranger_id: world.stranger_token,
    }
    return lambda user_id: ApiClient(app.test_client(), tokens.get(user_id))


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


class ChatServer(LiveServer):
    """LiveServer whose start-up wait also tolerates a slow first answer (the worker is
    still importing the app while gunicorn already accepts connections)."""

    def start(self) -> ChatServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1",
             "--threads", "64", "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "2",
             "app:create_app()"],
            cwd=ROOT, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def live_server(
    app: Any, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The suite's live server, started with the more patient wait of ChatServer."""
    server = ChatServer(database_url, tmp_path_factory.mktemp("live-chat"), {}).start()
    yield server
    server.stop()


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
        skip_or_fail(f"Redis is not reachable at {CHAT_REDIS_URL}")
    redis.Redis.from_url(CHAT_REDIS_URL).flushdb()
    instance = tmp_path_factory.mktemp("live-redis")
    env = {"REDIS_URL": CHAT_REDIS_URL}
    first = ChatServer(database_url, instance, env).start()
    second = ChatServer(database_url, instance, env)
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
