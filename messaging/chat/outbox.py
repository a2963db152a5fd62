"""Socket emits wait for the transaction that caused them: services queue them on the
session, and they are sent after a commit (dropped on rollback). Nothing reaches a client
about a row that was never committed.

With REDIS_URL set, `socketio.emit` also publishes through the message queue, so an emit
queued by any process (another app process, the API, `flask` commands, the worker) reaches
the clients connected anywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from wholesale.extensions import db, socketio
from wholesale.transaction_state import lasts_one_transaction

log = logging.getLogger(__name__)

_KEY = "messaging.chat.outbox"


@dataclass(frozen=True)
class Emit:
    event: str
    data: dict[str, Any]
    rooms: tuple[str, ...]
    savepoint: SessionTransaction | None = None  # queued inside this SAVEPOINT


def queue(name: str, data: dict[str, Any], rooms: tuple[str, ...]) -> None:
    """Send `name` with `data` to `rooms` once the current transaction commits (dropped if
    it, or the savepoint it was queued in, rolls back)."""
    savepoint = db.session().get_nested_transaction()
    db.session().info.setdefault(_KEY, []).append(Emit(name, data, rooms, savepoint))


def send_now(emits: list[Emit]) -> None:
    for item in emits:
        try:
            socketio.emit(item.event, item.data, to=list(item.rooms))
        except Exception:  # a broken queue must not turn a committed write into an error
            log.exception("could not emit %s to %s", item.event, item.rooms)


lasts_one_transaction(_KEY, on_commit=send_now)


def _inside(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _after_savepoint_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.nested and session.info.get(_KEY):
        session.info[_KEY] = [e for e in session.info[_KEY] if not _inside(e.savepoint, previous)]
