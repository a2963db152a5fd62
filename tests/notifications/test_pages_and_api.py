"""The delivery log API (both sides of the order, nothing of another tenant), the pages:
preferences, delivery logs, the dev outbox with every template's preview, short links and
unsubscribe links."""

from __future__ import annotations

from datetime import date

from messaging.notifications import links, preferences
from messaging.notifications.models import Status
from tests.conftest import login
from tests.notifications.util import notifications
from wholesale import signals
from wholesale.extensions import db


def _delay(cast):
    signals.order_delayed.send(cast.supplier, order=cast.order, actor=cast.supplier_owner,
                               previous_eta=date(2030, 1, 1), new_eta=date(2030, 1, 4),
                               reason="Frost")
    db.session.commit()


def test_the_order_delivery_log_api(cast, api_as, factory):
    _delay(cast)
    supplier = api_as(cast.supplier_owner).get(f"/api/v1/orders/{cast.order.id}/notifications")
    assert supplier.status_code == 200
    items = supplier.json["items"]
    assert len(items) == len(notifications(order_id=cast.order.id)) and items
    first = items[0]
    assert {"channel", "recipient", "event", "status", "attempts", "history"} <= set(first)
    assert first["status"] == "pending" and first["history"][0]["status"] == "pending"
    buyer = api_as(cast.buyer_staff).get(f"/api/v1/orders/{cast.order.id}/notifications")
    assert buyer.status_code == 200 and len(buyer.json["items"]) == len(items)
    stranger = factory.buyer()
    other = api_as(factory.owner(stranger)).get(
        f"/api/v1/orders/{cast.order.id}/notifications")
    assert other.status_code == 404
    page = api_as(cast.supplier_owner).get(
        f"/api/v1/orders/{cast.order.id}/notifications?limit=2")
    assert len(page.json["items"]) == 2 and page.json["next_cursor"]


def test_preferences_page_saves_the_matrix(client, cast):
    login(client, cast.buyer_staff)
    page = client.get("/settings/notifications")
    assert page.status_code == 200 and b"order_delayed.sms" in page.data
    assert b"Delivery log" not in page.data  # suppliers only
    response = client.post("/settings/notifications", data={
        "scope": "me", "order_delayed.sms": "1", "order_shipped.email": "1"})
    assert response.status_code == 302
    matrix = preferences.user_matrix(cast.buyer_staff)
    assert matrix["order_delayed"] == {"email": False, "sms": True}
    assert matrix["order_shipped"] == {"email": True, "sms": False}
    refused = client.post("/settings/notifications", data={"scope": "organization"})
    assert refused.status_code == 403  # only the owner sets the organization's defaults


def test_supplier_pages_show_the_logs_and_the_dev_outbox(client, cast):
    _delay(cast)
    login(client, cast.supplier_owner)
    assert b"Delivery log" in client.get("/settings/notifications").data
    log = client.get("/notifications")
    assert log.status_code == 200 and b"Frost" not in log.data and b"Delayed" in log.data
    order_log = client.get(f"/orders/{cast.order.id}/notifications")
    assert order_log.status_code == 200 and cast.contact.email.encode() in order_log.data
    outbox = client.get("/dev/outbox")
    assert outbox.status_code == 200
    assert b"Template previews" in outbox.data and b"preview-chat_digest" in outbox.data
    first = notifications(order_id=cast.order.id)[0]
    assert client.get("/dev/outbox/preview/order_delayed.html").status_code == 200
    email = next(n for n in notifications(order_id=cast.order.id) if n.body_html)
    body = client.get(f"/dev/outbox/{email.id}.html")
    assert body.status_code == 200 and "sandbox" in body.headers["Content-Security-Policy"]
    assert first.id


def test_buyers_get_no_supplier_log(client, cast):
    login(client, cast.buyer_owner)
    assert client.get("/notifications").status_code == 404


def test_short_links_and_unsubscribe(client, app, cast):
    with app.test_request_context():
        code = links.short_code(cast.order.id)
        token = links.unsubscribe_token(f"c{cast.contact.id}", "order_delayed", "sms")
    db.session.commit()
    assert client.get(f"/o/{code}").status_code == 302
    assert client.get("/o/nope123").status_code == 404
    assert client.get(f"/notifications/unsubscribe/{token}").status_code == 200
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200
    assert client.get("/notifications/unsubscribe/forged").status_code == 404
    _delay(cast)
    rows = notifications(order_id=cast.order.id)
    assert ("sms", "+14155550300") not in {(n.channel.value, n.address) for n in rows}
    assert all(n.status is Status.PENDING for n in rows)


def test_the_order_page_has_a_notifications_section(client, cast):
    _delay(cast)
    login(client, cast.buyer_owner)
    page = client.get(f"/orders/{cast.order.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="notifications"' in html and cast.contact.email in html
    assert "Delayed" in html
