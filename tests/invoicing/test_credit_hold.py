"""Credit limits: an order over the limit waits for the supplier, who approves or rejects."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.invoicing.conftest import issue, place, ship, shipped_order
from wholesale import signals
from wholesale.errors import Conflict, Forbidden, ValidationFailed
from wholesale.fulfilment import machine
from wholesale.invoicing import credit, settings
from wholesale.invoicing.models import HoldStatus
from wholesale.orders.models import OrderStatus


def _limit(shop, amount: str | None) -> None:
    rel = settings.relationship_between(shop.supplier.id, shop.buyer.id)
    assert rel is not None
    settings.set_credit_limit(shop.supplier, rel.id, amount)


@pytest.fixture
def held_signals() -> Any:
    got: list[dict[str, Any]] = []

    def receive(sender: Any, **kw: Any) -> None:
        got.append(kw)

    signals.order_held_for_credit.connect(receive)
    yield got
    signals.order_held_for_credit.disconnect(receive)


def test_no_limit_no_hold(shop) -> None:
    order = place(shop, (shop.product({shop.near: 50}, price="100.00"), 40))
    assert credit.hold_of(order.id) is None


def test_order_over_the_limit_is_held_until_approved(shop, held_signals) -> None:
    product = shop.product({shop.near: 60}, price="10.00")
    first = shipped_order(shop, (product, 30))
    issue(shop, first)  # 300.00 owed
    _limit(shop, "500")
    within = place(shop, (product, 20))  # 300 + 200 = 500: at the limit, fine
    assert credit.hold_of(within.id) is None
    over = place(shop, (product, 1))  # 300 + 10 > 500? no: only invoices count
    assert credit.hold_of(over.id) is None
    big = place(shop, (shop.product({shop.near: 50}, price="25.00"), 9))  # 300 + 225 > 500
    hold = credit.hold_of(big.id)
    assert hold is not None and hold.status is HoldStatus.PENDING
    assert (hold.open_receivables, hold.order_amount, hold.credit_limit) == (
        Decimal("300.00"), Decimal("225.00"), Decimal("500.00"))
    assert held_signals[-1]["order"] is big and held_signals[-1]["hold"] is hold

    with pytest.raises(Conflict) as exc:  # it cannot move on while held
        machine.transition(big.id, OrderStatus.RECEIVED, shop.supplier_user, "")
    assert exc.value.code == "credit_hold"
    with pytest.raises(Conflict):
        ship(shop, big)
    assert big.status is OrderStatus.PLACED and not big.shipments

    with pytest.raises(Forbidden):
        credit.decide(big.id, shop.buyer_user, approve=True)
    credit.decide(big.id, shop.supplier_user, approve=True)
    assert hold.status is HoldStatus.APPROVED
    ship(shop, big)
    assert big.status is OrderStatus.SHIPPED
    with pytest.raises(Conflict):
        credit.decide(big.id, shop.supplier_user, approve=True)


def test_rejecting_cancels_the_order_and_needs_a_reason(shop) -> None:
    _limit(shop, "50")
    order = place(shop, (shop.product({shop.near: 50}, price="60.00"), 1))
    with pytest.raises(ValidationFailed):
        credit.decide(order.id, shop.supplier_user, approve=False, note="")
    credit.decide(order.id, shop.supplier_user, approve=False, note="Please settle INV-00001")
    assert order.status is OrderStatus.CANCELLED
    assert credit.hold_of(order.id).status is HoldStatus.REJECTED
    assert shop.reserved(order.lines[0].product) == 0  # stock released


def test_buyer_may_cancel_a_held_order(shop) -> None:
    _limit(shop, "0")
    order = place(shop, (shop.product({shop.near: 5}), 1))
    assert credit.pending_hold(order.id) is not None
    machine.transition(order.id, OrderStatus.CANCELLED, shop.buyer_user, "Changed my mind")
    assert order.status is OrderStatus.CANCELLED
