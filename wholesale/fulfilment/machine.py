"""The order state machine: one transition table, one `transition()` service.

    placed → received → picking → packed → shipped → delivered
    cancelled from placed, received, picking, packed
    shipped → packed: only when a carrier label is refunded (its parcel never left)

Who may do what:
- the **supplier** makes every move; `shipped` is reached only by recording shipments
  (`shipments.ship`): when everything on the order has shipped it walks the order through the
  steps it skipped, each one an event, up to `shipped`;
- the **buyer** may cancel before picking starts (`placed`, `received`) and may confirm
  delivery of a shipped order; any other move is 403 `forbidden_role`;
- `shipped → packed` is reached only by refunding a carrier label the carrier has not
  scanned (`labels.refund_label` → `unship`): the voided shipment's goods are back in the
  warehouse, so the order is no longer all shipped;
- a cancel needs a reason, and is refused (409) once part of the order has shipped;
- an illegal move is 409 `invalid_transition` and changes nothing.

Every transition locks the order row first (`access.lock`), so two concurrent moves of one
order cannot both apply; writes an `OrderEvent`; sends `order_status_changed`. A cancel gives
back the order's reservations exactly once (ledger RELEASE) and withdraws a pending
delivery-change request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.errors import DomainError, Forbidden, ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment import access, reservations, timeline
from wholesale.fulfilment.errors import InvalidTransition
from wholesale.fulfilment.models import ChangeStatus, EventKind, Side
from wholesale.orders.models import Order, OrderStatus

S = OrderStatus

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PLACED: frozenset({S.RECEIVED, S.CANCELLED}),
    S.RECEIVED: frozenset({S.PICKING, S.CANCELLED}),
    S.PICKING: frozenset({S.PACKED, S.CANCELLED}),
    S.PACKED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.PACKED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}
# The working order of the steps (cancelled is not on it).
FLOW: tuple[OrderStatus, ...] = (S.PLACED, S.RECEIVED, S.PICKING, S.PACKED, S.SHIPPED,
                                 S.DELIVERED)
# Not shipped yet: work can still be done on it, it can be cancelled.
OPEN: tuple[OrderStatus, ...] = (S.PLACED, S.RECEIVED, S.PICKING, S.PACKED)
# What the buyer may do, and from which statuses.
BUYER_MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.CANCELLED: frozenset({S.PLACED, S.RECEIVED}),
    S.DELIVERED: frozenset({S.SHIPPED}),
}

_VERBS = {
    S.RECEIVED: "marks orders received",
    S.PICKING: "starts picking",
    S.PACKED: "marks orders packed",
    S.SHIPPED: "ships orders",
}


def is_legal(from_status: OrderStatus, to_status: OrderStatus) -> bool:
    return to_status in TRANSITIONS[from_status]


def allowed_moves(order: Order, side: Side) -> list[OrderStatus]:
    """The statuses `side` may move the order to now through `transition()` (what the
    pages offer as buttons): never the moves only shipments and label refunds make."""
    moves = [s for s in TRANSITIONS[order.status] if not _by_service(order.status, s)]
    if side is Side.BUYER:
        moves = [s for s in moves if order.status in BUYER_MOVES.get(s, ())]
    if S.CANCELLED in moves and any(reservations.shipped_of(ln) for ln in order.lines):
        moves.remove(S.CANCELLED)
    return sorted(moves, key=lambda s: (s is S.CANCELLED, FLOW.index(s) if s in FLOW else 0))


def parse_status(value: object, field: str = "status") -> OrderStatus:
    try:
        return OrderStatus(value)  # type: ignore[arg-type]
    except ValueError:
        choices = ", ".join(s.value for s in OrderStatus)
        raise ValidationFailed.one(field, f"Must be one of: {choices}.") from None


def transition(order: Order | int, to_status: OrderStatus | str, actor: User | None,
               note: str | None = "") -> Order:
    """Move the order to `to_status` as `actor` (None: the system). See the module
    docstring for the rules. Flushes; the caller commits."""
    target = parse_status(to_status)
    with db.session.begin_nested():
        locked = access.lock(order)
        assert locked is not None
        side = access.side_of(actor, locked)
        _check(locked, target, side, actor)
        text = timeline.clean_text(
            note, "note", required=target is S.CANCELLED,
            what="Say why the order is cancelled; the other side sees it.")
        if target is S.SHIPPED:
            raise InvalidTransition(
                f"Order {_label(locked)} becomes shipped when its goods ship: record a shipment "
                "(carrier and tracking number) instead.")
        if _by_service(locked.status, target):
            raise InvalidTransition(
                f"Order {_label(locked)} has shipped; it goes back to packed only when an "
                "unused carrier label is refunded.")
        _apply(locked, target, actor, side, text)
    return locked


def _check(order: Order, target: OrderStatus, side: Side, actor: User | None) -> None:
    current = order.status
    if side is Side.BUYER and target not in BUYER_MOVES:
        raise Forbidden(f"Only the supplier {_VERBS.get(target, 'does that')}.",
                        code="forbidden_role")
    if not is_legal(current, target):
        if current is target:
            raise InvalidTransition(f"Order {_label(order)} is already {current.value}.")
        nexts = ", ".join(s.value for s in sorted(TRANSITIONS[current], key=_flow_key))
        options = f"from {current.value} it can go to: {nexts}" if nexts else (
            f"{current.value} is final")
        raise InvalidTransition(
            f"Order {_label(order)} is {current.value}; it can't be moved to {target.value} "
            f"({options}).")
    if side is Side.BUYER and current not in BUYER_MOVES[target]:
        raise InvalidTransition(
            f"Order {_label(order)} is already {current.value}: a buyer can cancel only before "
            "picking starts. Ask the supplier in the order's chat.")
    if target is S.CANCELLED and any(reservations.shipped_of(ln) for ln in order.lines):
        raise InvalidTransition(
            f"Part of order {_label(order)} has already shipped, so it can't be cancelled.")


def _apply(order: Order, target: OrderStatus, actor: User | None, side: Side, note: str,
           data: dict[str, Any] | None = None) -> None:
    previous = order.status
    if target is S.CANCELLED:
        released = reservations.release(order, actor, f"Order {_label(order)} cancelled")
        data = {**(data or {}), "released_units": released}
    order.status = target
    order.status_changed_at = utcnow()
    if target in (S.CANCELLED, S.SHIPPED, S.DELIVERED):
        withdraw_pending_change(order, target)
    db.session.flush()
    timeline.record(order, EventKind.STATUS, actor, side, from_status=previous,
                    to_status=target, note=note, data=data)
    signals.order_status_changed.send(order.supplier, order=order, actor=actor,
                                      from_status=previous, to_status=target, note=note)


def walk_to_shipped(order: Order, actor: User | None, side: Side, note: str) -> None:
    """After the last shipment: move the (locked) order through the steps it has not been
    through, one event each, to `shipped`."""
    start = FLOW.index(order.status)
    for step in FLOW[start + 1:FLOW.index(S.SHIPPED) + 1]:
        assert is_legal(order.status, step)
        _apply(order, step, actor, side, note)


def unship(order: Order, actor: User | None, side: Side, note: str) -> None:
    """A refunded label voided a shipment of the (locked) `shipped` order: it is packed again,
    one event."""
    assert is_legal(order.status, S.PACKED)
    _apply(order, S.PACKED, actor, side, note)


def _by_service(from_status: OrderStatus, to_status: OrderStatus) -> bool:
    """Moves no one asks for directly: shipments make `shipped`, label refunds `packed`."""
    return to_status is S.SHIPPED or (from_status is S.SHIPPED and to_status is S.PACKED)


def withdraw_pending_change(order: Order, status: OrderStatus) -> None:
    for change in order.delivery_changes:
        if change.status is ChangeStatus.PENDING:
            change.status = ChangeStatus.WITHDRAWN
            change.responded_at = utcnow()
            change.response_note = f"Withdrawn: the order was {status.value}."


def _flow_key(status: OrderStatus) -> tuple[bool, int]:
    return (status is S.CANCELLED, FLOW.index(status) if status in FLOW else 0)


def _label(order: Order) -> str:
    return order.display_number if order.number else f"#{order.id}"


@dataclass
class BulkResult:
    done: list[Order] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (order id, why)


def bulk_transition(order_ids: Iterable[int], to_status: OrderStatus | str, actor: User,
                    note: str = "") -> BulkResult:
    """The board's bulk actions: each order moves on its own; one that can't is reported
    and left as it was (the others still move)."""
    result = BulkResult()
    for order_id in dict.fromkeys(order_ids):
        try:
            result.done.append(transition(order_id, to_status, actor, note))
        except DomainError as exc:
            result.failed.append((order_id, exc.message))
    return result
