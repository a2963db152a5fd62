"""Who may see which thread: both organizations of the order; notes the supplier's only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from messaging.chat.models import Side, Thread
from messaging.chat.upsert import insert
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant, get_or_404


class Person(Protocol):
    """A `User`, or the `Actor` a socket connection keeps."""

    id: int
    organization_id: int
    name: str


@dataclass(frozen=True)
class Actor:
    """Who writes or reads: what a message needs to know of its author."""

    id: int
    organization_id: int
    name: str

    @classmethod
    def of(cls, person: Person) -> Actor:
        return cls(person.id, person.organization_id, person.name)


@dataclass(frozen=True)
class ThreadRef:
    """An order's thread and the two organizations it belongs to (these never change)."""

    thread_id: int
    order_id: int
    supplier_id: int
    buyer_id: int

    def side_of(self, org_id: int) -> Side:
        return Side.SUPPLIER if org_id == self.supplier_id else Side.BUYER


@dataclass(frozen=True)
class Access:
    """A person allowed into an order's thread, and on which side of it."""

    actor: Actor
    thread: ThreadRef
    order: Order | None = None  # loaded when the thread was opened from the database

    @property
    def side(self) -> Side:
        return self.thread.side_of(self.actor.organization_id)

    @property
    def sees_notes(self) -> bool:
        return self.side is Side.SUPPLIER

    @property
    def order_id(self) -> int:
        return self.thread.order_id

    @property
    def other_org_id(self) -> int:
        return self.thread.buyer_id if self.sees_notes else self.thread.supplier_id


def open_thread(person: Person, order_id: int) -> Access:
    """The thread of an order `person` may see (created if it has none yet), else 404."""
    with as_tenant(person.organization_id):
        order = get_or_404(Order, order_id)
    return Access(Actor.of(person), ref_of(ensure_thread(order)), order)


def ref_of(thread: Thread) -> ThreadRef:
    return ThreadRef(thread.id, thread.order_id, thread.supplier_id, thread.buyer_id)


def ensure_thread(order: Order) -> Thread:
    """The order's thread; two requests creating it at once end up with the same row."""
    stmt = select(Thread).where(Thread.order_id == order.id).execution_options(all_tenants=True)
    thread = db.session.scalars(stmt).first()
    if thread is not None:
        return thread
    created = db.session.scalars(
        insert(Thread, orm=True)
        .values(
            order_id=order.id,
            supplier_id=order.supplier_id,
            buyer_id=order.buyer_id,
            last_seq=0,
            last_public_seq=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["order_id"])
        .returning(Thread),
        execution_options={"all_tenants": True},
    ).first()
    return created if created is not None else db.session.scalars(stmt).one()
