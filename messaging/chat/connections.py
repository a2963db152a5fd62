"""Who is on the other end of each Socket.IO connection of this process.

A connection is authenticated once, on connect: with `auth={"token": "<api token>"}` or the
portal's session cookie (Flask-Login's user, the same as the pages). After that a removed
user, a revoked token or an ended portal session (sign-out, sign-out everywhere, a password
change) loses the socket within
`RECHECK_SECONDS`: `recheck.py` re-checks every connection of the process in one query that
often and disconnects the ones that may no longer act, so events do not pay a query each.
Should that check fall behind (`STALE_SECONDS`), an event re-checks its own connection.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask_login import current_user
from sqlalchemy import select

from messaging.chat.access import Actor, ThreadRef
from wholesale.accounts.models import ApiToken, User, UserSession
from wholesale.accounts.secrets import token_hash
from wholesale.accounts.services import user_for_token
from wholesale.extensions import db

RECHECK_SECONDS = 5.0
STALE_SECONDS = 3 * RECHECK_SECONDS


@dataclass
class Connection:
    user_id: int
    org_id: int
    token_id: int | None
    session_id: int | None  # the portal session (`UserSession`) of a cookie connection
    name: str
    checked_at: float = field(default_factory=time.monotonic)
    revoked: bool = False
    # ("order", order_id) or ("thread", thread_id) → the thread joined that way
    joined: dict[tuple[str, int], ThreadRef] = field(default_factory=dict)


_connections: dict[str, Connection] = {}
_lock = threading.Lock()


def authenticate(auth: Any) -> Connection | None:
    """The connection's identity from its `auth` payload or session cookie, else None."""
    if isinstance(auth, dict) and "token" in auth:
        token = auth["token"]
        if not isinstance(token, str) or not token.strip() or len(token) > 200:
            return None
        user = user_for_token(token.strip())
        if user is None:
            return None
        token_id = db.session.scalar(
            select(ApiToken.id)
            .where(ApiToken.token_hash == token_hash(token.strip()))
            .execution_options(all_tenants=True)
        )
        return Connection(user.id, user.organization_id, token_id, None, user.name)
    if auth not in (None, {}) and not isinstance(auth, dict):
        return None
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        return Connection(user.id, user.organization_id, None, user.portal_session.id, user.name)
    return None


def add(sid: str, connection: Connection) -> None:
    with _lock:
        _connections[sid] = connection


def get(sid: str) -> Connection | None:
    return _connections.get(sid)


def snapshot() -> dict[str, Connection]:
    with _lock:
        return dict(_connections)


def remove(sid: str) -> None:
    with _lock:
        _connections.pop(sid, None)


def actor_of(connection: Connection) -> Actor | None:
    """Who acts on this connection; None when the user may no longer act (re-checked here
    only when the periodic check has fallen behind)."""
    if connection.revoked:
        return None
    now = time.monotonic()
    if now - connection.checked_at >= STALE_SECONDS:
        user = user_of(connection)
        if user is None:
            connection.revoked = True
            return None
        connection.name, connection.checked_at = user.name, now
    return Actor(connection.user_id, connection.org_id, connection.name)


def user_of(connection: Connection) -> User | None:
    """The connection's user if it may still act, else None."""
    stmt = select(User).where(User.id == connection.user_id)
    if connection.token_id is not None:
        stmt = stmt.join(ApiToken, ApiToken.user_id == User.id).where(
            ApiToken.id == connection.token_id, ApiToken.revoked_at.is_(None)
        )
    else:
        stmt = stmt.join(UserSession, UserSession.user_id == User.id).where(
            UserSession.id == connection.session_id
        )
    user = db.session.scalars(stmt.execution_options(all_tenants=True)).first()
    if user is None or not user.is_active:
        return None
    return user
