"""The one write on the chat's hot path: number a message in its thread and insert it.

The thread row's UPDATE takes the row lock and the next `seq` (and is skipped when the
author already stored this `client_id`); the INSERT follows. On PostgreSQL both are one
statement (a data-modifying CTE), so a message costs one round trip before the commit;
elsewhere (SQLite) they are two.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, literal, select, update
from sqlalchemy.dialects import postgresql

from messaging.chat.models import Message, MessageKind, Thread
from messaging.chat.upsert import insert
from wholesale.extensions import db

UNSCOPED = {"all_tenants": True}
_threads = Thread.__table__
_messages = Message.__table__


def _claim(thread_id: int, now: datetime, internal: bool, author_id: int | None,
           client_id: str | None) -> Any:
    c = _threads.c
    values: dict[str, Any] = {"last_seq": c.last_seq + 1, "last_message_at": now}
    if not internal:
        values.update(last_public_seq=c.last_seq + 1, last_public_message_at=now)
    claim = update(_threads).where(c.id == thread_id).values(values)
    if client_id and author_id is not None:
        claim = claim.where(~exists().where(
            _messages.c.thread_id == thread_id,
            _messages.c.author_id == author_id,
            _messages.c.client_id == client_id,
        ))
    return claim.returning(c.last_seq.label("seq"))


def append(row: dict[str, Any], internal: bool) -> tuple[int, int] | None:
    """Insert `row` (every column but `seq`) as the thread's next message; its (id, seq),
    or None when the same author's `client_id` is already stored."""
    thread_id, client_id = row["thread_id"], row.get("client_id")
    claim = _claim(thread_id, row["created_at"], internal, row.get("author_id"), client_id)
    if db.session.get_bind().dialect.name == "postgresql":
        claimed = claim.cte("claim")
        columns = list(row)
        stmt = postgresql.insert(_messages).from_select(
            [*columns, "seq"],
            select(*[literal(row[name], _messages.c[name].type) for name in columns],
                   claimed.c.seq),
        )
        if client_id:
            stmt = stmt.on_conflict_do_nothing(
                index_elements=["thread_id", "author_id", "client_id"])
        found = db.session.execute(stmt.returning(_messages.c.id, _messages.c.seq),
                                   execution_options=UNSCOPED).first()
    else:
        seq = db.session.execute(claim, execution_options=UNSCOPED).scalar()
        if seq is None:
            return None
        stmt = insert(Message).values({**row, "seq": seq})
        if client_id:
            stmt = stmt.on_conflict_do_nothing(
                index_elements=["thread_id", "author_id", "client_id"])
        found = db.session.execute(stmt.returning(_messages.c.id, _messages.c.seq),
                                   execution_options=UNSCOPED).first()
    if found is None:
        # Two identical sends at once: the second may have counted a seq for nothing.
        repair_counters(thread_id)
        return None
    return found[0], found[1]


def repair_counters(thread_id: int) -> None:
    """Set the thread's counters from its messages (the row stays locked until commit)."""
    m = _messages.c
    newest = select(func.coalesce(func.max(m.seq), 0)).where(m.thread_id == thread_id)
    public = newest.where(m.kind != MessageKind.NOTE.value)
    db.session.execute(
        update(_threads).where(_threads.c.id == thread_id).values(
            last_seq=newest.scalar_subquery(), last_public_seq=public.scalar_subquery()),
        execution_options=UNSCOPED,
    )
