"""A Hypothesis state machine drives random sequences of placements, status moves (as the
supplier and as the buyer), full and partial shipments, cancels, receipts and adjustments
through the real services — and voided shipments (a refunded label) — and checks after
every step:

- only legal transitions happen: each order's status events chain from `placed` along the
  transition table to its current status, and every refused move changed nothing;
- stock is conserved: per stock level, on hand + shipped = everything received into stock
  (receipts and adjustments), and on hand is the sum of its ledger;
- reserved = what open allocations hold and have not shipped, and reserved ≤ on hand;
- a cancelled order released its reservations exactly once;
- an order is shipped (or delivered) exactly when everything on it has shipped.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import case, func, select
from sqlalchemy.orm import lazyload, selectinload

from tests.factories import Factory
from tests.orders.conftest import build_shop
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.fulfilment import access, machine, reservations, shipments
from wholesale.fulfilment.models import EventKind, Shipment, Side
from wholesale.inventory import stock
from wholesale.inventory.models import MovementKind, StockLevel, StockMovement
from wholesale.orders.models import Allocation, Order, OrderLine, OrderStatus
from wholesale.orders.placement import place_order

S = OrderStatus
# What the checks read of an order (not its shipments, delays or delivery changes).
LIGHT = (selectinload(Order.lines).selectinload(OrderLine.allocations),
         lazyload(Order.shipments), lazyload(Order.delays), lazyload(Order.delivery_changes))


class Fulfilment(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.shop = build_shop(Factory())
        shop = self.shop
        self.warehouses = [shop.near, shop.far]
        self.products = [
            shop.product({shop.near: 4}, allow_backorder=True),
            shop.product({shop.far: 3}, allow_backorder=True),
            shop.product({}, allow_backorder=True),
        ]
        # everything received into stock, per (warehouse id, product id)
        self.received: dict[tuple[int, int], int] = defaultdict(int)
        self.received[(shop.near.id, self.products[0].id)] = 4
        self.received[(shop.far.id, self.products[1].id)] = 3
        self.shipped: dict[tuple[int, int], int] = defaultdict(int)
        self.expected_status: dict[int, OrderStatus] = {}
        self.released_at_cancel: dict[int, int] = {}

    # -- helpers -----------------------------------------------------------------------------

    def order(self, order_id: int) -> Order:
        return db.session.scalars(
            select(Order).where(Order.id == order_id).options(*LIGHT)
            .execution_options(populate_existing=True)).one()

    def snapshot(self, order_id: int) -> tuple[Any, ...]:
        order = self.order(order_id)
        levels = db.session.execute(
            select(StockLevel.id, StockLevel.on_hand, StockLevel.reserved)
            .where(StockLevel.supplier_id == self.shop.supplier.id).order_by(StockLevel.id)
        ).all()
        events = db.session.execute(
            select(func.count()).select_from(StockMovement.__table__)).scalar_one()
        return (order.status, len(order.events), tuple(levels), events)

    def expect_refused(self, order_id: int, action: Any, code: str | None = None) -> None:
        before = self.snapshot(order_id)
        with pytest.raises(DomainError) as refused:
            action()
        if code is not None:
            assert refused.value.code == code, refused.value.message
        db.session.expire_all()
        assert self.snapshot(order_id) == before, "a refused action changed something"

    # -- rules -------------------------------------------------------------------------------

    @rule(target=orders, q1=st.integers(0, 6), q2=st.integers(0, 4), q3=st.integers(0, 2))
    def place(self, q1: int, q2: int, q3: int) -> Any:
        lines = [(p, q) for p, q in zip(self.products, (q1, q2, q3), strict=True) if q]
        if not lines:
            lines = [(self.products[0], 1)]
        order = place_order(**self.shop.place_kwargs(*lines)).order
        placed = [order, *order.backorders]
        for each in placed:
            self.expected_status[each.id] = S.PLACED
        return multiple(*(each.id for each in placed))

    @rule(order_id=orders, target_status=st.sampled_from(list(OrderStatus)),
          as_buyer=st.booleans())
    def move(self, order_id: int, target_status: OrderStatus, as_buyer: bool) -> None:
        order = self.order(order_id)
        current = order.status
        assert current is self.expected_status[order_id]
        shipped_any = any(reservations.shipped_of(line) for line in order.lines)
        legal = (
            machine.is_legal(current, target_status)
            and target_status is not S.SHIPPED
            and not (current is S.SHIPPED and target_status is S.PACKED)  # a label refund's
            and (not as_buyer or current in machine.BUYER_MOVES.get(target_status, ()))
            and not (target_status is S.CANCELLED and shipped_any)
        )
        actor = self.shop.buyer_user if as_buyer else self.shop.supplier_user
        if not legal:
            self.expect_refused(order_id, lambda: machine.transition(
                order_id, target_status, actor, "random move"))
            return
        holding = sum(a.quantity - a.shipped_quantity for line in order.lines
                      for a in reservations.open_allocations(line))
        machine.transition(order_id, target_status, actor, "random move")
        self.expected_status[order_id] = target_status
        if target_status is S.CANCELLED:
            self.released_at_cancel[order_id] = holding
        # a second identical move is refused and changes nothing
        self.expect_refused(order_id, lambda: machine.transition(
            order_id, target_status, actor, "again"), "invalid_transition")

    @rule(order_id=orders, data=st.data())
    def ship(self, order_id: int, data: st.DataObject) -> None:
        order = self.order(order_id)
        can = {line.id: reservations.unshipped_reserved(line) for line in order.lines}
        requested: list[dict[str, int]] | None = None
        if data.draw(st.booleans(), label="partial"):
            requested = []
            for line in order.lines:
                quantity = data.draw(st.integers(0, can[line.id] + 1), label=f"line {line.id}")
                if quantity:
                    requested.append({"line_id": line.id, "quantity": quantity})
            requested = requested or None
        user = self.shop.supplier_user
        call = lambda: shipments.ship(order_id, user, carrier="UPS",  # noqa: E731
                                      tracking_number="1Z999", lines=requested)
        if order.status not in machine.OPEN:
            self.expect_refused(order_id, call, "invalid_transition")
            return
        if requested is None and not any(can.values()):
            self.expect_refused(order_id, call, "nothing_to_ship")
            return
        if requested and any(r["quantity"] > can[r["line_id"]] for r in requested):
            self.expect_refused(order_id, call, "validation_error")
            return
        shipment = call()
        for line in shipment.lines:
            self.shipped[(line.warehouse_id, line.order_line.product_id)] += line.quantity
        if reservations.fully_shipped(self.order(order_id)):
            self.expected_status[order_id] = S.SHIPPED

    @rule(order_id=orders, data=st.data())
    def void(self, order_id: int, data: st.DataObject) -> None:
        """A refunded label voids one shipment (the refund itself needs a carrier: see
        test_label_refunds)."""
        live = db.session.scalars(select(Shipment).where(
            Shipment.order_id == order_id, Shipment.voided_at.is_(None))
            .order_by(Shipment.id)).all()
        order = access.lock(order_id)
        if not live or order.status is S.DELIVERED:  # a delivered parcel is not refunded
            return
        shipment = data.draw(st.sampled_from(live), label="shipment")
        for line in shipment.lines:
            self.shipped[(line.warehouse_id, line.order_line.product_id)] -= line.quantity
        shipments.void(order, shipment, self.shop.supplier_user, Side.SUPPLIER, "random void")
        if self.expected_status[order_id] is S.SHIPPED:
            self.expected_status[order_id] = S.PACKED

    @rule(order_id=orders, as_buyer=st.booleans())
    def cancel(self, order_id: int, as_buyer: bool) -> None:
        self.move(order_id, S.CANCELLED, as_buyer)

    @rule(product=st.integers(0, 2), warehouse=st.integers(0, 1), quantity=st.integers(1, 6))
    def restock(self, product: int, warehouse: int, quantity: int) -> None:
        p, w = self.products[product], self.warehouses[warehouse]
        stock.receive(self.shop.supplier_user, w.id, p.id, quantity, "PO received")
        self.received[(w.id, p.id)] += quantity

    @rule(product=st.integers(0, 2), warehouse=st.integers(0, 1), delta=st.integers(-3, 3))
    def adjust(self, product: int, warehouse: int, delta: int) -> None:
        if delta == 0:
            return
        p, w = self.products[product], self.warehouses[warehouse]
        level = self.level(w.id, p.id)
        available = level.on_hand - level.reserved if level else 0
        if delta < 0 and -delta > available:
            with pytest.raises(DomainError), db.session.begin_nested():
                stock.adjust(self.shop.supplier_user, w.id, p.id, delta, "count")
            return
        stock.adjust(self.shop.supplier_user, w.id, p.id, delta, "count")
        db.session.commit()  # positive adjustments allocate backorders at commit
        self.received[(w.id, p.id)] += delta

    def level(self, warehouse_id: int, product_id: int) -> StockLevel | None:
        return db.session.scalars(
            select(StockLevel).where(StockLevel.warehouse_id == warehouse_id,
                                     StockLevel.product_id == product_id)
            .execution_options(populate_existing=True)).first()

    # -- invariants (a few grouped queries per step: the machine runs hundreds of steps) ---

    def supplier_orders(self) -> list[Order]:
        return list(db.session.scalars(
            select(Order).where(Order.id.in_(list(self.expected_status)))
            .options(*LIGHT).execution_options(populate_existing=True)))

    @invariant()
    def only_legal_transitions_and_statuses_match_shipping(self) -> None:
        released = dict(db.session.execute(
            select(StockMovement.order_id, func.sum(-StockMovement.reserved_delta))
            .where(StockMovement.supplier_id == self.shop.supplier.id,
                   StockMovement.kind == MovementKind.RELEASE)
            .group_by(StockMovement.order_id)).all())
        for order in self.supplier_orders():
            assert order.status is self.expected_status[order.id]
            current = S.PLACED
            for event in order.events:
                if event.kind is EventKind.STATUS:
                    assert event.from_status is current, (order.id, event.from_status)
                    assert machine.is_legal(current, event.to_status), (current, event.to_status)
                    current = event.to_status
            assert current is order.status
            allocations = [a for line in order.lines for a in line.allocations]
            for a in allocations:
                assert 0 <= a.shipped_quantity <= a.quantity
            if order.status is S.CANCELLED:
                # released exactly once: the ledger gave back what the order held, no more
                assert all(a.released_at is not None for a in allocations)
                assert released.get(order.id, 0) == self.released_at_cancel[order.id]
                assert released.get(order.id, 0) == sum(a.quantity - a.shipped_quantity
                                                        for a in allocations)
            else:
                assert all(a.released_at is None for a in allocations)
                assert order.id not in released
            shipped_all = reservations.fully_shipped(order)
            assert shipped_all == (order.status in (S.SHIPPED, S.DELIVERED)), order.id

    @invariant()
    def stock_is_conserved(self) -> None:
        supplier_id = self.shop.supplier.id
        levels = db.session.scalars(
            select(StockLevel).where(StockLevel.supplier_id == supplier_id)
            .execution_options(populate_existing=True)).all()
        m = StockMovement
        ledger = {(w, p): (on_hand, reserved, shipped) for w, p, on_hand, reserved, shipped in
                  db.session.execute(
                      select(m.warehouse_id, m.product_id, func.sum(m.on_hand_delta),
                             func.sum(m.reserved_delta),
                             func.sum(case((m.kind.in_((MovementKind.SHIPMENT,
                                                        MovementKind.SHIPMENT_VOID)),
                                            -m.on_hand_delta), else_=0)))
                      .where(m.supplier_id == supplier_id)
                      .group_by(m.warehouse_id, m.product_id))}
        holding = {(w, p): h for w, p, h in db.session.execute(
            select(Allocation.warehouse_id, OrderLine.product_id,
                   func.sum(Allocation.quantity - Allocation.shipped_quantity))
            .join(OrderLine, OrderLine.id == Allocation.order_line_id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.supplier_id == supplier_id, Allocation.released_at.is_(None))
            .group_by(Allocation.warehouse_id, OrderLine.product_id))}
        for level in levels:
            key = (level.warehouse_id, level.product_id)
            # on hand + shipped = everything received into stock
            assert level.on_hand + self.shipped[key] == self.received[key], key
            assert 0 <= level.reserved <= level.on_hand
            on_hand, reserved, shipped = ledger.get(key, (0, 0, 0))
            assert (on_hand, reserved) == (level.on_hand, level.reserved), key
            assert shipped == self.shipped[key], key
            # reserved = what open allocations hold and have not shipped
            assert level.reserved == holding.get(key, 0), key


def test_random_lifecycles_keep_every_invariant(db_session: Any) -> None:
    run_state_machine_as_test(
        Fulfilment,
        settings=settings(max_examples=30, stateful_step_count=20, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.filter_too_much]),
    )
