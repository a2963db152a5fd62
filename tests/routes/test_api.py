"""Delivery runs over the API (CONTRACT.md §3 "Delivery runs"): fleet, planning with
unassigned reasons, replanning with locked stops, dispatch, the driver's stop actions
(delivered once however often it is tapped), a second driver seeing nothing of the first's
run, and bad input answered clearly with nothing changed."""

from __future__ import annotations

import base64
import io
from datetime import time
from decimal import Decimal

from sqlalchemy import func, select

from messaging.chat.attachments import path_of
from messaging.chat.models import Message
from tests.orders.errors import assert_error
from tests.routes.conftest import PNG, Day
from wholesale.extensions import db
from wholesale.fulfilment.models import EventKind, OrderEvent
from wholesale.orders.models import Order, OrderStatus
from wholesale.routes.models import Run, Stop, Vehicle


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model.__table__)).scalar_one()


def _vehicle(api, day: Day, name: str = "Van 1", cases: int = 40, driver=None, **extra) -> dict:
    body = {"name": name, "warehouse_id": day.shop.near.id, "capacity_cases": cases,
            "shift_start": "06:00", "shift_end": "14:00",
            "driver_id": (driver or day.driver).id, **extra}
    response = api.post("/api/v1/vehicles", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _plan(api, day: Day, status: int = 201) -> dict:
    response = api.post("/api/v1/runs", json={"warehouse_id": day.shop.near.id,
                                              "date": day.day.isoformat()})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _stops(run: dict) -> dict[int, tuple[int, dict]]:
    return {s["order_id"]: (r["vehicle_id"], s) for r in run["routes"] for s in r["stops"]}


def test_a_day_is_planned_with_windows_loads_and_reasons(day: Day, api_as) -> None:
    api = api_as(day.shop.supplier_user)
    van = _vehicle(api, day, cases=10, capacity_kg="200")
    assert float(van["capacity_kg"]) == 200 and van["shift_start"] == "06:00"
    weekday = day.day.isoweekday()
    early = day.customer(1, windows=[(weekday, time(7), time(9))])
    late = day.customer(2)
    closed = day.customer(3, windows=[(weekday % 7 + 1, time(7), time(9))])
    nowhere = day.customer(4, lat="0", lng="0")
    huge = day.customer(5)
    orders = {name: day.order(who, qty) for name, who, qty in
              [("early", early, 4), ("late", late, 4), ("closed", closed, 2),
               ("nowhere", nowhere, 2), ("huge", huge, 11)]}
    run = _plan(api, day)
    assert run["status"] == "planned" and run["date"] == day.day.isoformat()
    reasons = {u["order_id"]: u["reason"] for u in run["unassigned"]}
    assert reasons == {orders["closed"].id: "closed", orders["nowhere"].id: "no_coordinates",
                       orders["huge"].id: "capacity"}
    [route] = run["routes"]
    assert route["driver_id"] == day.driver.id and route["distance_m"] > 10_000
    stops = _stops(run)
    assert set(stops) == {orders["early"].id, orders["late"].id}
    _, first = stops[orders["early"].id]
    assert first["window_start"] <= first["eta"] <= first["window_end"]
    assert [s["sequence"] for s in route["stops"]] == [1, 2]
    assert sum(s["cases"] for s in route["stops"]) == 8
    assert sum(float(s["weight_kg"]) for s in route["stops"]) == 100.0


def test_replanning_keeps_locked_stops_and_dispatched_runs(day: Day, api_as) -> None:
    api = api_as(day.shop.supplier_user)
    one = _vehicle(api, day, "Van 1", cases=40)
    two = _vehicle(api, day, "Van 2", cases=40, driver=day.other_driver)
    orders = [day.order(day.customer(n)) for n in range(4)]
    run = _plan(api, day)
    placed = _stops(run)
    # Lock the first order on the van that did not get it.
    vehicle, stop = placed[orders[0].id]
    other = two["id"] if vehicle == one["id"] else one["id"]
    [target] = [r for r in run["routes"] if r["vehicle_id"] == other]  # even when idle
    assert api.post(f"/api/v1/stops/{stop['id']}/move",
                    json={"route_id": target["id"], "position": 1}).status_code == 200
    again = _plan(api, day, status=200)
    assert again["id"] == run["id"]
    vehicle, stop = _stops(again)[orders[0].id]
    assert vehicle == other and stop["locked"] is True
    assert len(_stops(again)) == 4

    dispatched = api.post(f"/api/v1/runs/{run['id']}/dispatch")
    assert dispatched.status_code == 200, dispatched.get_json()
    assert dispatched.get_json()["status"] == "dispatched"
    for order in orders:
        assert db.session.get(Order, order.id).status is OrderStatus.SHIPPED
    # A new order that day goes on a new run; the dispatched one stays as it was.
    late = day.order(day.customer(9))
    newer = _plan(api, day)
    assert newer["id"] != run["id"] and set(_stops(newer)) == {late.id}
    assert_error(api.post(f"/api/v1/runs/{run['id']}/dispatch"), 409, "run_dispatched")


def test_a_split_order_is_on_each_warehouse_s_run_for_its_part(day: Day, api_as) -> None:
    api = api_as(day.shop.supplier_user)
    _vehicle(api, day, "Oakland van")
    _vehicle(api, day, "Sacramento truck", driver=day.other_driver,
             warehouse_id=day.shop.far.id, shift_end="17:00")
    scarce = day.shop.product({day.shop.near: 5, day.shop.far: 5},  # neither fills 8
                              weight_kg=Decimal("2"))
    split = day.order(day.customer(1), 8, product=scarce)  # 5 from Oakland, 3 from Sacramento
    local = day.order(day.customer(2))  # all from Oakland
    near = _plan(api, day)
    far = api.post("/api/v1/runs", json={"warehouse_id": day.shop.far.id,
                                         "date": day.day.isoformat()})
    assert far.status_code == 201, far.get_json()
    far = far.get_json()
    assert set(_stops(near)) == {split.id, local.id} and set(_stops(far)) == {split.id}
    near_stop, far_stop = _stops(near)[split.id][1], _stops(far)[split.id][1]
    assert (near_stop["cases"], far_stop["cases"]) == (5, 3)
    assert (float(near_stop["weight_kg"]), float(far_stop["weight_kg"])) == (10.0, 6.0)

    # Each run ships its own part; the order is delivered when both stops are.
    assert api.post(f"/api/v1/runs/{near['id']}/dispatch").status_code == 200
    assert db.session.get(Order, split.id).status is not OrderStatus.SHIPPED
    assert api.post(f"/api/v1/runs/{far['id']}/dispatch").status_code == 200
    assert db.session.get(Order, split.id).status is OrderStatus.SHIPPED
    proof = {"recipient": "Ana", "signature": PNG}
    assert api_as(day.driver).post(f"/api/v1/stops/{near_stop['id']}/delivered",
                                   json=proof).status_code == 200
    assert db.session.get(Order, split.id).status is OrderStatus.SHIPPED  # half there
    assert api_as(day.other_driver).post(f"/api/v1/stops/{far_stop['id']}/delivered",
                                         json=proof).status_code == 200
    assert db.session.get(Order, split.id).status is OrderStatus.DELIVERED


def _dispatched(day: Day, api_as) -> tuple[dict, Order]:
    api = api_as(day.shop.supplier_user)
    _vehicle(api, day)
    order = day.order(day.customer(1))
    run = _plan(api, day)
    assert api.post(f"/api/v1/runs/{run['id']}/dispatch").status_code == 200
    return run, order


def test_delivered_twice_places_one_transition(day: Day, api_as) -> None:
    run, order = _dispatched(day, api_as)
    driver = api_as(day.driver)
    [route] = driver.get(f"/api/v1/runs/{run['id']}").get_json()["routes"]
    stop_id = route["stops"][0]["id"]
    assert driver.post(f"/api/v1/stops/{stop_id}/arrived").get_json()["status"] == "arrived"
    body = {"recipient": "Ana at the back door", "signature": PNG}
    first = driver.post(f"/api/v1/stops/{stop_id}/delivered", json=body)
    second = driver.post(f"/api/v1/stops/{stop_id}/delivered", json=body)
    assert first.status_code == second.status_code == 200, second.get_json()
    assert second.get_json()["status"] == "delivered"
    assert db.session.get(Order, order.id).status is OrderStatus.DELIVERED
    events = db.session.scalars(select(OrderEvent).where(
        OrderEvent.order_id == order.id, OrderEvent.kind == EventKind.STATUS)).all()
    delivered = [e for e in events if (e.data or {}).get("to") == "delivered"
                 or "Delivered to" in (e.note or "")]
    assert len(delivered) == 1 and delivered[0].data.get("pod_photo")
    assert db.session.get(Run, run["id"]).status.value == "completed"


def test_a_second_driver_sees_nothing_of_the_first_ones_run(day: Day, api_as) -> None:
    run, _ = _dispatched(day, api_as)
    stop_id = run["routes"][0]["stops"][0]["id"]
    other = api_as(day.other_driver)
    assert other.get("/api/v1/runs").get_json() == {"items": []}
    assert_error(other.get(f"/api/v1/runs/{run['id']}"), 404)
    for action, body in (("arrived", None), ("delivered", {"recipient": "X", "signature": PNG}),
                         ("problem", {"kind": "closed", "note": "shut"})):
        assert_error(other.post(f"/api/v1/stops/{stop_id}/{action}", json=body), 404)
    assert db.session.get(Stop, stop_id).status.value == "planned"
    mine = api_as(day.driver).get("/api/v1/runs").get_json()["items"]
    assert [r["id"] for r in mine] == [run["id"]]
    # A driver does nothing else of the supplier's.
    assert_error(other.get("/api/v1/vehicles"), 403, "forbidden_role")
    assert_error(other.post(f"/api/v1/runs/{run['id']}/dispatch"), 403, "forbidden_role")


def test_a_problem_is_recorded_and_bad_proof_refused(day: Day, api_as) -> None:
    run, order = _dispatched(day, api_as)
    stop_id = run["routes"][0]["stops"][0]["id"]
    driver = api_as(day.driver)
    assert_error(driver.post(f"/api/v1/stops/{stop_id}/delivered",
                             json={"recipient": "Ana", "signature": "data:text/plain;base64,aGk="}),
                 422, fields=("signature",))
    assert_error(driver.post(f"/api/v1/stops/{stop_id}/delivered", json={"recipient": "Ana"}),
                 422, fields=("signature",))
    assert_error(driver.post(f"/api/v1/stops/{stop_id}/problem",
                             json={"kind": "lost", "note": "x"}), 422, fields=("kind",))
    assert db.session.get(Stop, stop_id).status.value == "planned"
    response = driver.post(f"/api/v1/stops/{stop_id}/problem",
                           json={"kind": "closed", "note": "Shutters down at 9:10"})
    assert response.get_json()["status"] == "problem"
    assert db.session.get(Order, order.id).status is OrderStatus.SHIPPED


def _jpeg(size: int = 40) -> str:
    """A real JPEG photo as the phone sends it (a data URL)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 120, 40)).save(out, "JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def _thread(order_id: int, event_type: str) -> list[Message]:
    return list(db.session.scalars(select(Message).where(
        Message.order_id == order_id, Message.event_type == event_type)
        .execution_options(all_tenants=True)))


def test_photos_of_problems_and_deliveries_are_proof_in_the_thread(day: Day, api_as) -> None:
    api = api_as(day.shop.supplier_user)
    _vehicle(api, day)
    orders = [day.order(day.customer(n)) for n in range(3)]
    run = _plan(api, day)
    assert api.post(f"/api/v1/runs/{run['id']}/dispatch").status_code == 200
    driver = api_as(day.driver)
    stops = {order_id: stop["id"] for order_id, (_, stop) in _stops(run).items()}
    damaged, signed, pictured = (stops[o.id] for o in orders)

    # Bad photos: refused by their bytes, nothing changes.
    gif = "data:image/gif;base64," + base64.b64encode(b"GIF89a" + b"\0" * 20).decode()
    text = "data:image/jpeg;base64," + base64.b64encode(b"not a photo at all").decode()
    big = "data:image/jpeg;base64," + base64.b64encode(
        b"\xff\xd8\xff\xe0" + b"\0" * (5 * 1024 * 1024)).decode()
    for photo in (gif, text, big, "https://example.com/a.jpg"):
        assert_error(driver.post(f"/api/v1/stops/{damaged}/problem", json={
            "kind": "damaged", "note": "Crushed", "photo": photo}), 422, fields=("photo",))
        assert_error(driver.post(f"/api/v1/stops/{pictured}/delivered", json={
            "recipient": "Ana", "photo": photo}), 422, fields=("photo",))
    assert {db.session.get(Stop, s).status.value for s in stops.values()} == {"planned"}
    assert _thread(orders[0].id, "delivery_problem") == []

    photo = _jpeg()
    reported = driver.post(f"/api/v1/stops/{damaged}/problem",
                           json={"kind": "damaged", "note": "Two cases crushed", "photo": photo})
    assert reported.status_code == 200, reported.get_json()
    again = driver.post(f"/api/v1/stops/{damaged}/problem",
                        json={"kind": "damaged", "note": "Two cases crushed", "photo": photo})
    assert again.status_code == 200  # the queue sent it twice: one event, one photo
    [event] = _thread(orders[0].id, "delivery_problem")
    assert event.body == "Delivery problem (damaged): Two cases crushed"
    [attachment] = event.attachments
    assert attachment.content_type == "image/jpeg" and attachment.filename == "damaged-photo.jpg"
    assert attachment.buyer_id == orders[0].buyer_id and not attachment.internal
    assert path_of(attachment.storage_key).read_bytes() == base64.b64decode(photo.split(",")[1])

    both = driver.post(f"/api/v1/stops/{signed}/delivered",
                       json={"recipient": "Ana", "signature": PNG, "photo": photo})
    assert both.status_code == 200, both.get_json()
    [proof] = _thread(orders[1].id, "delivery_proof")
    assert proof.body == "Proof of delivery: received by Ana (signature and photo attached)."
    assert sorted(a.filename for a in proof.attachments) == ["delivery-photo.jpg",
                                                             "signature.png"]
    only = driver.post(f"/api/v1/stops/{pictured}/delivered",
                       json={"recipient": "Bo", "photo": photo})
    assert only.status_code == 200 and only.get_json()["status"] == "delivered"
    [proof] = _thread(orders[2].id, "delivery_proof")
    assert [a.content_type for a in proof.attachments] == ["image/jpeg"]
    assert db.session.get(Order, orders[2].id).status is OrderStatus.DELIVERED


def test_bad_input_is_a_clear_error_and_changes_nothing(day: Day, api_as, factory) -> None:
    api = api_as(day.shop.supplier_user)
    base = {"name": "Van", "warehouse_id": day.shop.near.id, "capacity_cases": 10,
            "shift_start": "06:00", "shift_end": "14:00"}
    for change, field in (({"capacity_cases": 0}, "capacity_cases"),
                          ({"capacity_cases": None}, "capacity_cases"),
                          ({"shift_end": "05:00"}, "shift_end"),
                          ({"shift_start": "25:00"}, "shift_start"),
                          ({"capacity_kg": "-1"}, "capacity_kg"),
                          ({"driver_id": factory.owner(day.shop.buyer).id}, "driver_id")):
        assert_error(api.post("/api/v1/vehicles", json={**base, **change}), 422, fields=(field,))
    other = factory.supplier()
    foreign = factory.warehouse(other, "Elsewhere")
    assert_error(api.post("/api/v1/vehicles", json={**base, "warehouse_id": foreign.id}), 422,
                 fields=("warehouse_id",))
    assert _count(Vehicle) == 0
    plan = {"warehouse_id": day.shop.near.id, "date": day.day.isoformat()}
    # No vehicle yet, then no orders that day.
    assert_error(api.post("/api/v1/runs", json=plan), 422, fields=("warehouse_id",))
    _vehicle(api, day)
    error = assert_error(api.post("/api/v1/runs", json=plan), 422, fields=("date",))
    assert "No orders are due" in error["message"]
    assert_error(api.post("/api/v1/runs", json={**plan, "date": "2025-02-30"}), 422,
                 fields=("date",))
    assert _count(Run) == 0
    buyer_api = api_as(day.shop.buyer_user)
    assert_error(buyer_api.post("/api/v1/runs", json=plan), 403, "forbidden_role")


def test_the_dispatcher_moves_and_locks_stops(day: Day, api_as) -> None:
    api = api_as(day.shop.supplier_user)
    _vehicle(api, day, "Van 1", cases=5)
    _vehicle(api, day, "Van 2", cases=5, driver=day.other_driver)
    orders = [day.order(day.customer(n)) for n in range(4)]  # 2 cases each: both vans
    run = _plan(api, day)
    one, two = run["routes"]
    moving = one["stops"][-1]
    moved = api.post(f"/api/v1/stops/{moving['id']}/move",
                     json={"route_id": two["id"], "position": 1})
    assert moved.status_code == 200, moved.get_json()
    routes = {r["id"]: r for r in moved.get_json()["routes"]}
    assert [s["id"] for s in routes[two["id"]]["stops"]][0] == moving["id"]
    assert routes[two["id"]]["stops"][0]["locked"] is True
    for route in routes.values():  # renumbered, ETAs in order
        assert [s["sequence"] for s in route["stops"]] == list(range(1, len(route["stops"]) + 1))
        etas = [s["eta"] for s in route["stops"]]
        assert etas == sorted(etas)
    assert len(routes[one["id"]]["stops"]) == len(one["stops"]) - 1

    other = one["stops"][0]["id"]
    locked = api.post(f"/api/v1/stops/{other}/lock", json={"locked": True})
    assert locked.status_code == 200 and locked.get_json()["locked"] is True
    assert api.post(f"/api/v1/stops/{other}/lock",
                    json={"locked": False}).get_json()["locked"] is False

    # Bad input, a driver, a dispatched run: clear errors, nothing changed.
    before = db.session.get(Stop, moving["id"])
    assert_error(api.post(f"/api/v1/stops/{moving['id']}/move",
                          json={"route_id": 999_999, "position": 1}), 422, fields=("route_id",))
    assert_error(api.post(f"/api/v1/stops/{moving['id']}/move",
                          json={"route_id": one["id"], "position": 0}), 422, fields=("position",))
    assert_error(api.post(f"/api/v1/stops/{other}/lock", json={}), 422, fields=("locked",))
    assert_error(api_as(day.driver).post(f"/api/v1/stops/{other}/lock", json={"locked": True}),
                 403, "forbidden_role")
    assert (before.route_id, before.sequence) == (two["id"], 1)
    assert api.post(f"/api/v1/runs/{run['id']}/dispatch").status_code == 200
    assert_error(api.post(f"/api/v1/stops/{other}/lock", json={"locked": True}), 409,
                 "run_dispatched")
    assert_error(api.post(f"/api/v1/stops/{moving['id']}/move",
                          json={"route_id": one["id"], "position": 1}), 409, "run_dispatched")
    assert len(orders) == sum(len(r["stops"]) for r in routes.values())


def test_a_stop_moves_onto_an_idle_van_and_back(day: Day, api_as) -> None:
    api = api_as(day.shop.supplier_user)
    busy = _vehicle(api, day, "Van 1", cases=40)
    idle = _vehicle(api, day, "Van 2", cases=1, driver=day.other_driver)  # fits no order
    orders = [day.order(day.customer(n)) for n in range(3)]
    run = _plan(api, day)
    routes = {r["vehicle_id"]: r for r in run["routes"]}
    assert set(routes) == {busy["id"], idle["id"]}
    assert routes[idle["id"]]["stops"] == [] and routes[idle["id"]]["distance_m"] == 0
    moving = routes[busy["id"]]["stops"][1]
    moved = api.post(f"/api/v1/stops/{moving['id']}/move",
                     json={"route_id": routes[idle["id"]]["id"], "position": 5})
    assert moved.status_code == 200, moved.get_json()
    after = {r["vehicle_id"]: r for r in moved.get_json()["routes"]}
    [there] = after[idle["id"]]["stops"]
    assert there["id"] == moving["id"] and there["sequence"] == 1 and there["locked"] is True
    assert there["eta"] is not None and after[idle["id"]]["distance_m"] > 0
    assert [s["sequence"] for s in after[busy["id"]]["stops"]] == [1, 2]
    # Moved back, the van is idle again but keeps its (empty) route to receive stops.
    back = api.post(f"/api/v1/stops/{moving['id']}/move",
                    json={"route_id": routes[busy["id"]]["id"], "position": 1}).get_json()
    emptied = {r["vehicle_id"]: r for r in back["routes"]}[idle["id"]]
    assert emptied["stops"] == [] and emptied["distance_m"] == 0
    assert len(_stops(back)) == len(orders)
    # A replan keeps the locked stop where it was put; dispatch leaves the idle van be.
    again = _plan(api, day, status=200)
    assert _stops(again)[moving["order_id"]][0] == busy["id"]
    assert api.post(f"/api/v1/runs/{run['id']}/dispatch").status_code == 200


def test_a_location_s_receiving_windows_are_set_by_its_buyer_or_supplier(day, api_as) -> None:
    buyer, buyer_user, location = day.customer(1)
    stranger = day.shop.factory.buyer("Stranger")
    url = f"/api/v1/locations/{location.id}/receiving"
    as_buyer, as_supplier = api_as(buyer_user), api_as(day.shop.supplier_user)
    as_stranger = api_as(day.shop.factory.owner(stranger))
    saved = as_buyer.put(url, json={"windows": [
        {"weekday": 2, "opens": "06:00", "closes": "10:00"},
        {"weekday": 1, "opens": "07:30", "closes": "11:00"}],
        "service_minutes": 15, "receiving_notes": "Back door on 18th St"})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json() == {"location_id": location.id, "service_minutes": 15,
                                "receiving_notes": "Back door on 18th St", "windows": [
                                    {"weekday": 1, "opens": "07:30", "closes": "11:00"},
                                    {"weekday": 2, "opens": "06:00", "closes": "10:00"}]}
    assert as_supplier.get(url).get_json() == saved.get_json()
    assert as_supplier.put(url, json={"windows": []}).get_json()["windows"] == []
    assert as_stranger.get(url).status_code == 404
    assert as_stranger.put(url, json={"windows": []}).status_code == 404
    before = as_buyer.get(url).get_json()
    for bad in ([{"weekday": 1, "opens": "10:00", "closes": "09:00"}],
                [{"weekday": 1, "opens": "06:00", "closes": "10:00"},
                 {"weekday": 1, "opens": "09:00", "closes": "12:00"}],
                [{"weekday": 8, "opens": "06:00", "closes": "10:00"}],
                [{"weekday": 1, "opens": "6am", "closes": "10:00"}]):
        assert as_buyer.put(url, json={"windows": bad}).status_code == 422, bad
    assert as_buyer.get(url).get_json() == before
