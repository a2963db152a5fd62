"""Delays and the ETA history, late orders, delivery changes, expedite."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.fulfilment.conftest import place
from tests.orders.conftest import Shop
from wholesale.db import utcnow
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.fulfilment import changes, delays, expedite, late, machine, shipments
from wholesale.fulfilment.models import ChangeStatus, EventKind, Side
from wholesale.orders import rules
from wholesale.orders.models import OrderStatus

S = OrderStatus


def _today(shop: Shop) -> date:
    return late.supplier_today(shop.supplier.id, utcnow())


# -- delays -------------------------------------------------------------------------------------


def test_delays_keep_the_eta_history(shop: Shop, sent) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    promised = order.requested_delivery_date
    first, second = promised + timedelta(days=3), promised + timedelta(days=5)
    delays.post_delay(order, shop.supplier_user, reason="Truck broke down", new_eta=first)
    delays.post_delay(order, shop.supplier_user, reason="Supplier short", new_eta=second)
    assert order.eta == second and late.due_date(order) == second
    assert [(d.previous_eta, d.new_eta, d.reason) for d in order.delays] == [
        (promised, first, "Truck broke down"), (first, second, "Supplier short")]
    delayed = sent.of("order_delayed")
    assert [(s.kwargs["previous_eta"], s.kwargs["new_eta"], s.kwargs["reason"])
            for s in delayed] == [(promised, first, "Truck broke down"),
                                  (first, second, "Supplier short")]
    assert delayed[0].sender is shop.supplier and delayed[0].kwargs["actor"] is shop.supplier_user
    assert [e.data["new_eta"] for e in order.events if e.kind is EventKind.DELAY] == [
        first.isoformat(), second.isoformat()]


def test_bad_delays(shop: Shop) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    today = _today(shop)
    cases = [
        ({"reason": "", "new_eta": today + timedelta(days=4)}, "reason"),
        ({"reason": "late", "new_eta": today - timedelta(days=1)}, "new_eta"),
        ({"reason": "late", "new_eta": order.requested_delivery_date}, "new_eta"),
        ({"reason": "late", "new_eta": "next week"}, "new_eta"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as refused:
            delays.post_delay(order, shop.supplier_user, **kwargs)
        assert field in refused.value.fields
    with pytest.raises(DomainError) as refused:
        delays.post_delay(order, shop.buyer_user, reason="x", new_eta=today + timedelta(days=9))
    assert refused.value.status == 403
    machine.transition(order, S.CANCELLED, shop.supplier_user, "gone")
    with pytest.raises(DomainError) as refused:
        delays.post_delay(order, shop.supplier_user, reason="x",
                          new_eta=today + timedelta(days=9))
    assert refused.value.code == "order_closed"
    assert order.delays == [] and order.eta is None


# -- late ---------------------------------------------------------------------------------------


def test_late_is_computed_and_announced_once(shop: Shop, sent) -> None:
    product = shop.product({shop.near: 50})
    overdue, on_time, done = (place(shop, (product, 1)) for _ in range(3))
    today = _today(shop)
    for order in (overdue, done):
        order.requested_delivery_date = today - timedelta(days=2)
    on_time.requested_delivery_date = today
    shipments.ship(done, shop.supplier_user, carrier="UPS")
    machine.transition(done, S.DELIVERED, shop.buyer_user)
    db.session.flush()
    assert late.is_late(overdue) and not late.is_late(on_time) and not late.is_late(done)
    assert late.days_late(overdue) == 2

    flagged = late.flag_late_orders(utcnow())
    assert flagged == [overdue.id]
    assert overdue.late_notified_at is not None
    [notice] = sent.of("order_late")
    assert notice.kwargs == {"order": overdue, "actor": None} and notice.sender is shop.supplier
    assert overdue.events[-1].kind is EventKind.LATE
    assert late.flag_late_orders(utcnow()) == []  # once per order
    assert len(sent.of("order_late")) == 1


def test_a_delay_moves_the_due_date(shop: Shop) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    today = _today(shop)
    order.requested_delivery_date = today - timedelta(days=1)
    db.session.flush()
    assert late.is_late(order)
    delays.post_delay(order, shop.supplier_user, reason="Rescheduled", new_eta=today)
    assert not late.is_late(order)
    assert late.flag_late_orders(utcnow()) == []


def test_late_uses_the_supplier_time_zone(shop: Shop) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    shop.rules(timezone="Pacific/Auckland")
    order.requested_delivery_date = date(2030, 3, 4)
    db.session.flush()
    # 11:30 UTC on March 4th is already March 5th in Auckland: the order is late there.
    now = datetime.combine(date(2030, 3, 4), time(11, 30), tzinfo=UTC)
    assert late.flag_late_orders(now) == [order.id]


# -- delivery changes ---------------------------------------------------------------------------


def _next_valid(shop: Shop, after: date) -> date:
    return next(d for d in rules.valid_delivery_dates(rules.rules_for(shop.supplier.id),
                                                      utcnow(), 30) if d > after)


def test_the_buyer_asks_and_the_supplier_accepts(shop: Shop, sent) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    new_date = _next_valid(shop, order.requested_delivery_date)
    other = shop.factory.location(shop.buyer, "Berkeley kitchen", "37.87", "-122.27")
    change = changes.request_change(order, shop.buyer_user, delivery_date=new_date,
                                    delivery_location_id=other.id, reason="Moving kitchens")
    assert change.status is ChangeStatus.PENDING and change.requested_side is Side.BUYER
    with pytest.raises(DomainError) as refused:
        changes.accept_change(change.id, shop.buyer_user)
    assert refused.value.status == 403
    with pytest.raises(DomainError) as refused:
        changes.request_change(order, shop.supplier_user, delivery_date=new_date, reason="x")
    assert refused.value.code == "change_pending" and refused.value.status == 409

    changes.accept_change(change.id, shop.supplier_user, "Fine by us")
    assert change.status is ChangeStatus.ACCEPTED and change.response_note == "Fine by us"
    assert order.requested_delivery_date == new_date and order.delivery_location_id == other.id
    with pytest.raises(DomainError) as refused:
        changes.decline_change(change.id, shop.supplier_user, "changed my mind")
    assert refused.value.code == "change_not_pending"
    kinds = [e.kind for e in order.events]
    assert kinds == [EventKind.CHANGE_REQUESTED, EventKind.CHANGE_ACCEPTED]
    assert [s.name for s in sent.sent] == ["delivery_change_requested",
                                           "delivery_change_accepted"]
    assert sent.sent[0].kwargs["change"] is change and sent.sent[1].kwargs["actor"] is \
        shop.supplier_user


def test_the_supplier_asks_and_the_buyer_declines(shop: Shop, sent) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    promised = order.requested_delivery_date
    change = changes.request_change(order, shop.supplier_user, reason="Van in service",
                                    delivery_date=_next_valid(shop, promised))
    with pytest.raises(DomainError) as refused:
        changes.decline_change(change.id, shop.buyer_user, "")
    assert "note" in refused.value.fields
    changes.decline_change(change.id, shop.buyer_user, "We need it for the weekend")
    assert change.status is ChangeStatus.DECLINED
    assert order.requested_delivery_date == promised
    assert sent.names() == ["delivery_change_requested", "delivery_change_declined"]
    # now another request may be made
    changes.request_change(order, shop.buyer_user, reason="ok, later then",
                           delivery_date=_next_valid(shop, promised))


def test_a_non_delivery_day_is_refused_when_asked_and_when_accepted(shop: Shop) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    sunday = order.requested_delivery_date + timedelta(days=14)
    sunday += timedelta(days=(6 - sunday.weekday()))
    with pytest.raises(DomainError) as refused:
        changes.request_change(order, shop.buyer_user, delivery_date=sunday, reason="Sunday?")
    assert refused.value.status == 422 and "No deliveries on Sundays" in \
        refused.value.fields["delivery_date"][0]
    # asked for a Saturday while the supplier delivered on Saturdays; then it stopped
    saturday = sunday - timedelta(days=1)
    shop.rules(delivery_days="1,2,3,4,5,6")
    change = changes.request_change(order, shop.buyer_user, delivery_date=saturday,
                                    reason="Saturday please")
    shop.rules(delivery_days="1,2,3,4,5")
    with pytest.raises(DomainError) as refused:
        changes.accept_change(change.id, shop.supplier_user)
    assert refused.value.status == 422 and "delivery_date" in refused.value.fields
    assert change.status is ChangeStatus.PENDING
    assert order.requested_delivery_date != saturday


def test_bad_change_requests(shop: Shop, factory) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    foreign = factory.location(factory.buyer(), "Elsewhere")
    cases = [
        ({"reason": "x"}, "delivery_date"),
        ({"reason": "", "delivery_date": _next_valid(shop, order.requested_delivery_date)},
         "reason"),
        ({"reason": "x", "delivery_location_id": foreign.id}, "delivery_location_id"),
        ({"reason": "x", "delivery_date": order.requested_delivery_date}, "delivery_date"),
        ({"reason": "x", "delivery_date": "soon"}, "delivery_date"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as refused:
            changes.request_change(order, shop.buyer_user, **kwargs)
        assert field in refused.value.fields, (kwargs, refused.value.fields)
    assert order.delivery_changes == []


def test_a_pending_change_is_withdrawn_when_the_order_is_cancelled(shop: Shop) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    change = changes.request_change(
        order, shop.buyer_user, reason="later",
        delivery_date=_next_valid(shop, order.requested_delivery_date))
    machine.transition(order, S.CANCELLED, shop.buyer_user, "no longer needed")
    assert change.status is ChangeStatus.WITHDRAWN
    with pytest.raises(DomainError) as refused:
        changes.accept_change(change.id, shop.supplier_user)
    assert refused.value.code == "change_not_pending"


# -- expedite -----------------------------------------------------------------------------------


def test_either_side_expedites_once(shop: Shop, sent) -> None:
    product = shop.product({shop.near: 5})
    a, b = place(shop, (product, 1)), place(shop, (product, 1))
    expedite.expedite(a, shop.buyer_user, "Inspection tomorrow")
    expedite.expedite(b, shop.supplier_user, "VIP customer")
    assert a.expedited_at is not None and a.expedite_reason == "Inspection tomorrow"
    with pytest.raises(DomainError) as refused:
        expedite.expedite(a, shop.supplier_user, "again")
    assert refused.value.code == "already_expedited"
    assert [(s.kwargs["order"], s.kwargs["reason"]) for s in sent.of("order_expedited")] == [
        (a, "Inspection tomorrow"), (b, "VIP customer")]
    with pytest.raises(DomainError) as refused:
        expedite.expedite(place(shop, (product, 1)), shop.buyer_user, " ")
    assert "reason" in refused.value.fields


def test_the_flag_late_command(app, shop: Shop) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    order.requested_delivery_date = _today(shop) - timedelta(days=1)
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["fulfilment", "flag-late"])
    assert result.exit_code == 0, result.output
    assert "1 order(s) flagged late." in result.output
    db.session.expire_all()
    assert order.late_notified_at is not None
