"""The people on an order: the supplier's staff, the buyer's staff and the order's extra
contacts (who have no account). Deactivated users hear nothing; whoever caused the event
is not told about it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from messaging.notifications.addresses import normalize_email, normalize_phone
from messaging.notifications.catalog import BUYER, CONTACT, SUPPLIER
from wholesale.accounts.models import User
from wholesale.extensions import db
from wholesale.orders.models import Order


@dataclass(frozen=True)
class Recipient:
    side: str  # supplier, buyer or contact
    name: str
    email: str | None
    phone: str | None
    user: User | None = None
    contact_id: int | None = None

    @property
    def ref(self) -> str:
        """`u<id>` or `c<id>`: who, in reply tokens and digest cursors."""
        return f"u{self.user.id}" if self.user else f"c{self.contact_id}"


def _staff(sides: dict[int, str]) -> list[Recipient]:
    """The active users of the organizations in `sides` (organization id → side), in one
    query, supplier side first."""
    if not sides:
        return []
    stmt = (
        select(User)
        .where(User.organization_id.in_(sides), User.deactivated_at.is_(None))
        .order_by(User.id)
        .execution_options(all_tenants=True)
    )
    people = [
        Recipient(sides[u.organization_id], u.name, normalize_email(u.email),
                  normalize_phone(u.phone), user=u)
        for u in db.session.scalars(stmt)
    ]
    return sorted(people, key=lambda p: p.side != SUPPLIER)


def _contacts(order: Order) -> list[Recipient]:
    return [
        Recipient(CONTACT, c.name, normalize_email(c.email), normalize_phone(c.phone),
                  contact_id=c.id)
        for c in sorted(order.contacts, key=lambda c: c.id)
    ]


def order_people(order: Order, sides: Iterable[str], actor: User | None = None
                 ) -> list[Recipient]:
    """Everyone of `sides` on the order, except `actor`."""
    wanted = set(sides)
    sides = {org_id: side for org_id, side in ((order.supplier_id, SUPPLIER),
                                                (order.buyer_id, BUYER)) if side in wanted}
    people = _staff(sides)
    if CONTACT in wanted:
        people += _contacts(order)
    if actor is None:
        return people
    actor_email = normalize_email(actor.email)
    return [
        p for p in people
        if not (p.user is not None and p.user.id == actor.id)
        and not (p.user is None and actor_email and p.email == actor_email)
    ]


def side_of_user(order: Order, user: User | None) -> str | None:
    if user is None:
        return None
    if user.organization_id == order.supplier_id:
        return SUPPLIER
    if user.organization_id == order.buyer_id:
        return BUYER
    return None
