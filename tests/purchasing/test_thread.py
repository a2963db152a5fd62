"""A purchase order's own thread: the vendor's email reply (to the address of the email the
fake SendGrid was given) and SMS reply land in it, an unknown sender's is held; staff write
to the vendor and request an update; a new date from the vendor moves the open lines and
warns about the customer orders waiting for it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from messaging.notifications.models import Channel, InboundMessage
from tests.fulfilment.conftest import backordered
from tests.notifications.conftest import (  # noqa: F401  (fixtures)
    make_dispatcher,
    sendgrid,
    twilio,
    twilio_webhooks,
)
from tests.notifications.fakes import notification_id_of
from tests.notifications.test_webhooks import inbound, sms
from tests.notifications.util import notifications
from tests.orders.conftest import Shop
from tests.purchasing.conftest import item
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.orders import rules
from wholesale.purchasing.models import PurchaseOrderLine

API = "/api/v1"
VENDOR_PHONE = "+14155550161"
REPLY = """We can deliver on Friday instead of Thursday.

Rosa

On Mon, Mar 3, 2025 at 9:00 AM Golden Gate Provisions <orders@ordertalk.test> wrote:
> Golden Gate Provisions orders from Salinas Growers: purchase order PO-00001.
"""


def _sent_po(shop: Shop, api: Any, make_vendor: Any, **vendor: Any) -> dict[str, Any]:
    romaine = shop.product(name="Romaine hearts", allow_backorder=True)
    made = make_vendor("Salinas Growers", [item(romaine, 12, "1.10", vendor_code="SG-R12")],
                       contact_name="Rosa Diaz", **vendor)
    po = api.post(f"{API}/purchase-orders", json={
        "vendor_id": made["id"], "warehouse_id": shop.near.id,
        "lines": [{"product_id": romaine.id, "quantity": 24}]}).json
    response = api.post(f"{API}/purchase-orders/{po['id']}/send")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _thread(api: Any, po_id: int) -> list[dict[str, Any]]:
    response = api.get(f"{API}/purchase-orders/{po_id}/messages")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["items"]


def test_a_vendors_email_reply_lands_in_the_po_thread(
        app, client, shop: Shop, supplier_api, make_vendor, sendgrid,  # noqa: F811
        make_dispatcher) -> None:  # noqa: F811
    po = _sent_po(shop, supplier_api, make_vendor)
    make_dispatcher(sendgrid=sendgrid).drain(timeout=20)
    [email] = notifications(event="purchase_order", channel=Channel.EMAIL)
    [request] = [r for r in sendgrid.accepted() if notification_id_of(r) == email.id]
    reply_to = request.json["reply_to"]["email"]
    assert reply_to.startswith(f"po+{po['id']}.") and reply_to.endswith(
        "@" + app.config["INBOUND_EMAIL_DOMAIN"])

    # Someone else writing to the PO's address is held, never posted.
    stranger = inbound(client, app, reply_to, "Send me the invoice", sender="x@elsewhere.test",
                       message_id="<stranger@mail.test>")
    assert stranger.json["outcome"] == "held"
    for _ in range(2):  # a redelivery is handled once
        response = inbound(client, app, f"Ordertalk <{reply_to}>", REPLY,
                           sender="Rosa <Salinas@Vendor.test>", message_id="<rosa@mail.test>",
                           files=[("note.txt", b"hi")])
        assert response.status_code == 200
    [message] = _thread(supplier_api, po["id"])
    assert message["kind"] == "inbound" and message["channel"] == "email"
    assert message["body"] == ("We can deliver on Friday instead of Thursday.\n\nRosa\n"
                               "[attachments not kept: note.txt]")
    assert message["author"] == "Rosa Diaz (salinas@vendor.test)"
    held = db.session.scalars(select(InboundMessage).where(
        InboundMessage.outcome == "held")).one()
    assert held.address == "x@elsewhere.test" and held.body == "Send me the invoice"
    # A forged token lands nowhere.
    forged = reply_to.replace(f"po+{po['id']}.", f"po+{po['id'] + 1}.")
    assert inbound(client, app, forged, "hello", sender="salinas@vendor.test",
                   message_id="<forged@mail.test>").json["outcome"] == "unmatched"


@pytest.mark.usefixtures("twilio_webhooks")
def test_a_vendors_sms_reply_lands_in_the_po_thread(
        client, shop: Shop, supplier_api, make_vendor, twilio, make_dispatcher  # noqa: F811
        ) -> None:
    po = _sent_po(shop, supplier_api, make_vendor, phone="(415) 555-0161")
    assert _thread(supplier_api, po["id"]) == []
    make_dispatcher(twilio=twilio).drain(timeout=20)  # the heads-up, through the fake Twilio
    assert [r.form["To"] for r in twilio.accepted()] == [[VENDOR_PHONE]]
    response = sms(client, VENDOR_PHONE, "Confirmed, Friday 8am", sid="SM" + "e" * 32)
    assert response.status_code == 200
    assert "<Message>" not in response.get_data(as_text=True)
    [message] = _thread(supplier_api, po["id"])
    assert (message["kind"], message["channel"], message["body"]) == (
        "inbound", "sms", "Confirmed, Friday 8am")
    # A number we never texted about a PO is not the vendor.
    sms(client, "+14155550199", "Confirmed too", sid="SM" + "f" * 32)
    assert len(_thread(supplier_api, po["id"])) == 1


def test_staff_write_to_the_vendor_and_request_an_update(
        app, shop: Shop, supplier_api, make_vendor) -> None:
    po = _sent_po(shop, supplier_api, make_vendor, phone=VENDOR_PHONE)
    url = f"{API}/purchase-orders/{po['id']}"
    written = supplier_api.post(f"{url}/messages", json={"body": "Can you add 2 cases?"})
    assert written.status_code == 201, written.get_data(as_text=True)
    assert written.json["kind"] == "outbound" and written.json["channel"] == "email"
    texted = supplier_api.post(f"{url}/messages", json={"body": "Gate code 4411",
                                                        "channel": "sms"})
    assert texted.status_code == 201
    nudge = supplier_api.post(f"{url}/request-update")
    assert nudge.status_code == 201 and nudge.json["event_type"] == "update_requested"
    assert nudge.json["body"].startswith("Hello Rosa Diaz, could you give us an update on "
                                         "purchase order PO-00001 (expected ")

    rows = notifications(event="purchase_order_message")
    assert [(n.channel, n.address) for n in rows] == [
        (Channel.EMAIL, "salinas@vendor.test"), (Channel.SMS, VENDOR_PHONE),
        (Channel.EMAIL, "salinas@vendor.test")]
    first, text, update = rows
    with app.test_request_context():
        from messaging.notifications.links import purchase_order_reply_address
        assert first.reply_to == update.reply_to == purchase_order_reply_address(
            po["id"], po["vendor_id"])
    assert "Can you add 2 cases?" in first.body_text and first.supplier_only
    assert text.body_text == f"{shop.supplier.name}, PO PO-00001: Gate code 4411"
    assert update.subject == "Update on purchase order PO-00001?"
    assert [m["kind"] for m in _thread(supplier_api, po["id"])] == ["outbound"] * 3


def test_bad_messages_change_nothing(shop: Shop, supplier_api, make_vendor) -> None:
    po = _sent_po(shop, supplier_api, make_vendor)
    url = f"{API}/purchase-orders/{po['id']}"
    assert supplier_api.post(f"{url}/messages", json={"body": ""}).status_code == 422
    no_phone = supplier_api.post(f"{url}/messages", json={"body": "hi", "channel": "sms"})
    assert no_phone.status_code == 422 and "channel" in no_phone.json["error"]["fields"]
    assert supplier_api.post(f"{url}/messages", json={"body": "hi", "channel": "fax"}
                             ).status_code == 422
    draft = supplier_api.post(f"{API}/purchase-orders", json={
        "vendor_id": po["vendor_id"], "warehouse_id": shop.near.id,
        "lines": [{"product_id": po["lines"][0]["product_id"], "quantity": 1}]}).json
    unsent = supplier_api.post(f"{API}/purchase-orders/{draft['id']}/request-update")
    assert unsent.status_code == 409 and unsent.json["error"]["code"] == "invalid_status"
    assert _thread(supplier_api, po["id"]) == [] and _thread(supplier_api, draft["id"]) == []
    assert notifications(event="purchase_order_message") == []


def test_a_new_date_moves_the_po_and_warns_about_the_orders_waiting_for_it(
        shop: Shop, supplier_api, make_vendor, factory) -> None:
    colleague = factory.user(shop.supplier, email="buyer-desk@gg.test")
    po = _sent_po(shop, supplier_api, make_vendor)
    romaine = db.session.get(PurchaseOrderLine, po["lines"][0]["id"]).product
    days = rules.valid_delivery_dates(rules.rules_for(shop.supplier.id), utcnow())
    soon, far = days[1], days[-1]
    assert (far - soon).days > 7
    due_soon = backordered(shop, (romaine, 5), requested_delivery_date=soon)
    later = backordered(shop, (romaine, 3), requested_delivery_date=far)
    db.session.commit()
    new_date = soon + timedelta(days=5)
    url = f"{API}/purchase-orders/{po['id']}"
    response = supplier_api.post(f"{url}/expected-date", json={
        "expected_on": new_date.isoformat(), "note": "Rain delayed the harvest"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [ln["expected_on"] for ln in response.json["lines"]] == [new_date.isoformat()]

    [event] = _thread(supplier_api, po["id"])
    assert event["kind"] == "event" and event["event_type"] == "rescheduled"
    body = event["body"]
    assert "Rain delayed the harvest" in body
    assert "1 of 2 waiting customer orders are due before then." in body
    assert f"{due_soon.display_number} {shop.buyer.name} (backorder): 5 × {romaine.sku}" in body
    assert body.index(due_soon.display_number) < body.index(later.display_number)
    assert "LATE" in body.split(due_soon.display_number)[1].splitlines()[0]
    assert "LATE" not in body.split(later.display_number)[1]

    # The other staff hear of it by email; who posted it does not.
    warned = notifications(event="purchase_order_rescheduled")
    assert [n.address for n in warned] == [colleague.email.lower()]
    assert due_soon.display_number in warned[0].body_text
    assert "LATE" in warned[0].body_text and "1 customer order due before" in warned[0].subject

    past = supplier_api.post(f"{url}/expected-date", json={
        "expected_on": (date.today() - timedelta(days=1)).isoformat()})
    assert past.status_code == 422
    assert supplier_api.post(f"{url}/cancel").status_code == 200
    closed = supplier_api.post(f"{url}/expected-date", json={"expected_on": soon.isoformat()})
    assert closed.status_code == 409
    assert len(_thread(supplier_api, po["id"])) == 1


def test_every_message_added_to_a_po_thread_is_announced_to_the_supplier_live(
        app, client, shop: Shop, supplier_api, make_vendor, monkeypatch) -> None:
    """Staff's messages, the vendor's replies and events each send `purchase_order` to the
    buying supplier's connections once committed (the PO page swaps its thread in)."""
    from messaging.chat.rooms import org_room
    from wholesale.extensions import socketio
    from wholesale.purchasing import thread
    from wholesale.purchasing.models import PurchaseOrder

    po = _sent_po(shop, supplier_api, make_vendor)
    sent: list[tuple[str, Any, Any]] = []
    monkeypatch.setattr(socketio, "emit", lambda event, data, to=None, **kw: sent.append(
        (event, data, to)))
    live = ("purchase_order", {"purchase_order_id": po["id"]}, [org_room(shop.supplier.id)])

    assert supplier_api.post(f"{API}/purchase-orders/{po['id']}/messages",
                             json={"body": "Any news?"}).status_code == 201
    assert sent.count(live) == 1
    order = db.session.get(PurchaseOrder, po["id"])
    thread.vendor_replied(order, "email", "salinas@vendor.test", "Friday")
    assert sent.count(live) == 1  # not before the commit
    db.session.commit()
    assert sent.count(live) == 2
    thread.post_event(order, "Expected on Friday", "expected_date")
    db.session.rollback()  # rolled back: nothing announced
    assert sent.count(live) == 2
