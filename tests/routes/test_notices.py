"""Buyers always know when: on dispatch each buyer gets its arrival window (thread event and
notification by preference, through the outbox), the driver two stops away says so once,
a problem reaches the supplier's staff and the thread, and delivery shows its proof."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from messaging.chat.models import Message
from messaging.notifications.models import Notification
from tests.routes.conftest import PNG, Day
from wholesale.extensions import db


def _events(order_id: int) -> list[str]:
    return list(db.session.scalars(select(Message.body).where(
        Message.order_id == order_id).order_by(Message.id).execution_options(all_tenants=True)))


def _notices(event: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.event == event)
                                   .execution_options(all_tenants=True)))


def test_dispatch_sends_windows_then_near_then_proof(day: Day, api_as) -> None:
    api = api_as(day.shop.supplier_user)
    assert api.post("/api/v1/vehicles", json={
        "name": "Van 1", "warehouse_id": day.shop.near.id, "capacity_cases": 50,
        "shift_start": "06:00", "shift_end": "14:00", "driver_id": day.driver.id,
    }).status_code == 201
    weekday = day.day.isoweekday()
    orders = [day.order(day.customer(n, windows=[(weekday, time(6), time(13))]))
              for n in range(3)]
    run = api.post("/api/v1/runs", json={"warehouse_id": day.shop.near.id,
                                         "date": day.day.isoformat()}).get_json()
    assert api.post(f"/api/v1/runs/{run['id']}/dispatch").status_code == 200
    for order in orders:
        [window] = [b for b in _events(order.id) if "delivery arrives" in b]
        assert window.startswith(f"Your {day.shop.supplier.name} delivery arrives between ")
        assert window.endswith(" today.")
    windows = _notices("delivery_window")
    assert {n.order_id for n in windows} == {o.id for o in orders}
    assert {n.channel.value for n in windows} >= {"email"}

    driver = api_as(day.driver)
    [route] = driver.get(f"/api/v1/runs/{run['id']}").get_json()["routes"]
    first, _, third = route["stops"]
    driver.post(f"/api/v1/stops/{first['id']}/arrived")
    driver.post(f"/api/v1/stops/{first['id']}/arrived")  # again: nothing new
    near = [b for b in _events(third["order_id"]) if "minutes away" in b]
    assert len(near) == 1 and near[0].startswith("Your driver is about ")
    assert {n.order_id for n in _notices("delivery_near")} == {third["order_id"]}

    problem = driver.post(f"/api/v1/stops/{third['id']}/problem",
                          json={"kind": "refused", "note": "Wrong pallet"})
    assert problem.status_code == 200
    assert "Delivery problem (refused): Wrong pallet" in _events(third["order_id"])
    [staff_notice] = [n for n in _notices("delivery_problem") if n.channel.value == "email"][:1]
    assert staff_notice.organization_id == day.shop.supplier.id

    driver.post(f"/api/v1/stops/{first['id']}/delivered",
                json={"recipient": "Ana", "signature": PNG})
    assert any("Delivered to Ana" in b for b in _events(first["order_id"]))

    # The phone's queue may send an action again (its answer was lost): harmless.
    again = driver.post(f"/api/v1/stops/{third['id']}/problem",
                        json={"kind": "refused", "note": "Wrong pallet"})
    assert again.status_code == 200
    assert _events(third["order_id"]).count("Delivery problem (refused): Wrong pallet") == 1
    late = driver.post(f"/api/v1/stops/{first['id']}/arrived")
    assert late.status_code == 200 and late.get_json()["status"] == "delivered"


def test_a_driver_running_late_warns_the_stops_it_will_miss_once(day: Day, api_as) -> None:
    from datetime import timedelta

    from wholesale.db import utcnow
    from wholesale.routes.models import Stop

    api = api_as(day.shop.supplier_user)
    assert api.post("/api/v1/vehicles", json={
        "name": "Van 1", "warehouse_id": day.shop.near.id, "capacity_cases": 50,
        "shift_start": "06:00", "shift_end": "14:00", "driver_id": day.driver.id,
    }).status_code == 201
    weekday = day.day.isoweekday()
    for n in range(3):
        day.order(day.customer(n, windows=[(weekday, time(6), time(13))]))
    run = api.post("/api/v1/runs", json={"warehouse_id": day.shop.near.id,
                                         "date": day.day.isoformat()}).get_json()
    assert api.post(f"/api/v1/runs/{run['id']}/dispatch").status_code == 200
    driver = api_as(day.driver)
    [route] = driver.get(f"/api/v1/runs/{run['id']}").get_json()["routes"]
    first, second, third = (db.session.get(Stop, s["id"]) for s in route["stops"])
    now = utcnow()
    first.eta = now - timedelta(minutes=90)  # the driver reaches it an hour and a half late
    second.eta, second.window_end = now + timedelta(minutes=10), now + timedelta(hours=4)
    third.eta, third.window_end = now + timedelta(minutes=30), now + timedelta(minutes=60)
    db.session.commit()

    driver.post(f"/api/v1/stops/{first.id}/arrived")
    driver.post(f"/api/v1/stops/{first.id}/delivered", json={"recipient": "Ana",
                                                             "signature": PNG})
    late = [b for b in _events(third.order_id) if b.startswith("Running late")]
    assert len(late) == 1 and "after your receiving window closes at" in late[0]
    assert not [b for b in _events(second.order_id) if b.startswith("Running late")]
    assert {n.order_id for n in _notices("delivery_late")} == {third.order_id}
    db.session.refresh(second)
    second.eta = utcnow() - timedelta(minutes=90)  # late again at the next stop: still once
    db.session.commit()
    driver.post(f"/api/v1/stops/{second.id}/arrived")
    assert len([b for b in _events(third.order_id) if b.startswith("Running late")]) == 1
