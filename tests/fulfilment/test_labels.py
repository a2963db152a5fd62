"""Carrier shipping over the API (CONTRACT.md §3 "Standing orders and carrier shipping"):
rates side by side for the order's parcels, a label bought for one of them records the
shipment with its tracking and keeps the label PDF; the adapter is the real Shippo one
talking to the local fake Shippo. Bad input is a clear error and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from sqlalchemy import func, select

from tests.conftest import login
from tests.fulfilment.conftest import place
from tests.fulfilment.fake_shippo import LABEL_PDF
from tests.notifications.fakes import Fault
from tests.orders.conftest import Shop
from tests.orders.errors import assert_error
from wholesale.extensions import db
from wholesale.fulfilment.carriers import _KEY
from wholesale.fulfilment.carriers.console import ConsoleCarrier
from wholesale.fulfilment.models import Shipment, ShippingQuote
from wholesale.orders.models import OrderStatus


def _weighed(shop: Shop, stock: int = 20, **extra):
    values = {"case_size": 6, "weight_kg": Decimal("0.5"), "case_length_cm": Decimal("40"),
              "case_width_cm": Decimal("30"), "case_height_cm": Decimal("20")} | extra
    return shop.product({shop.near: stock}, **values)


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model.__table__)).scalar_one()


def test_rates_side_by_side_then_a_label_ships_the_order(shop, supplier_api, api_as, fake,
                                                         app):
    order = place(shop, (_weighed(shop), 8))
    url = f"/api/v1/orders/{order.id}"
    rates = supplier_api.post(f"{url}/shipping-rates", json={})
    assert rates.status_code == 200, rates.get_json()
    items = rates.get_json()["items"]
    assert [(r["carrier"], r["service"], r["days"]) for r in items] == [
        ("USPS", "Priority Mail", 2), ("UPS", "Ground", 5), ("FedEx", "2Day", 2)]
    assert items[0]["amount"] == "18.76" and items[0]["currency"] == "USD"
    (asked,) = fake.calls("/shipments")  # 8 units in cases of 6: two parcels, 3 kg and 1 kg
    assert [(p["weight"], p["length"]) for p in asked.json["parcels"]] == [
        ("3.000", "40.0"), ("1.000", "40.0")]

    response = supplier_api.post(f"{url}/labels", json={"rate_id": items[1]["id"]})
    assert response.status_code == 201, response.get_json()
    shipment = response.get_json()
    (bought,) = fake.purchases()
    assert shipment["carrier"] == "UPS" and shipment["label_service"] == "Ground"
    assert shipment["tracking_number"] == bought["tracking_number"]
    assert shipment["tracking_url"] == bought["tracking_url_provider"]
    assert shipment["label_amount"] == items[1]["amount"]
    assert shipment["order_status"] == "shipped" and shipment["lines"][0]["quantity"] == 8
    assert shipment["label_url"].endswith(f"/fulfilment/shipments/{shipment['id']}/label.pdf")

    client = app.test_client()
    login(client, shop.buyer_user)
    assert shipment["label_url"].startswith(app.config["PUBLIC_BASE_URL"])
    pdf = client.get(urlsplit(shipment["label_url"]).path)
    assert pdf.status_code == 200 and pdf.data == LABEL_PDF
    assert _count(ShippingQuote) == 0  # spent: buying again is an unknown rate
    again = supplier_api.post(f"{url}/labels", json={"rate_id": items[0]["id"]})
    assert_error(again, 409, "invalid_transition")  # the order has shipped anyway


def test_the_catalog_keeps_weight_and_case_size_for_parcels(shop, supplier_api, fake):
    product = shop.product({shop.near: 10}, case_size=4)
    patched = supplier_api.patch(f"/api/v1/products/{product.id}", json={
        "weight_kg": 0.75, "case_length_cm": 35, "case_width_cm": 25, "case_height_cm": 15.5})
    assert patched.status_code == 200, patched.get_json()
    body = patched.get_json()
    assert (Decimal(body["weight_kg"]), Decimal(body["case_height_cm"])) == (
        Decimal("0.75"), Decimal("15.5"))
    bad = supplier_api.patch(f"/api/v1/products/{product.id}", json={"weight_kg": 0})
    assert_error(bad, 422, "validation_error", ("weight_kg",))
    order = place(shop, (product, 5))
    assert supplier_api.post(f"/api/v1/orders/{order.id}/shipping-rates", json={}
                             ).status_code == 200
    parcels = fake.calls("/shipments")[0].json["parcels"]
    assert [(p["weight"], p["height"]) for p in parcels] == [("3.000", "15.5"),
                                                            ("0.750", "15.5")]


def test_the_parcels_given_replace_the_catalogs(shop, supplier_api, fake):
    order = place(shop, (shop.product({shop.near: 5}), 2))  # no weight in the catalog
    url = f"/api/v1/orders/{order.id}/shipping-rates"
    assert_error(supplier_api.post(url, json={}), 422, "validation_error", ("parcels",))
    parcel = {"weight_kg": 2.5, "length_cm": 30, "width_cm": 20, "height_cm": 10}
    response = supplier_api.post(url, json={"parcels": [parcel]})
    assert response.status_code == 200 and len(response.get_json()["items"]) == 3
    sent = fake.calls("/shipments")[0].json["parcels"][0]
    assert (sent["weight"], sent["length"], sent["height"]) == ("2.5", "30", "10")
    bad = supplier_api.post(url, json={"parcels": [parcel | {"weight_kg": -1}]})
    assert_error(bad, 422, "validation_error", ("parcels.0.weight_kg",))


def test_a_label_for_a_cancelled_order_is_refused_and_nothing_is_bought(shop, supplier_api,
                                                                        fake):
    order = place(shop, (_weighed(shop), 2))
    url = f"/api/v1/orders/{order.id}"
    rate = supplier_api.post(f"{url}/shipping-rates", json={}).get_json()["items"][0]
    cancelled = supplier_api.post(f"{url}/status", json={"status": "cancelled", "note": "No"})
    assert cancelled.status_code == 200
    assert_error(supplier_api.post(f"{url}/labels", json={"rate_id": rate["id"]}), 409,
                 "invalid_transition")
    assert_error(supplier_api.post(f"{url}/shipping-rates", json={}), 409, "invalid_transition")
    assert fake.calls("/transactions") == [] and _count(Shipment) == 0


def test_unknown_and_expired_rates_change_nothing(shop, supplier_api, fake):
    order = place(shop, (_weighed(shop), 2))
    url = f"/api/v1/orders/{order.id}"
    rate = supplier_api.post(f"{url}/shipping-rates", json={}).get_json()["items"][0]
    unknown = supplier_api.post(f"{url}/labels", json={"rate_id": "0" * 32})
    assert_error(unknown, 422, "validation_error", ("rate_id",))
    other = place(shop, (_weighed(shop), 1))  # another order's rate is unknown here too
    assert_error(supplier_api.post(f"/api/v1/orders/{other.id}/labels",
                                   json={"rate_id": rate["id"]}), 422, "validation_error")
    quote = db.session.scalars(select(ShippingQuote).where(
        ShippingQuote.rate_id == rate["id"])).one()
    quote.created_at -= timedelta(hours=13)
    assert_error(supplier_api.post(f"{url}/labels", json={"rate_id": rate["id"]}), 409,
                 "rate_expired")
    fresh = supplier_api.post(f"{url}/shipping-rates", json={}).get_json()["items"][0]
    fake.expired.add(fresh["id"])  # Shippo itself says it expired
    assert_error(supplier_api.post(f"{url}/labels", json={"rate_id": fresh["id"]}), 409,
                 "rate_expired")
    assert _count(Shipment) == 0
    db.session.refresh(order)
    assert order.status is OrderStatus.PLACED


def test_the_buyer_may_not_and_another_supplier_does_not_see_it(shop, api_as, factory, fake):
    order = place(shop, (_weighed(shop), 2))
    url = f"/api/v1/orders/{order.id}/shipping-rates"
    assert_error(api_as(shop.buyer_user).post(url, json={}), 403, "forbidden_role")
    stranger = factory.owner(factory.supplier("Elsewhere"))
    assert_error(api_as(stranger).post(url, json={}), 404)
    assert fake.calls("/shipments") == []


def test_carrier_errors_are_clear_and_change_nothing(shop, supplier_api, fake):
    shop.location.address = "1 Nowhere, Nowhere, CA 00000"
    order = place(shop, (_weighed(shop), 2))
    url = f"/api/v1/orders/{order.id}/shipping-rates"
    error = assert_error(supplier_api.post(url, json={}), 422, "invalid_address",
                         ("delivery_location",))
    assert "unknown ZIP code" in error["message"]
    shop.location.address = "2100 Mission St, San Francisco, CA 94110"
    heavy = {"weight_kg": 90, "length_cm": 100, "width_cm": 80, "height_cm": 80}
    assert_error(supplier_api.post(url, json={"parcels": [heavy]}), 422, "no_rates")
    fake.fail_next(Fault(500), Fault(503), Fault(502))
    assert_error(supplier_api.post(url, json={}), 503, "carrier_unavailable")
    assert _count(ShippingQuote) == 0


def test_without_a_key_the_console_backend_ships_too(shop, supplier_api, app):
    app.extensions[_KEY] = ConsoleCarrier()
    try:
        order = place(shop, (_weighed(shop), 3))
        url = f"/api/v1/orders/{order.id}"
        items = supplier_api.post(f"{url}/shipping-rates", json={}).get_json()["items"]
        assert len(items) == 3
        shipment = supplier_api.post(f"{url}/labels", json={"rate_id": items[0]["id"]})
        assert shipment.status_code == 201
        assert shipment.get_json()["tracking_number"].startswith("CONSOLE")
    finally:
        app.extensions.pop(_KEY, None)
