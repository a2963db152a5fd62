"""State kept on the session for as long as its outermost transaction lasts.

Several modules remember something in `session.info` while a transaction runs: broadcasts
and notifications to send after the commit, uploaded files to keep or remove, counters the
transaction locks, notifications a later step may withdraw. Each registers its key here once,
with what to do with the value when that transaction commits or ends without a commit; the
value is gone either way. A savepoint's release or rollback is not the transaction's end
(SQLAlchemy reports both through the same events).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction


def lasts_one_transaction(key: str, *, on_commit: Callable[[Any], None] | None = None,
                          on_discard: Callable[[Any], None] | None = None) -> None:
    """Drop `session.info[key]` when the outermost transaction ends, handing a non-empty
    value to `on_commit` after a commit, else to `on_discard`."""

    @event.listens_for(Session, "after_commit")
    def _committed(session: Session) -> None:
        if session.get_nested_transaction() is None:  # not a savepoint's release
            value = session.info.pop(key, None)
            if value and on_commit is not None:
                on_commit(value)

    @event.listens_for(Session, "after_transaction_end")
    def _ended(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # still there after a commit: there was none
            value = session.info.pop(key, None)
            if value and on_discard is not None:
                on_discard(value)
