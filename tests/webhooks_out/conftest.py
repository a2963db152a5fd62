"""Outbound webhook fixtures: a receiver (a tiny HTTP server on 127.0.0.1 that checks the
signature as docs/webhooks.md tells integrators to), the webhook settings for one test,
the cast of an order, API clients that commit the test's setup, and a sender."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask

from messaging.webhooks_out.sender import WebhookSender
from tests.factories import Factory
from tests.notifications.util import Cast, make_cast
from tests.orders.conftest import CommittingApi
from wholesale.accounts.models import User
from wholesale.extensions import db

FAST = {  # this folder's defaults: private targets allowed (the receiver), quick retries
    "WEBHOOKS_ALLOW_PRIVATE": "1", "WEBHOOKS_TIMEOUT": "2", "WEBHOOKS_RETRY_BASE_SECONDS": "0.05",
    "WEBHOOKS_RETRY_MAX_SECONDS": "0.2", "WEBHOOKS_POLL_SECONDS": "0.02",
    "WEBHOOKS_CACHE_SECONDS": "0",
}


@dataclass
class Received:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next of `answers` (then the last one again): a status
    code, or ("sleep", seconds) before a 200, or ("redirect", url)."""

    url: str
    secret: str = ""
    answers: list[Any] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)

    def answer(self) -> Any:
        index = min(len(self.received) - 1, len(self.answers) - 1)
        return self.answers[index]


def verify(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """The receiver's check, written as docs/webhooks.md shows it."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp = parts.get("t", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            me = state["receiver"]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            header = self.headers.get("Ordertalk-Signature", "")
            me.received.append(Received(time.monotonic(), self.path, dict(self.headers),
                                        body, verify(me.secret, body, header)))
            answer = me.answer()
            if isinstance(answer, tuple) and answer[0] == "sleep":
                time.sleep(answer[1])
                answer = 200
            if isinstance(answer, tuple) and answer[0] == "redirect":
                self.send_response(302)
                self.send_header("Location", answer[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            payload = b'{"ok": true}' if answer < 300 else b"broken"
            try:
                self.send_response(answer)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the sender timed out
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def settings(app: Flask) -> Iterator[Callable[..., None]]:
    """`settings(NAME=value, …)`: webhook settings for this test (this folder's FAST ones
    apply from the start)."""
    saved = {name: app.config.get(name) for name in FAST}

    def apply(**values: Any) -> None:
        for name, value in values.items():
            saved.setdefault(name, app.config.get(name))
            app.config[name] = value

    apply(**FAST)
    yield apply
    for name, value in saved.items():
        if value is None:
            app.config.pop(name, None)
        else:
            app.config[name] = value


@pytest.fixture
def cast(factory: Factory) -> Cast:
    built = make_cast(factory)
    db.session.commit()
    return built


@pytest.fixture
def api_as(app: Flask, factory: Factory) -> Callable[[User | None], CommittingApi]:
    def make(user: User | None) -> CommittingApi:
        return CommittingApi(app.test_client(), factory.token(user) if user else None)

    return make


@pytest.fixture
def make_sender(app: Flask) -> Iterator[Callable[[], WebhookSender]]:
    """A sender with the settings as they are when it is made (it reads them once)."""
    made: list[WebhookSender] = []

    def make() -> WebhookSender:
        made.append(WebhookSender(app))
        return made[-1]

    yield make
    for sender in made:
        sender.finish(5)
