"""The one write on the chat's hot path: number a message in its thread and insert it.

The thread row's UPDATE takes the row lock and the next `seq` (and is skipped when the
author already stored this `client_id`); the INSERT follows. On PostgreSQL both are one
statement (a data-modifying CTE, written out once as SQL so no statement is built or
compiled per message). Elsewhere (SQLite) they are two SQLAlchemy statements.

A message someone would want to read (attention.py) also marks its thread unread for each
person of those organizations but its author (`chat_unread_threads`, with the message's
seq): on PostgreSQL as a third part of the same statement, on SQLite as one more.

A message that is its caller's only write (a text sent over the socket) and finds the
session without a transaction runs that one statement on its own, on
`wholesale/autocommit.py`'s connections: it is committed when it returns, in one round trip
instead of BEGIN, INSERT, COMMIT, and its broadcast can leave at once. A thread row held
locked longer than `autocommit.LOCK_TIMEOUT_MS` (a long transaction posting an order event)
is waited for in the session instead.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from psycopg.types.json import Json
from sqlalchemy import exists, func, literal, select, update

from messaging.chat import attention
from messaging.chat.models import Message, MessageKind, Thread, UnreadThread
from messaging.chat.upsert import insert
from wholesale import autocommit
from wholesale.accounts.models import User
from wholesale.extensions import db

UNSCOPED = {"all_tenants": True}
_threads = Thread.__table__
_messages = Message.__table__
_marks = UnreadThread.__table__
_users = User.__table__


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


class Stored(NamedTuple):
    id: int
    seq: int
    committed: bool  # True: already committed on its own, not in the session's transaction


def append(row: dict[str, Any], internal: bool, *, alone: bool = False) -> Stored | None:
    """Insert `row` (every column but `seq`) as the thread's next message, or return None
    when the same author's `client_id` is already stored.

    `alone`: the message is the caller's only write, so it may commit on its own (see the
    module's docstring)."""
    thread_id, client_id = row["thread_id"], row.get("client_id")
    wanting = attention.wanting_organizations(row)
    committed = False
    if autocommit.available():
        params = {**row, "data": None if row["data"] is None else Json(row["data"]),
                  "wanting": wanting}
        sql = _postgres_append(tuple(row), internal, bool(client_id), bool(wanting))
        found = autocommit.LOCKED
        if alone and autocommit.session_is_idle():
            found = autocommit.fetch_one(sql, params)  # LOCKED: wait in the session instead
        committed = found is not autocommit.LOCKED
        if not committed:
            found = db.session.connection().exec_driver_sql(sql, params).first()
    else:
        claim = _claim(thread_id, row["created_at"], internal, row.get("author_id"), client_id)
        seq = db.session.execute(claim, execution_options=UNSCOPED).scalar()
        if seq is None:
            return None
        stmt = insert(Message).values({**row, "seq": seq})
        if client_id:
            stmt = stmt.on_conflict_do_nothing(
                index_elements=["thread_id", "author_id", "client_id"])
        found = db.session.execute(stmt.returning(_messages.c.id, _messages.c.seq),
                                   execution_options=UNSCOPED).first()
        if found is not None and wanting:
            _mark_unread(thread_id, found[1], wanting, row.get("author_id"))
    if found is None:
        # Two identical sends at once: the second may have counted a seq for nothing.
        repair_counters(thread_id)
        return None
    return Stored(found[0], found[1], committed)


def _mark_unread(thread_id: int, seq: int, organizations: list[int],
                 author_id: int | None) -> None:
    people = select(_users.c.id, literal(thread_id), literal(seq)).where(
        _users.c.organization_id.in_(organizations))
    if author_id is not None:
        people = people.where(_users.c.id != author_id)
    stmt = insert(UnreadThread).from_select(["user_id", "thread_id", "seq"], people)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "thread_id"], set_={"seq": stmt.excluded.seq},
        where=_marks.c.seq < stmt.excluded.seq)
    db.session.execute(stmt, execution_options=UNSCOPED)


@cache
def _postgres_append(columns: tuple[str, ...], internal: bool, deduplicate: bool,
                     mark_unread: bool) -> str:
    public = "" if internal else (
        ", last_public_seq = last_seq + 1, last_public_message_at = %(created_at)s")
    unless_stored = (
        " AND NOT EXISTS (SELECT 1 FROM chat_messages WHERE thread_id = %(thread_id)s"
        " AND author_id = %(author_id)s AND client_id = %(client_id)s)" if deduplicate else "")
    values = ", ".join(f"%({name})s" for name in columns)
    message = (
        f"INSERT INTO chat_messages ({', '.join(columns)}, seq) "
        f"SELECT {values}, claim.last_seq FROM claim"
        + (" ON CONFLICT (thread_id, author_id, client_id) DO NOTHING" if deduplicate else "")
        + " RETURNING id, seq"
    )
    claim = (
        "WITH claim AS (UPDATE chat_threads SET last_seq = last_seq + 1, "
        f"last_message_at = %(created_at)s{public} WHERE id = %(thread_id)s{unless_stored} "
        "RETURNING last_seq)"
    )
    if not mark_unread:
        return f"{claim} {message}"
    return (
        f"{claim}, stored AS ({message}), "
        "marked AS (INSERT INTO chat_unread_threads (user_id, thread_id, seq) "
        "SELECT users.id, %(thread_id)s, stored.seq FROM stored JOIN users"
        " ON users.organization_id = ANY(%(wanting)s)"
        " WHERE users.id IS DISTINCT FROM %(author_id)s"
        " ON CONFLICT (user_id, thread_id) DO UPDATE SET seq = excluded.seq"
        " WHERE chat_unread_threads.seq < excluded.seq) "
        "SELECT id, seq FROM stored"
    )


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
