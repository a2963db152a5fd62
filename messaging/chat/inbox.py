"""The inbox: every thread of one's organization with the other organization, the last
message one may see and one's unread count. The account threads (one per trading partner,
where buyers order by message) come first, then the order threads with their order's
status; each group newest activity first."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, lazyload

from messaging.chat import services
from messaging.chat.models import Message, Side, Thread, ThreadKind
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
    thread: Thread
    order: Order | None  # None: the account thread
    counterpart: Organization
    last_message: Message | None
    unread: int

    @property
    def is_account(self) -> bool:
        return self.order is None


def side_of_user(user: User) -> Side:
    return Side.SUPPLIER if user.organization.is_supplier else Side.BUYER


def threads(user: User, view: InboxFilter = InboxFilter.ALL, limit: int = INBOX_LIMIT
            ) -> list[InboxRow]:
    side = side_of_user(user)
    supplier = side is Side.SUPPLIER
    unread = services.unread_by_thread(user)
    found = _account_threads(user, supplier, view, unread, limit)
    found += _order_threads(user, supplier, view, unread, limit)
    last = services.last_messages(
        user, [(t.id, t.last_seq if supplier else t.last_public_seq) for t, _, _ in found]
    )
    return [
        InboxRow(thread=thread, order=order, counterpart=counterpart,
                 last_message=last.get(thread.id), unread=unread.get(thread.id, 0))
        for thread, order, counterpart in found
    ]


def _activity(supplier: bool) -> list[Any]:
    last_at = Thread.last_message_at if supplier else Thread.last_public_message_at
    return [last_at.desc().nulls_last(), Thread.id.desc()]


def _account_threads(user: User, supplier: bool, view: InboxFilter, unread: dict[int, int],
                     limit: int) -> list[tuple[Thread, None, Organization]]:
    if view in (InboxFilter.LATE, InboxFilter.EXPEDITED):
        return []
    partner = Thread.buyer_id if supplier else Thread.supplier_id
    stmt = (
        select(Thread, Organization)
        .join(Organization, Organization.id == partner)
        .where(Thread.kind == ThreadKind.ACCOUNT)
        .order_by(*_activity(supplier))
        .limit(limit)
    )
    if view is InboxFilter.UNREAD:
        stmt = stmt.where(Thread.id.in_(list(unread) or [0]))
    elif view is InboxFilter.MINE:
        stmt = stmt.where(_wrote(user))
    with as_tenant(user.organization_id):
        return [(thread, None, org) for thread, org in db.session.execute(stmt).all()]


def _wrote(user: User) -> Any:
    return exists().where(Message.thread_id == Thread.id, Message.author_id == user.id)


def _newest(stmt: Any, org_id: int, supplier: bool, limit: int) -> list[Any]:
    """The `limit` rows of `stmt` (over threads) with the newest activity, in order.

    Asked as one query per side the organization may be on, threads with activity only,
    so each is a walk down `ix_chat_threads_supplier_activity` or `…_buyer_activity`
    instead of sorting every thread of the organization (an OR of the two sides and
    NULLS LAST match no index); threads without a message yet come last."""
    last_at = Thread.last_message_at if supplier else Thread.last_public_message_at
    # a supplier may also buy (from a linked vendor); a buyer is never a thread's supplier
    sides = ((Thread.supplier_id == org_id, Thread.buyer_id == org_id) if supplier
             else (Thread.buyer_id == org_id,))
    rows: list[Any] = []
    for side in sides:
        rows += db.session.execute(
            stmt.where(side, last_at.is_not(None))
            .order_by(last_at.desc(), Thread.id.desc()).limit(limit)).unique().all()
    rows = sorted(rows, key=lambda row: (getattr(row[0], last_at.key), row[0].id),
                  reverse=True)[:limit]
    if len(rows) < limit:
        rows += db.session.execute(
            stmt.where(last_at.is_(None)).order_by(Thread.id.desc())
            .limit(limit - len(rows))).unique().all()
    return rows


def _order_threads(user: User, supplier: bool, view: InboxFilter, unread: dict[int, int],
                   limit: int) -> list[tuple[Thread, Order, Organization]]:
    stmt = (
        select(Thread, Order)
        .join(Order, Order.id == Thread.order_id)
        .options(joinedload(Order.supplier), joinedload(Order.buyer),
                 # a row shows the number and status, not the fulfilment record the
                 # order loads by default (four more queries per side)
                 lazyload(Order.events), lazyload(Order.shipments), lazyload(Order.delays),
                 lazyload(Order.delivery_changes))
    )
    if view is InboxFilter.UNREAD:
        stmt = stmt.where(Thread.id.in_(list(unread) or [0]))
    elif view is InboxFilter.MINE:
        stmt = stmt.where((Order.placed_by_id == user.id) | _wrote(user))
    elif view is InboxFilter.EXPEDITED:
        stmt = stmt.where(Order.expedited_at.is_not(None), Order.status.in_(late.CAN_BE_LATE))
    elif view is InboxFilter.LATE:  # a superset in SQL; each supplier's own day below
        horizon = utcnow().date() + timedelta(days=1)
        stmt = stmt.where(Order.status.in_(late.CAN_BE_LATE), late.due_column() < horizon)
    with as_tenant(user.organization_id):
        rows = _newest(stmt, user.organization_id, supplier, limit)
        if view is InboxFilter.LATE:
            rows = [(thread, order) for thread, order in rows if late.is_late(order)]
    return [(thread, order, order.buyer if supplier else order.supplier)
            for thread, order in rows]
