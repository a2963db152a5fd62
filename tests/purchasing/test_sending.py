"""Sending a purchase order: an email to the vendor with the PO's PDF attached (through the
outbox, sent by the SendGrid adapter as its spec describes) and an SMS heads-up when the
vendor has a phone."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import select

from messaging.notifications.models import Channel, NotificationAttachment, Status
from tests.notifications.conftest import make_dispatcher, sendgrid  # noqa: F401  (fixtures)
from tests.notifications.fakes import notification_id_of
from tests.notifications.util import notifications
from tests.orders.conftest import Shop
from tests.purchasing.conftest import item
from wholesale.extensions import db

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
