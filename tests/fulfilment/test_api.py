"""The lifecycle over the API (CONTRACT.md §3): both sides drive an order to delivery, the
order JSON shows status, ETA, late, expedited, shipments and timeline; role rules; another
supplier's order is 404; bad input is a clear error and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fulfilment.conftest import place, total_reserved
from tests.orders.conftest import Shop, build_shop
from tests.orders.errors import assert_error
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment import late
from wholesale.orders import rules


@pytest.fixture
def buyer_api(api_as, shop: Shop):
    return api_as(shop.buyer_user)


def _post(client, path: str, body: dict, status: int = 200) -> dict:
    response = client.post(path, json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_an_order_from_placement_to_delivery_over_the_api(shop: Shop, buyer_api,
                                                           supplier_api) -> None:
    product = shop.product({shop.near: 20})
    order = place(shop, (product, 6))
    url = f"/api/v1/orders/{order.id}"
    for status in ("received", "picking", "packed"):
        body = _post(supplier_api, f"{url}/status", {"status": status, "note": f"{status}!"})
        assert body["status"] == status and body["id"] == order.id
    [line] = body["lines"]
    shipment = _post(supplier_api, f"{url}/shipments",
                     {"carrier": "UPS", "tracking_number": "1Z999",
                      "lines": [{"line_id": line["id"], "quantity": 2}]}, 201)
    assert shipment["id"] > 0 and shipment["order_status"] == "packed"
    assert shipment["tracking_url"] == "https://www.ups.com/track?tracknum=1Z999"
    assert shipment["lines"][0] | {"warehouse": None} == {
        "line_id": line["id"], "sku": product.sku, "name": product.name, "quantity": 2,
        "warehouse": None}
    rest = _post(supplier_api, f"{url}/shipments", {"carrier": "FedEx", "tracking_number": "77"},
                 201)
    assert rest["order_status"] == "shipped" and rest["lines"][0]["quantity"] == 4
    delivered = _post(buyer_api, f"{url}/status", {"status": "delivered", "note": "All good"})
    assert delivered["status"] == "delivered"

    seen = buyer_api.get(url).get_json()
    assert [s["carrier"] for s in seen["shipments"]] == ["UPS", "FedEx"]
    assert seen["lines"][0]["shipped_quantity"] == 6
    assert seen["late"] is False and seen["expedited"] is False
    assert seen["eta"] == seen["requested_delivery_date"]
    steps = [(e["from_status"], e["to_status"]) for e in seen["timeline"] if e["kind"] == "status"]
    assert steps == [("placed", "received"), ("received", "picking"), ("picking", "packed"),
                     ("packed", "shipped"), ("shipped", "delivered")]
    last = seen["timeline"][-1]
    assert last["side"] == "buyer" and last["actor"]["id"] == shop.buyer_user.id
    assert last["note"] == "All good" and last["at"].endswith("+00:00")
    assert [e["kind"] for e in seen["timeline"]].count("shipment") == 2


def test_delay_expedite_and_late_in_the_order_json(shop: Shop, buyer_api, supplier_api) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    today = late.supplier_today(shop.supplier.id, utcnow())
    new_eta = (today + timedelta(days=10)).isoformat()
    delay = _post(supplier_api, f"/api/v1/orders/{order.id}/delays",
                  {"reason": "Harvest late", "new_eta": new_eta}, 201)
    assert delay["new_eta"] == new_eta
    assert delay["previous_eta"] == order.requested_delivery_date.isoformat()
    body = _post(buyer_api, f"/api/v1/orders/{order.id}/expedite", {"reason": "Big event"})
    assert body["expedited"] is True and body["expedite_reason"] == "Big event"
    assert body["eta"] == new_eta and body["late"] is False
    assert [d["reason"] for d in body["eta_history"]] == ["Harvest late"]
    order.eta = today - timedelta(days=1)
    db.session.commit()
    assert buyer_api.get(f"/api/v1/orders/{order.id}").get_json()["late"] is True
    listed = buyer_api.get("/api/v1/orders").get_json()["items"][0]
    assert listed["late"] is True and listed["timeline"][0]["kind"] == "delay"


def test_delivery_changes_over_the_api(shop: Shop, buyer_api, supplier_api) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    valid = rules.valid_delivery_dates(rules.rules_for(shop.supplier.id), utcnow(), 30)
    new_date = next(d for d in valid if d > order.requested_delivery_date).isoformat()
    change = _post(buyer_api, f"/api/v1/orders/{order.id}/delivery-changes",
                   {"delivery_date": new_date, "reason": "Closed that day"}, 201)
    assert change["status"] == "pending" and change["requested_side"] == "buyer"
    assert_error(buyer_api.post(f"/api/v1/orders/{order.id}/delivery-changes",
                                json={"delivery_date": new_date, "reason": "again"}),
                 409, "change_pending")
    assert_error(buyer_api.post(f"/api/v1/delivery-changes/{change['id']}/accept", json={}),
                 403, "forbidden_role")
    accepted = _post(supplier_api, f"/api/v1/delivery-changes/{change['id']}/accept",
                     {"note": "OK"})
    assert accepted["status"] == "accepted" and accepted["responded_by"]["id"] == \
        shop.supplier_user.id
    body = supplier_api.get(f"/api/v1/orders/{order.id}").get_json()
    assert body["requested_delivery_date"] == new_date
    assert [c["status"] for c in body["delivery_changes"]] == ["accepted"]
    assert_error(supplier_api.post(f"/api/v1/delivery-changes/{change['id']}/decline",
                                   json={"note": "no"}), 409, "change_not_pending")


def test_a_buyer_cannot_ship_receive_or_delay(shop: Shop, buyer_api) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    url = f"/api/v1/orders/{order.id}"
    today = late.supplier_today(shop.supplier.id, utcnow())
    for path, body in [
        ("/shipments", {"carrier": "UPS"}),
        ("/delays", {"reason": "x", "new_eta": (today + timedelta(days=5)).isoformat()}),
        ("/status", {"status": "received"}),
        ("/status", {"status": "shipped"}),
    ]:
        error = assert_error(buyer_api.post(url + path, json=body), 403, "forbidden_role")
        assert "supplier" in error["message"]
    assert total_reserved() == 1
    assert buyer_api.get(url).get_json()["timeline"] == []


def test_another_supplier_cannot_touch_the_order(shop: Shop, factory, api_as) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    other = build_shop(factory, "Other Foods")
    for client in (api_as(other.supplier_user), api_as(other.buyer_user)):
        url = f"/api/v1/orders/{order.id}"
        assert_error(client.post(url + "/status", json={"status": "cancelled", "note": "x"}),
                     404, "not_found")
        assert_error(client.post(url + "/expedite", json={"reason": "x"}), 404, "not_found")
        assert_error(client.post(url + "/delivery-changes",
                                 json={"reason": "x", "delivery_location_id": 1}), 404)
    assert_error(api_as(other.supplier_user).post(url + "/shipments", json={"carrier": "UPS"}),
                 404, "not_found")
    assert order.status.value == "placed" and total_reserved() == 1


def test_bad_input_is_a_clear_error(shop: Shop, supplier_api, buyer_api) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 1))
    url = f"/api/v1/orders/{order.id}"
    assert_error(supplier_api.post(url + "/status", json={"status": "lost"}), 422,
                 "validation_error", ("status",))
    assert_error(supplier_api.post(url + "/status", json={"status": "packed"}), 409,
                 "invalid_transition")
    assert_error(buyer_api.post(url + "/status", json={"status": "cancelled"}), 422,
                 "validation_error", ("note",))
    assert_error(supplier_api.post(url + "/shipments", data="{", content_type="application/json"),
                 400, "malformed_json")
    assert_error(supplier_api.post(url + "/shipments",
                                   json={"carrier": "UPS", "lines": [{"line_id": "x"}]}), 422,
                 "validation_error", ("lines.0.line_id", "lines.0.quantity"))
    assert_error(supplier_api.post(url + "/delays", json={"reason": "x", "new_eta": "2020-01-01"}),
                 422, "validation_error", ("new_eta",))
    assert_error(supplier_api.post("/api/v1/delivery-changes/99999999/accept", json={}), 404)
    assert_error(supplier_api.post(f"/api/v1/orders/{2**31}/status", json={"status": "x"}), 404)
    assert_error(supplier_api.post(url + "/expedite", json={"reason": ""}), 422,
                 "validation_error", ("reason",))
    assert order.status.value == "placed" and order.events == []


def test_the_routes_are_in_the_openapi_document(client) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/orders/{order_id}/status", "/api/v1/orders/{order_id}/shipments",
                 "/api/v1/orders/{order_id}/delays", "/api/v1/orders/{order_id}/delivery-changes",
                 "/api/v1/delivery-changes/{change_id}/accept",
                 "/api/v1/delivery-changes/{change_id}/decline",
                 "/api/v1/orders/{order_id}/expedite"):
        assert "post" in paths[path], path
