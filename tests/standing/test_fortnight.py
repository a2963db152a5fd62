"""Two workers run the standing orders' clock over a simulated fortnight, step by step (every
ten minutes, both at once): every reminder goes out once, every occurrence is placed once
(or skipped, or fails with its reason, placing nothing), replies to a reminder change that
occurrence only, and a holiday moves an occurrence to the next delivery day."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from messaging.chat.models import Message, Thread, ThreadKind
from messaging.notifications.models import Notification
from tests.conftest import ApiClient
from tests.factories import Factory
from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.inventory import ledger
from wholesale.inventory.models import MovementKind
from wholesale.invoicing.models import CreditLimit
from wholesale.orders.models import Channel, Order
from wholesale.standing import scheduler, services
from wholesale.standing.models import OccurrenceStatus, StandingOccurrence, StandingOrder
from wholesale.tenancy import as_tenant

ZONE = ZoneInfo("America/Los_Angeles")  # the default rules: Mon–Fri, cut-off 14:00, 1 day
STEP = timedelta(minutes=10)
EVERYTHING = {"all_tenants": True}


def _monday() -> date:
    """A Monday a few weeks ahead: the fortnight is in the future of the real clock, as
    the buyer's replies (read at the real time) expect of an upcoming occurrence."""
    today = date.today()
    return today + timedelta(days=21 - today.weekday())


def _world(factory: Factory, monday: date) -> dict:
    supplier = factory.supplier("Golden Gate")
    warehouse = factory.warehouse(supplier)
    products = {}
    for sku, name, price in (("LET-HRT", "Romaine hearts", "18.00"),
                             ("LEM", "Lemons 115 ct", "42.00"), ("EGG", "Eggs", "51.00")):
        product = Product(supplier_id=supplier.id, sku=sku, name=name, unit="case",
                          case_size=1, price=Decimal(price), currency="USD")
        db.session.add(product)
        db.session.flush()
        level = ledger.get_or_create_level(supplier.id, warehouse.id, product.id)
        ledger.move(level.id, MovementKind.ADJUSTMENT, on_hand=100, reason="start")
        products[sku] = product.id
    # The Tuesday of the second week is a holiday: its occurrence moves to Wednesday.
    services.save_settings(supplier.id, reminder_hours=4,
                           closed_dates=[monday + timedelta(days=8)])
    world: dict = {"supplier": supplier, "products": products}
    for name in ("verde", "held", "eggs"):
        buyer = factory.buyer(f"Bistro {name}")
        owner = factory.owner(buyer)
        owner.phone = "+14155550100"
        relationship = factory.connect(supplier, buyer)
        world[name] = (buyer, owner, factory.location(buyer), relationship)
    start = datetime.combine(monday, time(0, 0), tzinfo=ZONE)

    def standing(name: str, weekdays: list[int], lines: dict[str, int]) -> StandingOrder:
        buyer, owner, location, _ = world[name]
        return services.create(owner, {
            "supplier_id": supplier.id, "delivery_location_id": location.id,
            "lines": [{"product_id": products[sku], "quantity": q} for sku, q in lines.items()],
            "weekdays": weekdays, "starts_on": monday}, now=start)

    world["so"] = {
        "verde": standing("verde", [2, 5], {"LET-HRT": 3, "LEM": 1}).id,
        "held": standing("held", [3], {"LEM": 2}).id,
        "eggs": standing("eggs", [4], {"EGG": 1}).id,
    }
    held = world["held"][3]
    db.session.add(CreditLimit(relationship_id=held.id, supplier_id=supplier.id,
                               buyer_id=world["held"][0].id, amount=Decimal("50.00")))
    world["start"] = start
    world["token"] = factory.token(world["verde"][1])
    db.session.commit()
    return world


def _occurrence(standing_id: int, day: date) -> StandingOccurrence | None:
    return db.session.scalars(select(StandingOccurrence).where(
        StandingOccurrence.standing_order_id == standing_id,
        StandingOccurrence.scheduled_on == day).execution_options(
        **EVERYTHING, populate_existing=True)).first()


def test_two_workers_over_a_fortnight(app: Flask, live_db: Factory) -> None:
    monday = _monday()
    world = _world(live_db, monday)
    verde = world["so"]["verde"]
    buyer = ApiClient(app.test_client(), world["token"])
    thread_id = db.session.scalar(select(Thread.id).where(
        Thread.kind == ThreadKind.ACCOUNT, Thread.buyer_id == world["verde"][0].id)
        .execution_options(**EVERYTHING))
    db.session.commit()

    clock = [world["start"]]
    go, done = threading.Barrier(3), threading.Barrier(3)
    stop = threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        with app.app_context():
            while True:
                go.wait(30)
                if stop.is_set():
                    return
                try:
                    scheduler.run_due(clock[0])
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)
                finally:
                    db.session.remove()
                done.wait(60)

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    replies = {monday + timedelta(days=1): "make it 5 cs romaine hearts",
               monday + timedelta(days=4): "SKIP"}
    answered: dict[date, str] = {}
    archived = False
    end = world["start"] + timedelta(days=14)
    try:
        while clock[0] < end:
            go.wait(30)
            done.wait(60)
            assert not errors, errors
            for day, text in replies.items():  # the buyer answers a reminder once it came
                row = _occurrence(verde, day)
                if day not in answered and row is not None and row.reminded_at is not None:
                    response = buyer.post(
                        f"/api/v1/threads/{thread_id}/messages", json={"body": text})
                    assert response.status_code == 201, response.json
                    answered[day] = text
            eggs_first = _occurrence(world["so"]["eggs"], monday + timedelta(days=3))
            if not archived and eggs_first is not None and eggs_first.order_id:
                with as_tenant(None):  # the supplier stops selling eggs after the first one
                    db.session.get(Product, world["products"]["EGG"]).archived_at = utcnow()
                archived = True
            db.session.commit()
            clock[0] += STEP
    finally:
        stop.set()
        go.abort() if errors else go.wait(30)
        for thread in workers:
            thread.join(30)
    assert not errors, errors
    assert set(answered) == set(replies)
    # A rerun (a restart) at any moment of the fortnight does nothing more.
    for hours in range(0, 14 * 24, 7):
        assert scheduler.run_due(world["start"] + timedelta(hours=hours)) == scheduler.Counts()

    rows = db.session.scalars(select(StandingOccurrence).execution_options(**EVERYTHING)
                              .order_by(StandingOccurrence.standing_order_id,
                                        StandingOccurrence.scheduled_on)).all()
    seen = {(r.standing_order_id, r.scheduled_on): r for r in rows}
    d = lambda n: monday + timedelta(days=n)  # noqa: E731
    so = world["so"]
    assert {key: (r.status.value, r.delivery_on) for key, r in seen.items()} == {
        (verde, d(1)): ("placed", d(1)), (verde, d(4)): ("skipped", d(4)),
        (verde, d(8)): ("placed", d(9)),  # the holiday moved it to Wednesday
        (verde, d(11)): ("placed", d(11)),
        (so["held"], d(2)): ("failed", d(2)), (so["held"], d(9)): ("failed", d(9)),
        (so["eggs"], d(3)): ("placed", d(3)), (so["eggs"], d(10)): ("failed", d(10)),
    }
    assert "credit hold" in seen[(so["held"], d(2))].reason
    assert "no longer sold" in seen[(so["eggs"], d(10))].reason
    assert "reply to the reminder" in seen[(verde, d(4))].reason

    # Placed once each, at the cut-off, by the one placement service; nothing for the others.
    orders = db.session.scalars(select(Order).where(Order.channel == Channel.STANDING)
                                .execution_options(**EVERYTHING)).all()
    placed = {r.order_id for r in rows if r.status is OccurrenceStatus.PLACED}
    assert len(orders) == 4 and {o.id for o in orders} == placed
    by_day = {o.requested_delivery_date: o for o in orders if o.buyer_id == world["verde"][0].id}
    assert {ln.sku: ln.quantity for ln in by_day[d(1)].lines} == {"LET-HRT": 5, "LEM": 1}
    assert {ln.sku: ln.quantity for ln in by_day[d(9)].lines} == {"LET-HRT": 3, "LEM": 1}
    assert all(o.created_at < datetime.now(o.created_at.tzinfo) for o in orders)
    # The standing order itself kept its lines: the amendment was for that day only.
    assert db.session.get(StandingOrder, verde, execution_options=EVERYTHING).lines[0][
        "quantity"] == 3

    # One reminder per occurrence that was not closed, to the buyer, once per channel.
    reminders = db.session.scalars(select(Notification).where(
        Notification.event == "standing_order_reminder")
        .execution_options(**EVERYTHING)).all()
    per_key = Counter((n.event_key, n.channel) for n in reminders)
    assert set(per_key.values()) == {1}
    assert len({n.event_key for n in reminders}) == 8
    assert {n.channel.value for n in reminders} == {"email", "sms"}
    failed = db.session.scalars(select(Notification).where(
        Notification.event == "standing_order_failed")
        .execution_options(**EVERYTHING)).all()
    assert Counter(n.recipient_side for n in failed) == {"buyer": 3, "supplier": 3}
    cards = Counter(m.event_type for m in db.session.scalars(select(Message).where(
        Message.event_type.like("standing_%")).execution_options(**EVERYTHING)))
    assert cards == {"standing_reminder": 8, "standing_placed": 4, "standing_failed": 3}
    texts = [m.body for m in db.session.scalars(select(Message).where(
        Message.thread_id == thread_id).order_by(Message.id).execution_options(**EVERYTHING))]
    assert any(t.startswith("Tomorrow's standing order: 3 case Romaine hearts, 1 case Lemons")
               and "Reply SKIP to skip it, or tell me what to change." in t for t in texts)
    assert any(t.startswith("Changed for ") and "5 case Romaine hearts" in t for t in texts)
    assert any("is skipped: nothing will be placed" in t for t in texts)
