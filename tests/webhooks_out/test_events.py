"""Every event type of the contract, from a real order's life through the API: the buyer
places it, the supplier delays it, the buyer asks for another date, the supplier accepts,
ships, invoices, records a payment, and both write in the order's chat."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from messaging.webhooks_out.catalog import EVENT_TYPES
from messaging.webhooks_out.models import WebhookDelivery
from tests.orders.conftest import build_shop
from wholesale.extensions import db


def ok(response: Any) -> Any:
    assert 200 <= response.status_code < 300, response.get_data(as_text=True)[:400]
    return response.json


def test_an_orders_life_sends_every_event_type_to_both_sides(factory, api_as):
    shop = build_shop(factory)
    product = shop.product({shop.near: 50}, price="12.50")
    supplier, buyer = api_as(shop.supplier_user), api_as(shop.buyer_user)
    supplier_hook = ok(supplier.post("/api/v1/webhook-endpoints", json={
        "url": "https://erp.example.test/in", "events": ["*"]}))
    buyer_hook = ok(buyer.post("/api/v1/webhook-endpoints", json={
        "url": "https://purchasing.example.test/in",
        "events": ["order.*", "delivery_change.*", "shipment.created", "invoice.issued",
                   "payment.received", "message.created"]}))

    order = ok(buyer.post("/api/v1/orders", json=shop.body((product, 3)),
                          headers={"Idempotency-Key": "wh-1"}))
    url = f"/api/v1/orders/{order['id']}"
    ok(supplier.post(f"{url}/delays", json={
        "reason": "Truck", "new_eta": (date.today() + timedelta(days=20)).isoformat()}))
    change = None
    for days in range(3, 25):
        response = buyer.post(f"{url}/delivery-changes", json={
            "delivery_date": (date.today() + timedelta(days=days)).isoformat(),
            "reason": "Closed"})
        if response.status_code == 201:
            change = response.json
            break
    assert change is not None
    ok(supplier.post(f"/api/v1/delivery-changes/{change['id']}/accept"))
    for status in ("received", "picking", "packed"):
        ok(supplier.post(f"{url}/status", json={"status": status}))
    ok(supplier.post(f"{url}/shipments", json={"carrier": "UPS", "tracking_number": "1Z"}))
    invoice = ok(supplier.post(f"{url}/invoices", json={}))
    ok(supplier.post(f"/api/v1/invoices/{invoice['id']}/payments", json={
        "amount": "5.00", "paid_on": date.today().isoformat(), "method": "bank_transfer"}))
    ok(buyer.post(f"{url}/messages", json={"body": "Thanks!", "client_id": "m1"}))

    def events(endpoint_id: int) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint_id).order_by(WebhookDelivery.id)
            .execution_options(all_tenants=True))
        return [json.loads(row.body) for row in rows]

    seen = events(supplier_hook["id"])
    assert {e["type"] for e in seen} == set(EVENT_TYPES) - {"delivery_change.declined"}
    placed = next(e for e in seen if e["type"] == "order.placed")["data"]["order"]
    assert placed["lines"][0]["quantity"] == 3 and placed["lines"][0]["unit_price"] == "12.50"
    shipped = next(e for e in seen if e["type"] == "shipment.created")["data"]["shipment"]
    assert shipped["carrier"] == "UPS" and shipped["lines"][0]["quantity"] == 3
    paid = next(e for e in seen if e["type"] == "payment.received")["data"]["payment"]
    assert paid["amount"] == "5.00" and paid["allocations"][0]["invoice_id"] == invoice["id"]
    assert [e["type"] for e in events(buyer_hook["id"])] == [e["type"] for e in seen]
    # Each organization sees the event under its own id.
    assert not {e["id"] for e in seen} & {e["id"] for e in events(buyer_hook["id"])}
