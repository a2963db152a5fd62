"""Chat's domain rules: writing messages (numbered per thread, deduplicated by `client_id`),
replaying them, read state and unread counts, and search. Services flush; the request,
socket event or task that called them commits once, and the live broadcasts queued here
go out after that commit (messaging/chat/outbox.py).

Writing a message is one statement on PostgreSQL (messaging/chat/store.py), run unscoped
(`all_tenants`): the caller has already checked access. A text that is its caller's only
write may be committed by that statement alone; its broadcast then leaves at once.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, tuple_

from messaging.chat import attention, ordering, outbox, store
from messaging.chat.access import Access, Actor, Person, ThreadRef, ensure_thread, ref_of
from messaging.chat.attachments import StoredFile, mark_taken
from messaging.chat.attachments import store as store_file
from messaging.chat.models import (
    Attachment,
    Message,
    MessageKind,
    ReadState,
    Side,
    UnreadThread,
)
from messaging.chat.payloads import attachment_payload, iso, message_payload
from messaging.chat.rooms import org_rooms, thread_room, user_room
from messaging.chat.upsert import insert
from messaging.webhooks_out import events as webhook_events
from messaging.webhooks_out import outbox as webhooks
from wholesale.accounts.models import User
from wholesale.db import storable, utcnow
from wholesale.errors import Forbidden, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant

MAX_BODY = 5000
REPLAY_CHUNK = 500  # rows fetched (and attachments loaded) at a time by `replay`
UNSCOPED = store.UNSCOPED


@dataclass(frozen=True)
class Posted:
    payload: dict[str, Any]  # the message as clients see it
    created: bool  # False: the same client_id was already stored (a retried send)

    @property
    def id(self) -> int:
        return self.payload["id"]

    @property
    def message(self) -> Message:
        """The stored row (loaded on demand; the hot path needs only the payload)."""
        stmt = select(Message).where(Message.id == self.id).execution_options(**UNSCOPED)
        return db.session.scalars(stmt).one()


# -- writing ------------------------------------------------------------------------------


def post_message(
    access: Access,
    body: str | None,
    *,
    internal: bool = False,
    client_id: str | None = None,
    files: Sequence[StoredFile] = (),
    only_write: bool = False,
    source: str = "chat",
) -> Posted:
    """A text message or internal note by `access.actor`, stored then broadcast. A buyer's
    text in an account thread is then read by the intake (messaging/chat/ordering.py);
    `source` says which channel it came by ("chat", "sms", "email", "api").

    `only_write`: the caller writes nothing else in its transaction (a socket `send`), so
    the message may commit on its own and go out at once (messaging/chat/store.py)."""
    text = (body or "").strip()
    _check_storable(text, "body")
    if client_id:
        _check_storable(client_id, "client_id")
    if not text and not files:
        raise ValidationFailed.one("body", "Write a message.")
    if len(text) > MAX_BODY:
        raise ValidationFailed.one("body", f"Keep messages under {MAX_BODY} characters.")
    if internal and access.side is not Side.SUPPLIER:
        raise Forbidden("Only the supplier's staff write internal notes.", code="forbidden_role")
    kind = MessageKind.NOTE if internal else MessageKind.TEXT
    ordering_text = kind is MessageKind.TEXT and ordering.reads(access)
    ref = access.thread
    # Webhook deliveries are written in the message's transaction: then it is not alone.
    hooked = webhooks.may_deliver(ref.supplier_id, ref.buyer_id)
    payload = _append(ref, kind, text, author=access.actor, client_id=client_id, files=files,
                      only_write=only_write and not files and not ordering_text and not hooked)
    if payload is None:
        return Posted(_existing(access, client_id or ""), False)
    if hooked:
        webhook_events.message_created(ref.supplier_id, ref.buyer_id, payload)
    if ordering_text and text:
        ordering.read_message(access, payload, source)
    return Posted(payload, True)


def _check_storable(value: str, field: str) -> None:
    if not storable(value):
        raise ValidationFailed.one(field, "Remove the characters that cannot be stored "
                                          "(NUL or lone surrogates).")


def post_event(
    order: Order,
    *,
    event_type: str,
    body: str,
    data: dict[str, Any] | None = None,
    order_update: dict[str, Any] | None = None,
    files: Sequence[tuple[str, bytes]] = (),
    fresh: bool = False,
) -> Posted:
    """A system message about the order, in the transaction of the change it describes;
    `files` ((filename, bytes): a delivery's signature or photo) are checked and kept as
    the message's attachments, like those people send (`fresh`: the order was just placed,
    it has no thread yet)."""
    ref = ref_of(ensure_thread(order, fresh=fresh))
    stored = [store_file(io.BytesIO(content), name) for name, content in files]
    payload = _append(ref, MessageKind.EVENT, body, event_type=event_type, data=data,
                      files=stored)
    assert payload is not None  # events carry no client_id, so are never duplicates
    if order_update is not None:
        post_order_update(order, order_update)
    return Posted(payload, True)


def post_order_update(order: Order, order_update: dict[str, Any]) -> None:
    """The live `order` event (status, ETA) after the commit, without a message."""
    rooms = org_rooms(order.supplier_id, order.buyer_id)
    outbox.queue("order", {"order_id": order.id, **order_update}, rooms)


def post_thread_event(ref: ThreadRef, *, event_type: str, body: str,
                      data: dict[str, Any] | None = None) -> Posted:
    """A system message in any thread (an account thread's draft cards and replies)."""
    payload = _append(ref, MessageKind.EVENT, body, event_type=event_type, data=data)
    assert payload is not None
    return Posted(payload, True)


def _append(
    ref: ThreadRef,
    kind: MessageKind,
    body: str,
    *,
    author: Actor | None = None,
    client_id: str | None = None,
    event_type: str | None = None,
    data: dict[str, Any] | None = None,
    files: Sequence[StoredFile] = (),
    only_write: bool = False,
) -> dict[str, Any] | None:
    """Store a message and queue its broadcast (or send it, when the message committed on
    its own); None when `author` already stored `client_id` in this thread."""
    internal = kind is MessageKind.NOTE
    now = utcnow()
    stored = store.append({
        "thread_id": ref.thread_id,
        "order_id": ref.order_id,
        "supplier_id": ref.supplier_id,
        "buyer_id": ref.buyer_id,
        "kind": kind.value,
        "author_id": author.id if author else None,
        "author_org_id": author.organization_id if author else None,
        "body": body,
        "client_id": client_id,
        "event_type": event_type,
        "data": data,
        "created_at": now,
    }, internal, alone=only_write)
    if stored is None:
        if client_id and author is not None:
            return None
        raise NotFound("Thread not found.")
    message_id, seq, committed = stored
    attachments = [_attach(message_id, ref, internal, f) for f in files]
    side = ref.side_of(author.organization_id) if author else None
    payload = {
        "id": message_id,
        "thread_id": ref.thread_id,
        "order_id": ref.order_id,
        "seq": seq,
        "kind": kind.value,
        "author": None if author is None else {
            "id": author.id,
            "name": author.name,
            "organization_id": author.organization_id,
            "side": side.value if side else None,
        },
        "body": body,
        "client_id": client_id,
        "created_at": iso(now),
        "event": {"type": event_type, **(data or {})} if event_type else None,
        "attachments": [attachment_payload(a) for a in attachments],
    }
    # One emit to both organizations' rooms: every connection of either side hears it once
    # (the open thread, the inbox, the unread badges); a note goes to the supplier's only.
    rooms = org_rooms(ref.supplier_id, ref.buyer_id, internal=internal)
    if committed:
        outbox.send_now([outbox.Emit("message", payload, rooms)])
    else:
        outbox.queue("message", payload, rooms)
    return payload


def _attach(message_id: int, ref: ThreadRef, internal: bool, f: StoredFile) -> Attachment:
    attachment = Attachment(
        message_id=message_id, supplier_id=ref.supplier_id, buyer_id=ref.buyer_id,
        internal=internal, filename=f.filename, content_type=f.content_type, size=f.size,
        storage_key=f.storage_key,
    )
    db.session.add(attachment)
    db.session.flush()
    mark_taken(f.storage_key)
    return attachment


def _existing(access: Access, client_id: str) -> dict[str, Any]:
    stmt = select(Message).where(
        Message.thread_id == access.thread.thread_id,
        Message.author_id == access.actor.id,
        Message.client_id == client_id,
    )
    return message_payload(db.session.scalars(stmt.execution_options(**UNSCOPED)).one())


# -- reading ------------------------------------------------------------------------------


def visible_to(person: Person) -> ColumnElement[bool]:
    """Messages `person`'s organization may see (the tenant filter says the same)."""
    org = person.organization_id
    return or_(
        Message.supplier_id == org,
        and_(Message.buyer_id == org, Message.kind != MessageKind.NOTE),
    )


def _thread_messages(access: Access):
    stmt = select(Message).where(Message.thread_id == access.thread.thread_id)
    if not access.sees_notes:
        stmt = stmt.where(Message.kind != MessageKind.NOTE)
    return stmt


def _after(access: Access, after_id: int | None):
    """The thread's messages after `after_id` (all without it), in order. Within a thread
    ids grow with `seq` (the thread row is locked while a message is numbered), so
    `id > after_id` misses nothing."""
    stmt = _thread_messages(access)
    if after_id:
        stmt = stmt.where(Message.id > after_id)
    return stmt.order_by(Message.seq)


def messages_after(
    access: Access, after_id: int | None, limit: int
) -> tuple[list[Message], bool]:
    """A page of `_after`: at most `limit` messages, and whether more remain."""
    with as_tenant(access.actor.organization_id):
        rows = list(db.session.scalars(_after(access, after_id).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def replay(access: Access, after_id: int | None) -> list[dict[str, Any]]:
    """Every message after `after_id` as clients see it (a socket `join`, CONTRACT.md §4:
    no limit). Rows are fetched `REPLAY_CHUNK` at a time, each chunk with its attachments in
    one query, and rendered as they come, so only the payloads are held, not every row."""
    stmt = _after(access, after_id).execution_options(yield_per=REPLAY_CHUNK)
    with as_tenant(access.actor.organization_id):
        return [message_payload(m) for m in db.session.scalars(stmt)]


def recent_messages(access: Access, limit: int = 200) -> list[Message]:
    """The newest `limit` messages of the thread, oldest first (what a page shows)."""
    with as_tenant(access.actor.organization_id):
        rows = list(
            db.session.scalars(_thread_messages(access).order_by(Message.seq.desc()).limit(limit))
        )
    return rows[::-1]


def last_messages(person: Person, keys: Iterable[tuple[int, int]]) -> dict[int, Message]:
    """{thread_id: message} for (thread_id, seq) pairs, as `person` may see them."""
    pairs = [(thread_id, seq) for thread_id, seq in keys if seq]
    if not pairs:
        return {}
    stmt = select(Message).where(tuple_(Message.thread_id, Message.seq).in_(pairs))
    with as_tenant(person.organization_id):
        return {m.thread_id: m for m in db.session.scalars(stmt.where(visible_to(person)))}


def search(person: Person, query: str, *, limit: int = 50, before_id: int | None = None
           ) -> list[Message]:
    """Messages of `person`'s threads containing `query` (case-insensitive), newest first."""
    needle = query.strip().lower()
    if not needle or not storable(needle):
        return []
    stmt = select(Message).where(
        visible_to(person),
        Message.kind != MessageKind.EVENT,
        func.lower(Message.body).contains(needle, autoescape=True),
    )
    if before_id:
        stmt = stmt.where(Message.id < before_id)
    with as_tenant(person.organization_id):
        return list(db.session.scalars(stmt.order_by(Message.id.desc()).limit(limit)))


# -- read state ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadReceipt:
    order_id: int | None
    message_id: int
    seq: int
    advanced: bool


def mark_read(access: Access, message_id: int) -> ReadReceipt:
    """`access.actor` has read the thread up to `message_id` (never moves backwards)."""
    with as_tenant(access.actor.organization_id):
        message = db.session.scalars(
            _thread_messages(access).where(Message.id == message_id)
        ).first()
    if message is None:
        raise NotFound("Message not found.")
    ref, actor = access.thread, access.actor
    table = ReadState.__table__
    stmt = insert(ReadState).values(
        thread_id=ref.thread_id,
        user_id=actor.id,
        supplier_id=ref.supplier_id,
        buyer_id=ref.buyer_id,
        last_read_message_id=message.id,
        last_read_seq=message.seq,
        updated_at=utcnow(),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["thread_id", "user_id"],
        set_={
            "last_read_message_id": stmt.excluded.last_read_message_id,
            "last_read_seq": stmt.excluded.last_read_seq,
            "updated_at": stmt.excluded.updated_at,
        },
        where=table.c.last_read_seq < stmt.excluded.last_read_seq,
    ).returning(table.c.id)
    advanced = db.session.execute(stmt, execution_options=UNSCOPED).first() is not None
    if advanced:
        # Read up to (or past) the newest message wanted there: nothing unread is left. A
        # message stored meanwhile raised the row's seq, so the row stays.
        marks = UnreadThread.__table__
        db.session.execute(
            delete(marks).where(marks.c.user_id == actor.id,
                                marks.c.thread_id == ref.thread_id,
                                marks.c.seq <= message.seq),
            execution_options=UNSCOPED)
        _queue_read(access, message)
    return ReadReceipt(access.order_id, message.id, message.seq, advanced)


def _queue_read(access: Access, message: Message) -> None:
    actor, order_id, thread_id = access.actor, access.order_id, access.thread_id
    reader = {"id": actor.id, "name": actor.name, "side": access.side.value}
    event = {"thread_id": thread_id, "order_id": order_id, "user": reader,
             "message_id": message.id, "seq": message.seq}
    outbox.queue("read", event, (thread_room(thread_id, Side.SUPPLIER),))
    public = message
    if message.kind is MessageKind.NOTE:  # the buyer's side hears of the last message it sees
        public = db.session.scalars(
            select(Message)
            .where(
                Message.thread_id == access.thread.thread_id,
                Message.kind != MessageKind.NOTE,
                Message.seq < message.seq,
            )
            .order_by(Message.seq.desc())
            .limit(1)
        ).first()
    if public is not None:
        outbox.queue(
            "read",
            {**event, "message_id": public.id, "seq": public.seq},
            (thread_room(thread_id, Side.BUYER),),
        )
    unread = unread_by_thread(actor, [thread_id]).get(thread_id, 0)
    outbox.queue(
        "unread",
        {"thread_id": thread_id, "order_id": order_id, "unread": unread,
         "total": unread_total(actor)},
        (user_room(actor.id),),
    )


def _unread_stmt(person: Person, *columns: Any):
    state = ReadState  # not aliased: the tenant filter's criteria do not follow aliases
    return (
        select(*columns)
        .select_from(Message)
        .outerjoin(state, and_(state.thread_id == Message.thread_id,
                               state.user_id == person.id))
        .where(
            Message.thread_id.in_(
                select(UnreadThread.thread_id).where(UnreadThread.user_id == person.id)),
            visible_to(person),
            attention.wanted(person.organization_id),
            Message.seq > func.coalesce(state.last_read_seq, 0),
            or_(Message.author_id.is_(None), Message.author_id != person.id),
        )
        .execution_options(**UNSCOPED)  # visible_to() is the same filter, stated here
    )


def unread_by_order(person: Person, order_ids: Iterable[int] | None = None) -> dict[int, int]:
    """{order_id: unread messages} for `person` (only orders with some)."""
    stmt = _unread_stmt(person, Message.order_id, func.count(Message.id)).group_by(
        Message.order_id
    ).where(Message.order_id.is_not(None))
    if order_ids is not None:
        stmt = stmt.where(Message.order_id.in_(list(order_ids)))
    return {order_id: count for order_id, count in db.session.execute(stmt)}


def unread_by_thread(person: Person, thread_ids: Iterable[int] | None = None
                     ) -> dict[int, int]:
    """{thread_id: unread messages} for `person` (only threads with some)."""
    stmt = _unread_stmt(person, Message.thread_id, func.count(Message.id)).group_by(
        Message.thread_id
    )
    if thread_ids is not None:
        stmt = stmt.where(Message.thread_id.in_(list(thread_ids)))
    return {thread_id: count for thread_id, count in db.session.execute(stmt)}


def unread_total(person: Person) -> int:
    return db.session.scalar(_unread_stmt(person, func.count(Message.id))) or 0


def other_side_read(access: Access) -> dict[str, Any] | None:
    """How far the other organization has read (for read receipts): its furthest reader's
    position, as a `seq` of a message this person can see."""
    with as_tenant(access.actor.organization_id):
        row = db.session.execute(
            select(ReadState.last_read_seq, User.name)
            .join(User, User.id == ReadState.user_id)
            .where(ReadState.thread_id == access.thread.thread_id,
                   User.organization_id == access.other_org_id)
            .order_by(ReadState.last_read_seq.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        seq = db.session.scalar(
            _thread_messages(access)
            .with_only_columns(func.max(Message.seq))
            .where(Message.seq <= row[0])
        )
    return None if seq is None else {"seq": seq, "name": row[1]}
