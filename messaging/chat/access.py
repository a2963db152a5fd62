"""Who may see which thread: both organizations of the order; notes the supplier's only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from messaging.chat.models import Side, Thread
from messaging.chat.upsert import insert
from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant, get_or_404


@dataclass(frozen=True)
class Access:
    """A user allowed into an order's thread, and on which side of it."""

    user: User
    order: Order
    thread: Thread
    side: Side

    @property
    def sees_notes(self) -> bool:
        return self.side is Side.SUPPLIER


def side_of(org_id: int, order: Order) -> Side:
    return Side.SUPPLIER if org_id == order.supplier_id else Side.BUYER


def open_thread(user: User, order_id: int) -> Access:
    """The thread of an order `user` may see (created if it has none yet), else 404."""
    with as_tenant(user.organization_id):
        order = get_or_404(Order, order_id)
    return Access(user, order, ensure_thread(order), side_of(user.organization_id, order))


def ensure_thread(order: Order) -> Thread:
    """The order's thread; two requests creating it at once end up with the same row."""
    stmt = select(Thread).where(Thread.order_id == order.id).execution_options(all_tenants=True)
    thread = db.session.scalars(stmt).first()
    if thread is not None:
        return thread
    db.session.execute(
        insert(Thread)
        .values(
            order_id=order.id,
            supplier_id=order.supplier_id,
            buyer_id=order.buyer_id,
            last_seq=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["order_id"])
    )
    return db.session.scalars(stmt).one()


def lock_thread(thread_id: int) -> Thread:
    """The thread row, locked until commit (PostgreSQL; SQLite serializes writers anyway):
    messages of one thread are numbered one at a time."""
    stmt = (
        select(Thread)
        .where(Thread.id == thread_id)
        .with_for_update()
        .execution_options(populate_existing=True, all_tenants=True)
    )
    return db.session.scalars(stmt).one()
