"""Credit limits: an order that would take the buyer over its limit waits for the supplier.

When an order is placed (the `order_placed` signal, inside the placement's transaction),
its amount (with its backorder's) is added to the buyer's open receivables with that
supplier — what its live invoices still owe. If that exceeds the relationship's credit
limit, a `CreditHold` row (pending) is written and `order_held_for_credit` is sent:
messaging posts an event in the order's thread and tells both sides. Orders are not taxed
at placement, so the order's amount is its subtotal.

While the hold is pending the order cannot move on (received, picking, packed, shipped;
a receiver of the lifecycle signals refuses with 409 `credit_hold`) but may be cancelled.
The supplier approves (the order goes on as usual) or rejects it (the order is cancelled,
its stock released) from the order page or the API.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.errors import Conflict, Forbidden
from wholesale.extensions import db
from wholesale.fulfilment.timeline import clean_text
from wholesale.invoicing import settings
from wholesale.invoicing.models import OPEN_STATUSES, CreditHold, HoldStatus, Invoice
from wholesale.invoicing.money import ZERO
from wholesale.orders.models import Order, OrderStatus
from wholesale.tenancy import as_tenant


def open_receivables(supplier_id: int, buyer_id: int) -> Decimal:
    inv = Invoice.__table__.c
    owed = db.session.execute(
        select(func.coalesce(func.sum(inv.total - inv.amount_paid - inv.amount_credited), 0))
        .where(inv.supplier_id == supplier_id, inv.buyer_id == buyer_id,
               inv.status.in_(OPEN_STATUSES))).scalar_one()
    return Decimal(str(owed)).quantize(Decimal("0.01"))


def check_order(order: Order) -> CreditHold | None:
    """Put a new order on hold when it takes the buyer over its limit (else None)."""
    with as_tenant(None):
        limit = settings.credit_limit_of(order.supplier_id, order.buyer_id)
        if limit is None:
            return None
        amount = order.subtotal + sum((b.subtotal for b in order.backorders), ZERO)
        owed = open_receivables(order.supplier_id, order.buyer_id)
        if owed + amount <= limit:
            return None
        hold = CreditHold(order_id=order.id, supplier_id=order.supplier_id,
                          buyer_id=order.buyer_id, status=HoldStatus.PENDING,
                          credit_limit=limit, open_receivables=owed, order_amount=amount,
                          currency=order.currency, note="", created_at=utcnow())
        db.session.add(hold)
        db.session.flush()
    signals.order_held_for_credit.send(order.supplier, order=order, hold=hold, actor=None)
    return hold


def hold_of(order_id: int) -> CreditHold | None:
    return db.session.scalars(select(CreditHold).where(CreditHold.order_id == order_id)
                              .execution_options(all_tenants=True)).first()


def pending_hold(order_id: int) -> CreditHold | None:
    hold = hold_of(order_id)
    return hold if hold is not None and hold.status is HoldStatus.PENDING else None


def decide(order_id: int, actor: User, *, approve: bool, note: Any = None,
           now: datetime | None = None) -> CreditHold:
    """The supplier approves or rejects a held order (rejecting cancels it). 404 for an
    order the actor may not see, 403 for the buyer, 409 when there is no pending hold."""
    from wholesale.fulfilment import access, machine

    order = access.lock(order_id)
    assert order is not None
    access.side_of(actor, order)  # 404 for outsiders
    if actor.organization_id != order.supplier_id:
        raise Forbidden("Only the supplier approves orders held for credit.",
                        code="forbidden_role")
    text = clean_text(note, "note", required=not approve, limit=1000,
                      what="Say why the order is rejected (the buyer sees it).")
    hold = db.session.scalars(select(CreditHold).where(CreditHold.order_id == order.id)
                              .with_for_update()).first()
    if hold is None or hold.status is not HoldStatus.PENDING:
        raise Conflict(f"Order {order.display_number} is not waiting for credit approval.",
                       code="no_credit_hold")
    hold.status = HoldStatus.APPROVED if approve else HoldStatus.REJECTED
    hold.decided_by_id = actor.id
    hold.decided_at = now or utcnow()
    hold.note = text
    db.session.flush()
    if not approve:
        machine.transition(order, OrderStatus.CANCELLED, actor,
                           f"Over the credit limit: {text}")
    signals.order_credit_decided.send(order.supplier, order=order, hold=hold,
                                      approved=approve, actor=actor, note=text)
    return hold


# -- receivers -------------------------------------------------------------------------------


def _on_placed(sender: Any, order: Order | None = None, **kwargs: Any) -> None:
    if isinstance(order, Order):
        check_order(order)


def _guard(sender: Any, order: Order | None = None, **kwargs: Any) -> None:
    """A held order may only be cancelled: refuse any other move (the sender rolls back)."""
    if not isinstance(order, Order):
        return
    target = kwargs.get("to_status")
    if target == OrderStatus.CANCELLED:
        return
    if pending_hold(order.id) is not None:
        raise Conflict(f"Order {order.display_number} is on hold: it would take "
                       f"{order.buyer.name} over its credit limit. Approve it first.",
                       code="credit_hold")


_connected = False


def subscribe() -> None:
    """Connect the receivers once per process (the placement hook and the guard)."""
    global _connected
    if _connected:
        return
    signals.order_placed.connect(_on_placed, weak=False)
    signals.order_status_changed.connect(_guard, weak=False)
    signals.order_shipped.connect(_guard, weak=False)
    _connected = True
