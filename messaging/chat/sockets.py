"""Socket.IO handlers (CONTRACT.md §4): each parses its payload, calls one service, commits,
and acknowledges. Broadcasts queued by the services go out after the commit.

Acks are `{"ok": true, ...}` or `{"ok": false, "error": {"code", "message"}}`; a handler
never raises to the client.

`connect` and `disconnect` go through Flask-SocketIO, which runs them in a request context
(the portal's session cookie signs a browser in). The other events need no request: who is
on the connection was settled at connect. They are registered on the python-socketio server
itself and run in an app context alone, which spares every event building a request, opening
the cookie session and matching a URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, request
from flask_socketio import SocketIO, disconnect, join_room
from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowError

from messaging.chat import connections, recheck, services
from messaging.chat.access import Access, Actor, open_thread, open_thread_by_id
from messaging.chat.connections import Connection
from messaging.chat.models import Side
from messaging.chat.rooms import org_room, thread_room, thread_rooms, user_room
from messaging.chat.schemas import JoinSchema, ReadSchema, SendSchema, TypingSchema
from wholesale.api.registry import flatten_messages
from wholesale.errors import DomainError
from wholesale.extensions import db, socketio
from wholesale.tenancy import set_tenant

log = logging.getLogger(__name__)

Ack = dict[str, Any]


def _error(code: str, message: str, fields: dict[str, list[str]] | None = None) -> Ack:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"ok": False, "error": error}


def _event(schema: type[Schema]) -> Callable[[Callable[..., Ack]], Callable[..., Ack]]:
    """Authenticate the connection's user again, set the tenant, parse, run, commit.

    The handler is called as python-socketio calls it, `(sid, data)`, inside an app
    context (`register`)."""

    loader = schema()  # loading does not change the schema: one instance serves every event

    def decorator(fn: Callable[..., Ack]) -> Callable[..., Ack]:
        @wraps(fn)
        def handler(sid: str, data: Any = None, *_extra: Any) -> Ack:
            connection = connections.get(sid)
            if connection is None:
                return _error("unauthorized", "Connect again.")
            try:
                actor = connections.actor_of(connection)
                if actor is None:
                    db.session.rollback()
                    disconnect(sid, namespace="/")
                    return _error("unauthorized", "Your session has ended; sign in again.")
                set_tenant(actor.organization_id)
                if not isinstance(data, dict):
                    return _error("validation_error", "Send a JSON object.")
                try:
                    payload = loader.load(data)
                except MarshmallowError as exc:
                    fields = flatten_messages(exc.messages)
                    return _error("validation_error", "Some fields are invalid.", fields)
                ack = fn(actor, connection, sid, **payload)
                if db.session.registry.has():  # none: the event wrote nothing, or on its own
                    db.session.commit()
                return ack
            except DomainError as exc:
                db.session.rollback()
                return _error(exc.code, exc.message, exc.fields or None)
            except Exception:
                log.exception("socket event %s failed", fn.__name__)
                db.session.rollback()
                return _error("internal_error", "Something went wrong on our side.")

        return handler

    return decorator


def on_connect(auth: Any = None) -> bool:
    try:
        connection = connections.authenticate(auth)
        db.session.commit()  # the token's last use
    except Exception:
        log.exception("socket authentication failed")
        db.session.rollback()
        connection = None
    if connection is None:
        raise ConnectionRefusedError(
            {"code": "unauthorized", "message": "Connect with an API token or sign in."}
        )
    connections.add(request.sid, connection)
    recheck.ensure_running(current_app._get_current_object())
    join_room(user_room(connection.user_id))
    join_room(org_room(connection.org_id))
    return True


def on_disconnect(*_args: Any) -> None:
    connections.remove(request.sid)


def _open(actor: Actor, order_id: int | None, thread_id: int | None) -> Access:
    if order_id is not None:
        return open_thread(actor, order_id)
    assert thread_id is not None  # the schemas take exactly one of the two
    return open_thread_by_id(actor, thread_id)


def _key(order_id: int | None, thread_id: int | None) -> tuple[str, int]:
    return ("order", order_id) if order_id is not None else ("thread", thread_id or 0)


def _access(actor: Actor, connection: Connection, order_id: int | None,
            thread_id: int | None) -> Access:
    """The thread of a joined order or thread from the connection's memory (a thread's
    organizations never change), else from the database."""
    ref = connection.joined.get(_key(order_id, thread_id))
    return Access(actor, ref) if ref is not None else _open(actor, order_id, thread_id)


@_event(JoinSchema)
def on_join(actor: Actor, connection: Connection, sid: str, *, order_id: int | None,
            thread_id: int | None, after_id: int | None) -> Ack:
    access = _open(actor, order_id, thread_id)
    # The room first, then the replay: a message committed meanwhile is in one or both
    # (clients drop duplicates by id), never in neither.
    join_room(thread_room(access.thread_id, access.side), sid=sid, namespace="/")
    connection.joined[_key(order_id, thread_id)] = access.thread
    return {"ok": True, "thread_id": access.thread_id, "order_id": access.order_id,
            "messages": services.replay(access, after_id)}


@_event(SendSchema)
def on_send(actor: Actor, connection: Connection, _sid: str, *, order_id: int | None,
            thread_id: int | None, body: str, client_id: str, internal: bool) -> Ack:
    access = _access(actor, connection, order_id, thread_id)
    posted = services.post_message(access, body, internal=internal, client_id=client_id,
                                   only_write=True)
    return {"ok": True, "message": posted.payload}


@_event(TypingSchema)
def on_typing(actor: Actor, connection: Connection, sid: str, *, order_id: int | None,
              thread_id: int | None, internal: bool) -> Ack:
    ref = connection.joined.get(_key(order_id, thread_id))
    if ref is None:
        return _error("not_joined", "Join the thread first.")
    side = ref.side_of(actor.organization_id)
    user = {"id": actor.id, "name": actor.name, "side": side.value}
    socketio.emit(
        "typing",
        {"thread_id": ref.thread_id, "order_id": ref.order_id, "user": user},
        to=list(thread_rooms(ref.thread_id, internal=internal and side is Side.SUPPLIER)),
        skip_sid=sid,
    )
    return {"ok": True}


@_event(ReadSchema)
def on_read(actor: Actor, connection: Connection, _sid: str, *, order_id: int | None,
            thread_id: int | None, message_id: int) -> Ack:
    receipt = services.mark_read(_access(actor, connection, order_id, thread_id), message_id)
    return {"ok": True, "message_id": receipt.message_id, "seq": receipt.seq}


def _in_app_context(app: Flask, handler: Callable[..., Ack]) -> Callable[..., Ack]:
    def run(sid: str, *args: Any) -> Ack:
        with app.app_context():
            return handler(sid, *args)

    return run


def register(socketio: SocketIO, app: Flask) -> None:
    """The handlers, on `socketio` after its `init_app(app)`."""
    socketio.on_event("connect", on_connect)
    socketio.on_event("disconnect", on_disconnect)
    for name, handler in (("join", on_join), ("send", on_send), ("typing", on_typing),
                          ("read", on_read)):
        socketio.server.on(name, _in_app_context(app, handler))
