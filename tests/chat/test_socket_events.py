"""The chat's Socket.IO events run on the python-socketio server in an app context alone
(messaging/chat/sockets.py): what they need comes from the connection, not a request."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, has_app_context, has_request_context

from messaging.chat import connections
from messaging.chat.access import ThreadRef
from messaging.chat.connections import Connection
from wholesale.extensions import socketio

SID = "sid-under-test"


@pytest.fixture
def connection(app: Flask) -> Any:
    found = Connection(user_id=7, org_id=3, token_id=None, session_id=5, name="Sam")
    connections.add(SID, found)
    yield found
    connections.remove(SID)


def _event(name: str, *args: Any) -> Any:
    return socketio.server.handlers["/"][name](SID, *args)


def test_typing_reaches_the_thread_from_the_connection_alone(
    connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []

    def emit(event: str, data: Any, **kwargs: Any) -> None:
        seen.append({"event": event, "data": data, "app": has_app_context(),
                     "request": has_request_context(), **kwargs})

    monkeypatch.setattr(socketio.server, "emit", emit)
    connection.joined[("order", 41)] = ThreadRef(thread_id=9, order_id=41, supplier_id=3,
                                                  buyer_id=4)
    assert _event("typing", {"order_id": 41}) == {"ok": True}
    assert seen == [{
        "event": "typing",
        "data": {"thread_id": 9, "order_id": 41,
                 "user": {"id": 7, "name": "Sam", "side": "supplier"}},
        "app": True, "request": False,
        "namespace": "/", "to": ["thread:9:supplier", "thread:9:buyer"], "skip_sid": SID,
        "callback": None,
    }]
    assert _event("typing", {"order_id": 42})["error"]["code"] == "not_joined"
    assert _event("typing", {"thread_id": 9})["error"]["code"] == "not_joined"
    both = _event("typing", {"order_id": 41, "thread_id": 9})
    assert both["error"]["code"] == "validation_error"
    assert _event("typing", {})["error"]["code"] == "validation_error"


def test_an_event_from_a_connection_that_may_no_longer_act_drops_it(
    connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped: list[tuple[str, Any]] = []
    monkeypatch.setattr(socketio.server, "disconnect",
                        lambda sid, namespace=None, **_kw: dropped.append((sid, namespace)))
    connection.revoked = True
    ack = _event("send", {"order_id": 41, "body": "hello", "client_id": "c-1"})
    assert ack["ok"] is False and ack["error"]["code"] == "unauthorized"
    assert dropped == [(SID, "/")]


def test_an_event_from_an_unknown_connection_is_refused(app: Flask) -> None:
    ack = socketio.server.handlers["/"]["read"]("sid-never-connected",
                                                {"order_id": 1, "message_id": 1})
    assert ack == {"ok": False, "error": {"code": "unauthorized", "message": "Connect again."}}
