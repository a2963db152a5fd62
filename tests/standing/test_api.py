"""The standing-orders API (CONTRACT.md §3): set up, read, change, pause, skip; the
supplier's rules checked when it is saved; bad input a clear 4xx that changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from tests.api.util import assert_error
from tests.drafts.conftest import Shop
from tests.standing.conftest import body, next_monday
from wholesale.catalog.models import Product
from wholesale.extensions import db
from wholesale.standing.models import StandingOccurrence, StandingOrder
from wholesale.tenancy import as_tenant


def _count(model: type) -> int:
    with as_tenant(None):
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_buyer_sets_one_up_and_sees_the_next_occurrences(shop: Shop) -> None:
    created = shop.buyer.post("/api/v1/standing-orders", json=body(shop))
    assert created.status_code == 201, created.json
    so = created.json
    assert so["weekdays"] == [2, 5] and so["every_weeks"] == 1 and so["paused"] is False
    assert so["supplier_id"] == shop.supplier_id and so["buyer_id"] == shop.buyer_id
    assert shop.supplier.get(f"/api/v1/standing-orders/{so['id']}").json["id"] == so["id"]
    assert shop.stranger.get(f"/api/v1/standing-orders/{so['id']}").status_code == 404
    listed = shop.supplier.get("/api/v1/standing-orders").json["items"]
    assert [item["id"] for item in listed] == [so["id"]]
    items = shop.buyer.get(f"/api/v1/standing-orders/{so['id']}/occurrences?ahead=4").json[
        "items"]
    monday = next_monday()
    assert [o["date"] for o in items] == [(monday + timedelta(days=d)).isoformat()
                                          for d in (1, 4, 8, 11)]
    assert {o["status"] for o in items} == {"upcoming"}
    assert items[0]["delivery_date"] == items[0]["date"] and items[0]["order_id"] is None
    assert items[0]["lines"] == so["lines"] and items[0]["cutoff_at"]


def test_every_other_week_until_an_end(shop: Shop) -> None:
    monday = next_monday()
    so = shop.buyer.post("/api/v1/standing-orders", json=body(
        shop, weekdays=[3], every_weeks=2,
        ends_on=(monday + timedelta(days=30)).isoformat())).json
    items = shop.buyer.get(f"/api/v1/standing-orders/{so['id']}/occurrences").json["items"]
    assert [o["date"] for o in items] == [(monday + timedelta(days=d)).isoformat()
                                          for d in (2, 16, 30)]


def test_a_supplier_sets_one_up_for_a_customer(shop: Shop) -> None:
    data = body(shop, buyer_id=shop.buyer_id)
    del data["supplier_id"]
    created = shop.supplier.post("/api/v1/standing-orders", json=data)
    assert created.status_code == 201, created.json
    assert created.json["buyer_id"] == shop.buyer_id
    missing = shop.supplier.post("/api/v1/standing-orders", json=body(shop))
    assert_error(missing, 422, "validation_error", ("buyer_id",))


def test_bad_schedules_are_refused_and_nothing_is_saved(shop: Shop) -> None:
    monday = next_monday()
    cases = [
        (body(shop, weekdays=[6, 7]), ("weekdays",), "No deliveries on Saturdays, Sundays"),
        (body(shop, ends_on=(monday - timedelta(days=3)).isoformat()), ("ends_on",),
         "is before the start"),
        # Thursdays only, from a Monday to the Wednesday after: no day at all.
        (body(shop, weekdays=[4], ends_on=(monday + timedelta(days=2)).isoformat()),
         ("weekdays",), "lands on no delivery day"),
        (body(shop, starts_on=(date.today() - timedelta(days=3)).isoformat()), ("starts_on",),
         "or later"),
        (body(shop, weekdays=[]), ("weekdays",), ""),
        (body(shop, weekdays=[8]), ("weekdays.0",), ""),
        (body(shop, every_weeks=0), ("every_weeks",), ""),
    ]
    for data, fields, words in cases:
        response = shop.buyer.post("/api/v1/standing-orders", json=data)
        error = assert_error(response, 422, "validation_error", fields)
        assert words in " ".join(m for ms in error["fields"].values() for m in ms), error
    assert _count(StandingOrder) == 0


def test_the_supplier_rules_apply_when_saved(shop: Shop) -> None:
    with as_tenant(None):
        eggs = db.session.get(Product, shop.products["EGG"])
        eggs.min_order_qty = 2
        db.session.commit()
    response = shop.buyer.post("/api/v1/standing-orders", json=body(
        shop, lines=[{"product_id": shop.products["EGG"], "quantity": 1}]))
    error = assert_error(response, 422, "validation_error", ("lines.0.quantity",))
    assert "minimum order" in error["fields"]["lines.0.quantity"][0]
    other = shop.buyer.post("/api/v1/standing-orders", json=body(shop, supplier_id=999999))
    assert_error(other, 404)
    stranger = shop.stranger.post("/api/v1/standing-orders", json=body(shop))
    assert_error(stranger, 404)
    assert _count(StandingOrder) == 0


def test_change_pause_and_resume(shop: Shop) -> None:
    so = shop.buyer.post("/api/v1/standing-orders", json=body(shop)).json
    path = f"/api/v1/standing-orders/{so['id']}"
    changed = shop.supplier.patch(path, json={"weekdays": [1], "lines": [
        {"product_id": shop.products["LEM"], "quantity": 2}]})
    assert changed.status_code == 200, changed.json
    assert changed.json["weekdays"] == [1] and changed.json["lines"] == [
        {"product_id": shop.products["LEM"], "quantity": 2}]
    bad = shop.buyer.patch(path, json={"ends_on": "2000-01-01"})
    assert_error(bad, 422, "validation_error", ("ends_on",))
    assert shop.buyer.get(path).json["ends_on"] is None
    paused = shop.buyer.patch(path, json={"paused": True}).json
    assert paused["paused"] is True
    items = shop.buyer.get(f"{path}/occurrences").json["items"]
    assert {o["status"] for o in items} == {"skipped"}
    assert all("paused" in o["reason"] for o in items)
    assert shop.buyer.patch(path, json={"paused": False}).json["paused"] is False
    assert shop.stranger.patch(path, json={"paused": True}).status_code == 404


def test_skip_one_occurrence(shop: Shop) -> None:
    so = shop.buyer.post("/api/v1/standing-orders", json=body(shop)).json
    path = f"/api/v1/standing-orders/{so['id']}"
    first = shop.buyer.get(f"{path}/occurrences").json["items"][0]["date"]
    skipped = shop.supplier.post(f"{path}/skip", json={"date": first})
    assert skipped.status_code == 200, skipped.json
    assert skipped.json["status"] == "skipped" and skipped.json["date"] == first
    again = shop.buyer.post(f"{path}/skip", json={"date": first})
    assert again.status_code == 200 and again.json["status"] == "skipped"
    items = shop.buyer.get(f"{path}/occurrences").json["items"]
    assert items[0]["date"] == first and items[0]["status"] == "skipped"
    assert items[1]["status"] == "upcoming"
    monday = next_monday().isoformat()  # not a day of the schedule
    error = assert_error(shop.buyer.post(f"{path}/skip", json={"date": monday}), 422,
                         "validation_error", ("date",))
    assert "is not a day of this standing order" in error["fields"]["date"][0]
    assert_error(shop.buyer.post(f"{path}/skip", json={}), 422, "validation_error", ("date",))
    assert shop.stranger.post(f"{path}/skip", json={"date": first}).status_code == 404
    assert _count(StandingOccurrence) == 1
