"""The inbox: every thread of one's organization, newest activity first, with the order's
status, the other organization, the last message one may see and one's unread count."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from messaging.chat import services
from messaging.chat.models import Message, Side, Thread
from wholesale.accounts.models import Organization, User
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant

INBOX_LIMIT = 200


class InboxFilter(enum.StrEnum):
    ALL = "all"
    UNREAD = "unread"
    MINE = "mine"  # orders I placed, or threads I have written in


@dataclass(frozen=True)
class InboxRow:
    order: Order
    thread: Thread
    counterpart: Organization
    last_message: Message | None
    unread: int


def side_of_user(user: User) -> Side:
    return Side.SUPPLIER if user.organization.is_supplier else Side.BUYER


def threads(user: User, view: InboxFilter = InboxFilter.ALL, limit: int = INBOX_LIMIT
            ) -> list[InboxRow]:
    side = side_of_user(user)
    last_at = Thread.last_message_at if side is Side.SUPPLIER else Thread.last_public_message_at
    last_id = Thread.last_message_id if side is Side.SUPPLIER else Thread.last_public_message_id
    stmt = (
        select(Thread, Order)
        .join(Order, Order.id == Thread.order_id)
        .options(joinedload(Order.supplier), joinedload(Order.buyer))
        .order_by(last_at.desc().nulls_last(), Thread.id.desc())
        .limit(limit)
    )
    unread = services.unread_by_order(user)
    if view is InboxFilter.UNREAD:
        stmt = stmt.where(Thread.order_id.in_(list(unread) or [0]))
    elif view is InboxFilter.MINE:
        wrote = exists().where(Message.thread_id == Thread.id, Message.author_id == user.id)
        stmt = stmt.where((Order.placed_by_id == user.id) | wrote)
    with as_tenant(user.organization_id):
        rows = db.session.execute(stmt).unique().all()
        ids = [getattr(thread, last_id.key) for thread, _ in rows]
        last = {
            m.id: m
            for m in db.session.scalars(
                select(Message).where(Message.id.in_([i for i in ids if i]))
            )
        }
    return [
        InboxRow(
            order=order,
            thread=thread,
            counterpart=order.buyer if side is Side.SUPPLIER else order.supplier,
            last_message=last.get(getattr(thread, last_id.key) or 0),
            unread=unread.get(order.id, 0),
        )
        for thread, order in rows
    ]
