"""Chat's domain rules: writing messages (numbered per thread, deduplicated by `client_id`),
replaying them, read state and unread counts, and search. Services flush; the request,
socket event or task that called them commits once, and the live broadcasts queued here
go out after that commit (messaging/chat/outbox.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from messaging.chat import outbox
from messaging.chat.access import Access, ensure_thread, lock_thread
from messaging.chat.attachments import StoredFile
from messaging.chat.models import Attachment, Message, MessageKind, ReadState, Side, Thread
from messaging.chat.payloads import message_payload
from messaging.chat.rooms import org_rooms, thread_room, thread_rooms, user_room
from messaging.chat.upsert import insert
from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.errors import Forbidden, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant

MAX_BODY = 5000
REPLAY_LIMIT = 1000


@dataclass(frozen=True)
class Posted:
    message: Message
    created: bool  # False: the same client_id was already stored (a retried send)


# -- writing ------------------------------------------------------------------------------


def post_message(
    access: Access,
    body: str | None,
    *,
    internal: bool = False,
    client_id: str | None = None,
    files: Sequence[StoredFile] = (),
) -> Posted:
    """A text message or internal note by `access.user`, stored then broadcast."""
    text = (body or "").strip()
    if not text and not files:
        raise ValidationFailed.one("body", "Write a message.")
    if len(text) > MAX_BODY:
        raise ValidationFailed.one("body", f"Keep messages under {MAX_BODY} characters.")
    if internal and access.side is not Side.SUPPLIER:
        raise Forbidden("Only the supplier's staff write internal notes.", code="forbidden_role")
    thread = lock_thread(access.thread.id)
    if client_id:
        existing = db.session.scalars(
            select(Message).where(
                Message.thread_id == thread.id,
                Message.author_id == access.user.id,
                Message.client_id == client_id,
            )
        ).first()
        if existing is not None:
            return Posted(existing, False)
    message = _append(
        thread,
        MessageKind.NOTE if internal else MessageKind.TEXT,
        text,
        author=access.user,
        client_id=client_id,
        files=files,
    )
    return Posted(message, True)


def post_event(
    order: Order,
    *,
    event_type: str,
    body: str,
    data: dict[str, Any] | None = None,
    order_update: dict[str, Any] | None = None,
) -> Message:
    """A system message about the order, in the transaction of the change it describes."""
    with as_tenant(None):
        thread = lock_thread(ensure_thread(order).id)
        message = _append(thread, MessageKind.EVENT, body, event_type=event_type, data=data)
    if order_update is not None:
        update = {"order_id": order.id, **order_update}
        outbox.queue("order", update, thread_rooms(order.id) + org_rooms(
            order.supplier_id, order.buyer_id))
    return message


def _append(
    thread: Thread,
    kind: MessageKind,
    body: str,
    *,
    author: User | None = None,
    client_id: str | None = None,
    event_type: str | None = None,
    data: dict[str, Any] | None = None,
    files: Sequence[StoredFile] = (),
) -> Message:
    internal = kind is MessageKind.NOTE
    message = Message(
        thread_id=thread.id,
        order_id=thread.order_id,
        supplier_id=thread.supplier_id,
        buyer_id=thread.buyer_id,
        seq=thread.last_seq + 1,
        kind=kind,
        author=author,
        author_org_id=author.organization_id if author else None,
        body=body,
        client_id=client_id,
        event_type=event_type,
        data=data,
        created_at=utcnow(),
        attachments=[
            Attachment(
                supplier_id=thread.supplier_id,
                buyer_id=thread.buyer_id,
                internal=internal,
                filename=f.filename,
                content_type=f.content_type,
                size=f.size,
                storage_key=f.storage_key,
            )
            for f in files
        ],
    )
    db.session.add(message)
    db.session.flush()
    thread.last_seq = message.seq
    thread.last_message_id, thread.last_message_at = message.id, message.created_at
    if not internal:
        thread.last_public_message_id = message.id
        thread.last_public_message_at = message.created_at
    payload = message_payload(message)
    outbox.queue("message", payload, thread_rooms(thread.order_id, internal=internal))
    outbox.queue(
        "inbox",
        {"order_id": thread.order_id, "message": payload},
        org_rooms(thread.supplier_id, thread.buyer_id, internal=internal),
    )
    return message


# -- reading ------------------------------------------------------------------------------


def visible_to(user: User) -> ColumnElement[bool]:
    """Messages `user`'s organization may see (the tenant filter says the same)."""
    org = user.organization_id
    return or_(
        Message.supplier_id == org,
        and_(Message.buyer_id == org, Message.kind != MessageKind.NOTE),
    )


def _thread_messages(access: Access):
    stmt = select(Message).where(Message.thread_id == access.thread.id)
    if not access.sees_notes:
        stmt = stmt.where(Message.kind != MessageKind.NOTE)
    return stmt


def messages_after(
    access: Access, after_id: int | None, limit: int = REPLAY_LIMIT
) -> tuple[list[Message], bool]:
    """Messages of the thread after `after_id` (all without it), in order; and whether more
    remain after the `limit` returned. Within a thread ids grow with `seq` (the thread row
    is locked while a message is numbered), so `id > after_id` misses nothing."""
    stmt = _thread_messages(access)
    if after_id:
        stmt = stmt.where(Message.id > after_id)
    with as_tenant(access.user.organization_id):
        rows = list(db.session.scalars(stmt.order_by(Message.seq).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def recent_messages(access: Access, limit: int = 200) -> list[Message]:
    """The newest `limit` messages of the thread, oldest first (what a page shows)."""
    with as_tenant(access.user.organization_id):
        rows = list(
            db.session.scalars(_thread_messages(access).order_by(Message.seq.desc()).limit(limit))
        )
    return rows[::-1]


def search(user: User, query: str, *, limit: int = 50, before_id: int | None = None
           ) -> list[Message]:
    """Messages of `user`'s threads containing `query` (case-insensitive), newest first."""
    needle = query.strip().lower()
    if not needle:
        return []
    stmt = select(Message).where(
        visible_to(user),
        Message.kind != MessageKind.EVENT,
        func.lower(Message.body).contains(needle, autoescape=True),
    )
    if before_id:
        stmt = stmt.where(Message.id < before_id)
    with as_tenant(user.organization_id):
        return list(db.session.scalars(stmt.order_by(Message.id.desc()).limit(limit)))


# -- read state ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadReceipt:
    order_id: int
    message_id: int
    seq: int
    advanced: bool


def mark_read(access: Access, message_id: int) -> ReadReceipt:
    """`access.user` has read the thread up to `message_id` (never moves backwards)."""
    with as_tenant(access.user.organization_id):
        message = db.session.scalars(
            _thread_messages(access).where(Message.id == message_id)
        ).first()
    if message is None:
        raise NotFound("Message not found.")
    thread, user = access.thread, access.user
    stmt = insert(ReadState).values(
        thread_id=thread.id,
        user_id=user.id,
        supplier_id=thread.supplier_id,
        buyer_id=thread.buyer_id,
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
        where=ReadState.__table__.c.last_read_seq < stmt.excluded.last_read_seq,
    ).returning(ReadState.__table__.c.id)
    advanced = db.session.execute(stmt).first() is not None
    receipt = ReadReceipt(access.order.id, message.id, message.seq, advanced)
    if advanced:
        _queue_read(access, message)
    return receipt


def _queue_read(access: Access, message: Message) -> None:
    user, order_id = access.user, access.order.id
    reader = {"id": user.id, "name": user.name, "side": access.side.value}
    event = {"order_id": order_id, "user": reader, "message_id": message.id, "seq": message.seq}
    outbox.queue("read", event, (thread_room(order_id, Side.SUPPLIER),))
    public = message
    if message.kind is MessageKind.NOTE:  # the buyer's side hears of the last message it sees
        public = db.session.scalars(
            select(Message)
            .where(
                Message.thread_id == access.thread.id,
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
            (thread_room(order_id, Side.BUYER),),
        )
    unread = unread_by_order(user, [order_id]).get(order_id, 0)
    outbox.queue(
        "unread",
        {"order_id": order_id, "unread": unread, "total": unread_total(user)},
        (user_room(user.id),),
    )


def _unread_stmt(user: User, *columns: Any):
    state = ReadState  # not aliased: the tenant filter's criteria do not follow aliases
    return (
        select(*columns)
        .select_from(Message)
        .outerjoin(state, and_(state.thread_id == Message.thread_id, state.user_id == user.id))
        .where(
            visible_to(user),
            Message.seq > func.coalesce(state.last_read_seq, 0),
            or_(Message.author_id.is_(None), Message.author_id != user.id),
        )
    )


def unread_by_order(user: User, order_ids: Iterable[int] | None = None) -> dict[int, int]:
    """{order_id: unread messages} for `user` (only orders with some)."""
    stmt = _unread_stmt(user, Message.order_id, func.count(Message.id)).group_by(
        Message.order_id
    )
    if order_ids is not None:
        stmt = stmt.where(Message.order_id.in_(list(order_ids)))
    with as_tenant(user.organization_id):
        return {order_id: count for order_id, count in db.session.execute(stmt)}


def unread_total(user: User) -> int:
    with as_tenant(user.organization_id):
        return db.session.scalar(_unread_stmt(user, func.count(Message.id))) or 0


def other_side_read(access: Access) -> dict[str, Any] | None:
    """How far the other organization has read (for read receipts): its furthest reader's
    position, as a `seq` of a message this user can see."""
    other = access.order.buyer_id if access.side is Side.SUPPLIER else access.order.supplier_id
    with as_tenant(access.user.organization_id):
        row = db.session.execute(
            select(ReadState.last_read_seq, User.name)
            .join(User, User.id == ReadState.user_id)
            .where(ReadState.thread_id == access.thread.id, User.organization_id == other)
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
