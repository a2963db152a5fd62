"""The inbox: every thread of one's organization, newest activity first, with the order's
status, the other organization, the last message one may see and one's unread count."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from messaging.chat import services
from messaging.chat.models import Message, Side, Thread
from wholesale.accounts.models import Organization, User
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment import late
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant

INBOX_LIMIT = 200


class InboxFilter(enum.StrEnum):
    ALL = "all"
    UNREAD = "unread"
    MINE = "mine"  # orders I placed, or threads I have written in
    LATE = "late"  # past their ETA, neither delivered nor cancelled
    EXPEDITED = "expedited"  # an expedite was asked for, and the order is still open


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
    supplier = side is Side.SUPPLIER
    last_at = Thread.last_message_at if supplier else Thread.last_public_message_at
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
    elif view is InboxFilter.EXPEDITED:
        stmt = stmt.where(Order.expedited_at.is_not(None), Order.status.in_(late.CAN_BE_LATE))
    elif view is InboxFilter.LATE:  # a superset in SQL; each supplier's own day below
        horizon = utcnow().date() + timedelta(days=1)
        stmt = stmt.where(Order.status.in_(late.CAN_BE_LATE), late.due_column() < horizon)
    with as_tenant(user.organization_id):
        rows = db.session.execute(stmt).unique().all()
        if view is InboxFilter.LATE:
            rows = [(thread, order) for thread, order in rows if late.is_late(order)]
    last = services.last_messages(
        user, [(t.id, t.last_seq if supplier else t.last_public_seq) for t, _ in rows]
    )
    return [
        InboxRow(
            order=order,
            thread=thread,
            counterpart=order.buyer if side is Side.SUPPLIER else order.supplier,
            last_message=last.get(thread.id),
            unread=unread.get(order.id, 0),
        )
        for thread, order in rows
    ]
