"""The periodic re-check of this process's Socket.IO connections (see `connections`).

Every `RECHECK_SECONDS` one query per kind of credential finds which connections may still
act: token connections whose token is not revoked and whose user is active, cookie
connections whose portal session is live and whose user is active. The others are marked revoked
and disconnected; the rest are marked checked (and pick up a changed name).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask
from sqlalchemy import select

from messaging.chat import connections
from messaging.chat.connections import Connection
from wholesale.accounts.models import ApiToken, User, UserSession
from wholesale.extensions import db, socketio

log = logging.getLogger(__name__)

_started: set[int] = set()  # ids of the apps whose checker runs in this process
_start_lock = threading.Lock()


def ensure_running(app: Flask) -> None:
    """Start the checker of this process once (on the first connection, so after a fork)."""
    with _start_lock:
        if id(app) in _started:
            return
        _started.add(id(app))
    socketio.start_background_task(_loop, app)


def _loop(app: Flask) -> None:
    while True:
        time.sleep(connections.RECHECK_SECONDS)
        try:
            with app.app_context():
                try:
                    recheck_all()
                finally:
                    db.session.remove()
        except Exception:  # keep checking; events re-check themselves if this falls behind
            log.exception("re-checking socket connections failed")


def recheck_all() -> list[str]:
    """Check every connection of this process now; returns the sids disconnected."""
    started = time.monotonic()
    current = connections.snapshot()
    if not current:
        return []
    names = _allowed(current.values())
    gone: list[str] = []
    for sid, connection in current.items():
        name = names.get(_key(connection))
        if name is None:
            connection.revoked = True
            gone.append(sid)
        else:
            connection.name, connection.checked_at = name, started
    db.session.rollback()
    for sid in gone:
        connections.remove(sid)
        try:
            socketio.server.disconnect(sid, namespace="/")
        except Exception:  # already gone
            log.debug("could not disconnect %s", sid, exc_info=True)
    return gone


def _key(connection: Connection) -> tuple[Any, ...]:
    if connection.token_id is not None:
        return ("token", connection.token_id, connection.user_id)
    return ("session", connection.session_id, connection.user_id)


def _allowed(current: Any) -> dict[tuple[Any, ...], str]:
    """The keys (see `_key`) that may still act, with the user's current name."""
    items = list(current)
    token_ids = {c.token_id for c in items if c.token_id is not None}
    session_ids = {c.session_id for c in items if c.token_id is None}
    allowed: dict[tuple[Any, ...], str] = {}
    if token_ids:
        rows = db.session.execute(
            select(ApiToken.id, User.id, User.name)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.id.in_(token_ids), ApiToken.revoked_at.is_(None),
                   User.deactivated_at.is_(None))
            .execution_options(all_tenants=True))
        allowed.update({("token", token_id, user_id): name for token_id, user_id, name in rows})
    if session_ids:
        rows = db.session.execute(
            select(UserSession.id, User.id, User.name)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.id.in_(session_ids), User.deactivated_at.is_(None))
            .execution_options(all_tenants=True))
        allowed.update({("session", session_id, user_id): name
                        for session_id, user_id, name in rows})
    return allowed
