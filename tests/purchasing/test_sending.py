"""Sending a purchase order: an email to the vendor with the PO's PDF attached (through the
outbox, sent by the SendGrid adapter as its spec describes) and an SMS heads-up when the
vendor has a phone."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import select

from messaging.notifications import deferred
from messaging.notifications.models import Channel, NotificationAttachment, Status
from tests.catalog.util import product
from tests.notifications.conftest import make_dispatcher, sendgrid  # noqa: F401  (fixtures)
from tests.notifications.fakes import notification_id_of
from tests.notifications.util import notifications
from tests.orders.conftest import Shop
from tests.purchasing.conftest import item
from wholesale.extensions import db
from wholesale.inventory.ledger import get_or_create_level, move
from wholesale.inventory.models import MovementKind, StockLevel
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant

API = "/api/v1"


def _send(api: Any, vendor: dict[str, Any], warehouse_id: int, product_id: int) -> Any:
    po = api.post(f"{API}/purchase-orders", json={
        "vendor_id": vendor["id"], "warehouse_id": warehouse_id,
        "lines": [{"product_id": product_id, "quantity": 24}]}).json
    return api.post(f"{API}/purchase-orders/{po['id']}/send")


def test_sending_emails_the_pdf_to_the_vendor_and_texts_a_heads_up(
        shop: Shop, supplier_api, make_vendor, sendgrid, make_dispatcher) -> None:  # noqa: F811
    romaine = shop.product(name="Romaine hearts")
    vendor = make_vendor("Salinas Growers", [item(romaine, 12, "1.10", vendor_code="SG-R12")],
                         contact_name="Rosa Diaz", phone="+1 415 555 0101")
    response = _send(supplier_api, vendor, shop.near.id, romaine.id)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["status"] == "sent" and response.json["sent_at"]
    rows = notifications(event="purchase_order")
    assert {(n.channel, n.address) for n in rows} == {
        (Channel.EMAIL, "salinas@vendor.test"), (Channel.SMS, "+14155550101")}
    email = next(n for n in rows if n.channel is Channel.EMAIL)
    sms = next(n for n in rows if n.channel is Channel.SMS)
    assert email.subject == f"Purchase order PO-00001 from {shop.supplier.name}"
    assert "Hello Rosa Diaz" in email.body_text and "SG-R12 Romaine hearts: 24 case" in \
        email.body_text and "Attached: PO-00001.pdf" in email.body_text
    # Replies go to the PO's own thread (tests/purchasing/test_thread.py).
    assert email.reply_to.startswith(f"po+{response.json['id']}.")
    assert email.supplier_only and email.buyer_id is None
    assert "PO-00001" in sms.body_text and sms.segments == 1
    [stored] = db.session.scalars(select(NotificationAttachment).where(
        NotificationAttachment.notification_id == email.id)).all()
    assert stored.content.startswith(b"%PDF") and stored.content_type == "application/pdf"

    make_dispatcher(sendgrid=sendgrid).drain(timeout=20)
    assert sendgrid.spec_errors() == []
    sent = {notification_id_of(r): r for r in sendgrid.accepted()}
    assert sent[email.id].json["attachments"] == [{
        "content": base64.b64encode(stored.content).decode(), "filename": "PO-00001.pdf",
        "type": "application/pdf", "disposition": "attachment"}]
    assert notifications(id=email.id)[0].status is Status.SENT


def test_a_vendor_without_email_cannot_be_sent_a_po(shop: Shop, supplier_api,
                                                    make_vendor) -> None:
    romaine = shop.product()
    vendor = make_vendor("Salinas Growers", [item(romaine)], email=None)
    response = _send(supplier_api, vendor, shop.near.id, romaine.id)
    assert response.status_code == 422 and "vendor.email" in response.json["error"]["fields"]
    assert notifications(event="purchase_order") == []
    po = supplier_api.get(f"{API}/purchase-orders").json["items"][0]
    assert po["status"] == "draft"


def test_a_linked_ordertalk_vendor_receives_a_real_order(shop: Shop, supplier_api, api_as,
                                                         make_vendor, factory) -> None:
    mill = factory.supplier("Valley Mills")
    factory.connect(mill, shop.supplier)  # the mill has the supplier as a customer
    mill_owner = factory.user(mill)
    flour = product(mill, sku="VM-FLOUR-25", name="Bread flour 25 kg")
    fresno = factory.warehouse(mill, "Fresno")
    move(get_or_create_level(mill.id, fresno.id, flour.id).id, MovementKind.RECEIPT,
         on_hand=100, reason="stock")
    ours = shop.product(name="Bread flour")
    stranger = factory.supplier("Not Connected Co")
    db.session.commit()
    refused = supplier_api.post(f"{API}/vendors", json={
        "name": "Strangers", "linked_supplier_id": stranger.id, "items": []})
    assert refused.status_code == 422 and "linked_supplier_id" in refused.json["error"][
        "fields"]
    vendor = make_vendor("Valley Mills", [item(ours, 1, "18.00", vendor_code="vm-flour-25")],
                         email=None, linked_supplier_id=mill.id)
    assert vendor["linked_supplier_id"] == mill.id

    response = _send(supplier_api, vendor, shop.near.id, ours.id)
    assert response.status_code == 200, response.get_data(as_text=True)
    po = response.json
    assert po["status"] == "sent" and po["order_id"]
    # The mill sees it like any customer's order: placed, its stock reserved.
    placed = api_as(mill_owner).get(f"{API}/orders/{po['order_id']}")
    assert placed.status_code == 200, placed.get_data(as_text=True)
    order = placed.json
    assert (order["buyer"]["id"], order["status"], order["po_number"]) == (
        shop.supplier.id, "placed", "PO-00001")
    assert [(ln["product_id"], ln["quantity"]) for ln in order["lines"]] == [(flour.id, 24)]
    with as_tenant(None):
        level = db.session.scalars(select(StockLevel).where(
            StockLevel.product_id == flour.id).execution_options(populate_existing=True)).one()
        assert level.reserved == 24
        location = db.session.get(Order, order["id"]).delivery_location
        assert (location.buyer_id, location.name) == (shop.supplier.id, shop.near.name)
    deferred.expand()  # the dispatcher's step: a placement's notifications fan out there
    assert any(n.user_id == mill_owner.id for n in notifications(event="order_placed"))
    assert notifications(event="purchase_order") == []  # no email address: the order is it


def test_a_linked_vendor_without_the_product_places_nothing(shop: Shop, supplier_api,
                                                            make_vendor, factory) -> None:
    mill = factory.supplier("Valley Mills")
    factory.connect(mill, shop.supplier)
    ours = shop.product(name="Bread flour")
    db.session.commit()
    vendor = make_vendor("Valley Mills", [item(ours, 1, "18.00", vendor_code="NOPE")],
                         email=None, linked_supplier_id=mill.id)
    response = _send(supplier_api, vendor, shop.near.id, ours.id)
    assert response.status_code == 422 and "lines.0.vendor_code" in response.json["error"][
        "fields"]
    assert supplier_api.get(f"{API}/purchase-orders").json["items"][0]["status"] == "draft"
    assert db.session.scalars(select(Order).execution_options(all_tenants=True)).all() == []
