"""Queueing deliveries: one row per (endpoint, event), written in the transaction of the
change (signal receivers run inside it), so a rollback takes them away with it and nothing
leaves before the commit. The sender (sender.py) delivers them.

Most organizations have no endpoint: which ones do is kept per process for
WEBHOOKS_CACHE_SECONDS, so an event of the others costs no query. Registering an endpoint
clears this process's copy at once; another process sees it within that time."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import current_app
from sqlalchemy import select

from messaging.webhooks_out.catalog import subscribed
from messaging.webhooks_out.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from messaging.webhooks_out.settings import webhook_settings
from wholesale import autocommit
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.transaction_state import lasts_one_transaction

# Set after a commit that queued deliveries: wakes an idle sender at once.
WAKE = threading.Event()
_WAKE_KEY = "messaging.webhooks_out.wake"
_UNSCOPED = {"all_tenants": True}

_lock = threading.Lock()
_known: tuple[float, frozenset[int]] | None = None  # (when loaded, organizations)


def forget_endpoints() -> None:
    """An endpoint was added or enabled: the next event looks again."""
    global _known
    with _lock:
        _known = None


def _organizations_with_endpoints() -> frozenset[int]:
    global _known
    ttl = webhook_settings(current_app).cache_seconds
    with _lock:
        known = _known
    if known is not None and time.monotonic() - known[0] < ttl:
        return known[1]
    e = WebhookEndpoint.__table__.c
    stmt = select(e.organization_id).where(e.disabled_at.is_(None)).distinct()
    if autocommit.available() and autocommit.session_is_idle():
        # Not in the session: a chat message that is its caller's only write may then
        # still commit on its own (messaging/chat/store.py).
        with autocommit.engine().connect() as connection:
            found = frozenset(connection.execute(stmt).scalars())
    else:
        found = frozenset(db.session.execute(stmt, execution_options=_UNSCOPED).scalars())
    with _lock:
        _known = (time.monotonic(), found)
    return found


def may_deliver(*organization_ids: int) -> bool:
    """Might an event of these organizations be delivered anywhere? (False is certain.)"""
    known = _organizations_with_endpoints()
    return any(org in known for org in organization_ids)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def body(event_id: str, event_type: str, created_at: datetime, data: dict[str, Any]) -> str:
    return json.dumps({"id": event_id, "type": event_type,
                       "created_at": _json_default(created_at), "data": data},
                      default=_json_default, separators=(",", ":"), ensure_ascii=False)


def queue(event_type: str,
          data_by_org: Mapping[int, Callable[[], dict[str, Any]]]) -> int:
    """Queue `event_type` for the subscribed, enabled endpoints of each organization (its
    data built only if one wants it); returns how many deliveries were written. Each
    organization gets its own event id: the event as that organization sees it."""
    wanted = [org for org in data_by_org if org in _organizations_with_endpoints()]
    if not wanted:
        return 0
    e = WebhookEndpoint.__table__.c
    endpoints = db.session.execute(
        select(e.id, e.organization_id, e.events)
        .where(e.organization_id.in_(wanted), e.disabled_at.is_(None)).order_by(e.id),
        execution_options=_UNSCOPED).all()
    now = utcnow()
    events: dict[int, tuple[str, str]] = {}
    rows = []
    for endpoint_id, org, subscriptions in endpoints:
        if not subscribed(list(subscriptions or ()), event_type):
            continue
        if org not in events:
            event_id = "evt_" + secrets.token_hex(12)
            events[org] = (event_id, body(event_id, event_type, now, data_by_org[org]()))
        event_id, text = events[org]
        rows.append({"endpoint_id": endpoint_id, "organization_id": org,
                     "event_id": event_id, "event_type": event_type, "body": text,
                     "status": DeliveryStatus.PENDING, "attempts": 0,
                     "next_attempt_at": now, "created_at": now})
    if rows:
        db.session.connection().execute(WebhookDelivery.__table__.insert(), rows)
        wake_after_commit()
    return len(rows)


def wake_after_commit() -> None:
    db.session.info[_WAKE_KEY] = True


lasts_one_transaction(_WAKE_KEY, on_commit=lambda _wake: WAKE.set())
