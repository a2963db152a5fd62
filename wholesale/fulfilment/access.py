"""Who is acting on an order (its supplier's people or its buyer's), and the order row lock
every fulfilment change takes first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wholesale.accounts.models import User
from wholesale.db import is_id
from wholesale.errors import Forbidden, NotFound
from wholesale.extensions import db
from wholesale.fulfilment.models import Side
from wholesale.orders.models import Order, OrderLine


def lock(order: Order | int, *, skip_locked: bool = False) -> Order | None:
    """The order, re-read under a row lock held until the transaction ends (PostgreSQL:
    SELECT … FOR UPDATE; SQLite: the transaction already holds the database write lock), so
    two concurrent changes of one order run one after the other and the second sees the
    first's result. 404 when the current tenant may not see it. With `skip_locked`, an order
    another transaction holds is skipped (None) instead of waited for."""
    order_id = order if isinstance(order, int) else order.id
    found = None
    if is_id(order_id):
        stmt = (
            select(Order).where(Order.id == order_id)
            .with_for_update(of=Order, skip_locked=skip_locked)
            .options(selectinload(Order.lines).selectinload(OrderLine.allocations))
            .execution_options(populate_existing=True)
        )
        found = db.session.scalars(stmt).first()
    if found is None and not skip_locked:
        raise NotFound("Order not found.")
    return found


def side_of(actor: User | None, order: Order) -> Side:
    """The actor's side of the order; someone of neither side gets a 404 (as for any other
    tenant's order)."""
    if actor is None:
        return Side.SYSTEM
    if actor.organization_id == order.supplier_id:
        return Side.SUPPLIER
    if actor.organization_id == order.buyer_id:
        return Side.BUYER
    raise NotFound("Order not found.")


def require_supplier(actor: User | None, order: Order, what: str) -> Side:
    """The supplier's side (or the system), else 403 naming what only the supplier does."""
    side = side_of(actor, order)
    if side is Side.BUYER:
        raise Forbidden(f"Only the supplier {what}.", code="forbidden_role")
    return side
