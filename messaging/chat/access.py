"""Who may see which thread: both organizations of the order (or, for an account thread, of
the trading relationship); notes the supplier's only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from messaging.chat.models import ACCOUNT_ONLY, Side, Thread, ThreadKind
from messaging.chat.upsert import insert
from wholesale.db import utcnow
from wholesale.errors import NotFound
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant, get_or_404
from wholesale.trading.models import TradingRelationship


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
    """A thread and the two organizations it belongs to (these never change); `order_id` is
    None for an account thread."""

    thread_id: int
    order_id: int | None
    supplier_id: int
    buyer_id: int

    @property
    def kind(self) -> ThreadKind:
        return ThreadKind.ACCOUNT if self.order_id is None else ThreadKind.ORDER

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
    def order_id(self) -> int | None:
        return self.thread.order_id

    @property
    def thread_id(self) -> int:
        return self.thread.thread_id

    @property
    def other_org_id(self) -> int:
        return self.thread.buyer_id if self.sees_notes else self.thread.supplier_id


def open_thread(person: Person, order_id: int) -> Access:
    """The thread of an order `person` may see (created if it has none yet), else 404."""
    with as_tenant(person.organization_id):
        order = get_or_404(Order, order_id)
    return Access(Actor.of(person), ref_of(ensure_thread(order)), order)


def open_thread_by_id(person: Person, thread_id: int) -> Access:
    """Any thread (order or account) `person`'s organization takes part in, else 404."""
    with as_tenant(person.organization_id):
        thread = get_or_404(Thread, thread_id)
        order = thread.order if thread.order_id is not None else None
    return Access(Actor.of(person), ref_of(thread), order)


def open_account_thread(person: Person, partner_id: int) -> Access:
    """The account thread between `person`'s organization and a trading partner, else 404."""
    org_id = person.organization_id
    stmt = select(TradingRelationship).where(
        ((TradingRelationship.supplier_id == org_id) & (TradingRelationship.buyer_id == partner_id))
        | ((TradingRelationship.buyer_id == org_id)
           & (TradingRelationship.supplier_id == partner_id)))
    with as_tenant(org_id):
        relationship = db.session.scalars(stmt).first()
    if relationship is None:
        raise NotFound("Trading partner not found.")
    thread = ensure_account_thread(relationship.supplier_id, relationship.buyer_id)
    return Access(Actor.of(person), ref_of(thread))


def ensure_account_thread(supplier_id: int, buyer_id: int) -> Thread:
    """The account thread of a trading relationship; two requests creating it at once end up
    with the same row."""
    stmt = select(Thread).where(
        Thread.kind == ThreadKind.ACCOUNT, Thread.supplier_id == supplier_id,
        Thread.buyer_id == buyer_id,
    ).execution_options(all_tenants=True)
    thread = db.session.scalars(stmt).first()
    if thread is not None:
        return thread
    created = db.session.scalars(
        insert(Thread, orm=True)
        .values(kind=ThreadKind.ACCOUNT, order_id=None, supplier_id=supplier_id,
                buyer_id=buyer_id, last_seq=0, last_public_seq=0, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["supplier_id", "buyer_id"],
                                index_where=ACCOUNT_ONLY)
        .returning(Thread),
        execution_options={"all_tenants": True},
    ).first()
    return created if created is not None else db.session.scalars(stmt).one()


def ref_of(thread: Thread) -> ThreadRef:
    return ThreadRef(thread.id, thread.order_id, thread.supplier_id, thread.buyer_id)


def ensure_thread(order: Order, *, fresh: bool = False) -> Thread:
    """The order's thread; two requests creating it at once end up with the same row.
    `fresh`: the order was just placed, so there is no thread to look for first."""
    stmt = select(Thread).where(Thread.order_id == order.id).execution_options(all_tenants=True)
    thread = None if fresh else db.session.scalars(stmt).first()
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
