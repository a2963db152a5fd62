"""`order_placed` is announced by one pending event row in the placement's transaction; the
dispatcher works out recipients, preferences and rendering after the commit — the same
messages as an immediate event, with the order as it was placed."""

from __future__ import annotations

from sqlalchemy import func, select

from messaging.notifications import deferred, payloads
from messaging.notifications.fanout import notify_order
from messaging.notifications.models import Notification, PendingEvent
from tests.notifications.util import addressed, notifications
from tests.orders.conftest import build_shop
from wholesale.extensions import db
from wholesale.fulfilment import machine
from wholesale.orders.models import OrderStatus
from wholesale.orders.placement import place_order


def _pending() -> int:
    return db.session.scalar(select(func.count()).select_from(PendingEvent.__table__))


def test_a_placement_queues_one_event_the_dispatcher_expands_once(factory) -> None:
    shop = build_shop(factory)
    staff = factory.user(shop.supplier)
    colleague = factory.user(shop.buyer)
    product = shop.product({shop.near: 5}, allow_backorder=True)
    kwargs = shop.place_kwargs((product, 8), contacts=[
        {"name": "Rita Receiving", "email": "rita@bistro.test", "phone": "415-555-0300"}])
    order = place_order(**kwargs).order
    [backorder] = order.backorders
    placed = payloads.order_summary(order)
    assert notifications(event="order_placed") == [] and _pending() == 1

    # The order moves on before the dispatcher runs: the message is about the order placed.
    machine.transition(order, OrderStatus.RECEIVED, shop.supplier_user, "")
    assert deferred.expand() == 1
    assert _pending() == 0
    rows = notifications(order_id=order.id, event="order_placed")
    assert addressed(rows) == {  # everyone on the order but the buyer who placed it
        ("email", shop.supplier_user.email), ("email", staff.email),
        ("email", colleague.email), ("email", "rita@bistro.test")}
    assert all(n.payload["order"] == placed for n in rows)
    assert all(n.payload["order"]["status"] == "placed" for n in rows)
    mail = next(n for n in rows if n.address == staff.email)
    assert order.display_number in mail.subject and mail.reply_to.startswith("order+")
    back = notifications(order_id=backorder.id, event="order_placed")
    assert back and all(n.payload["detail"]["backorder_of"] == order.display_number
                        for n in back)

    # The same messages as the event written at once (same recipients, channels, text).
    db.session.execute(Notification.__table__.delete().where(
        Notification.__table__.c.order_id == order.id))
    immediate = notify_order(order, "order_placed", f"order_placed:{order.id}",
                             {"backorder_of": None}, actor=shop.buyer_user, summary=placed)
    again = notifications(order_id=order.id, event="order_placed")
    assert len(immediate) == len(rows)
    assert sorted((n.address, n.subject, n.body_text) for n in again) == sorted(
        (n.address, n.subject, n.body_text) for n in rows)


def test_expanding_twice_queues_nothing_new(factory) -> None:
    shop = build_shop(factory)
    product = shop.product({shop.near: 5})
    order = place_order(**shop.place_kwargs((product, 1))).order
    payload = db.session.scalar(select(PendingEvent.payload))
    deferred.expand()
    first = len(notifications(order_id=order.id))
    assert first > 0
    # A worker that died after expanding but before its commit: the row comes back.
    db.session.execute(PendingEvent.__table__.insert().values(
        event="order_placed", order_id=order.id, actor_id=shop.buyer_user.id,
        payload=payload, attempts=0))
    deferred.expand()
    assert len(notifications(order_id=order.id)) == first and _pending() == 0


def test_one_failing_event_keeps_the_rest_of_its_batch(factory, monkeypatch) -> None:
    """A batch is expanded at once; when one event fails, the batch is done again one by
    one: the others are queued, the failing one stays for a retry with its try counted."""
    shop = build_shop(factory)
    product = shop.product({shop.near: 50})
    orders = [place_order(**shop.place_kwargs((product, 1))).order for _ in range(3)]
    broken = orders[1].id
    real = deferred.notify_order

    def failing(order, *args, **kwargs):
        if order.id == broken:
            raise RuntimeError("template missing")
        return real(order, *args, **kwargs)

    monkeypatch.setattr(deferred, "notify_order", failing)
    assert deferred.expand() == 3
    assert [bool(notifications(order_id=o.id, event="order_placed")) for o in orders] == [
        True, False, True]
    left = db.session.execute(select(PendingEvent.order_id, PendingEvent.attempts)).all()
    assert left == [(broken, 1)]
    monkeypatch.setattr(deferred, "notify_order", real)
    assert deferred.expand() == 1 and _pending() == 0
    assert notifications(order_id=broken, event="order_placed")
