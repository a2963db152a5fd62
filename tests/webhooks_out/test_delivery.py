"""Deliveries against a local receiver: the event's body and signature, the log, retries
with backoff on 500s and timeouts, disabling after repeated failures with an email to the
owners, redelivery, and the SSRF guard at delivery time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from messaging.chat import services as chat
from messaging.chat.access import open_thread
from messaging.notifications.dispatcher import Dispatcher
from messaging.notifications.models import Notification
from messaging.webhooks_out.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.api.util import assert_error
from wholesale.extensions import db
from wholesale.fulfilment import machine

UNSCOPED = {"all_tenants": True}
SLOW_RETRIES = {"WEBHOOKS_RETRY_BASE_SECONDS": "60", "WEBHOOKS_RETRY_MAX_SECONDS": "600"}


def register(api_as: Any, user: Any, receiver: Any, events: list[str]) -> dict[str, Any]:
    response = api_as(user).post("/api/v1/webhook-endpoints",
                                 json={"url": receiver.url, "events": events})
    assert response.status_code == 201, response.json
    receiver.secret = response.json["secret"]
    return response.json


def move(app: Any, cast: Any, status: str) -> None:
    db.session.expire_all()  # as a request loads it
    with app.test_request_context():
        machine.transition(cast.order, status, cast.supplier_owner)
        db.session.commit()


def deliveries(endpoint_id: int | None = None) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id).execution_options(**UNSCOPED)
    if endpoint_id is not None:
        stmt = stmt.where(WebhookDelivery.endpoint_id == endpoint_id)
    db.session.expire_all()
    return list(db.session.scalars(stmt))


def test_an_event_reaches_the_receiver_signed_and_is_logged(
        app, cast, api_as, receiver, make_sender):
    endpoint = register(api_as, cast.supplier_owner, receiver, ["order.status_changed"])
    move(app, cast, "received")
    make_sender().drain(timeout=10)

    [got] = receiver.received
    assert got.signature_ok, got.headers
    assert got.headers["Content-Type"] == "application/json"
    event = got.json
    assert set(event) == {"id", "type", "created_at", "data"}
    assert event["type"] == "order.status_changed" and event["id"].startswith("evt_")
    assert event["data"]["order"]["id"] == cast.order.id
    assert event["data"]["order"]["status"] == "received"
    assert (event["data"]["from_status"], event["data"]["to_status"]) == ("placed", "received")
    assert event["data"]["order"]["subtotal"] == "120.00"  # money as a decimal string
    assert got.headers["Ordertalk-Event-Id"] == event["id"]

    log = api_as(cast.supplier_owner).get(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries").json["items"]
    assert len(log) == 1
    entry = log[0]
    assert (entry["event"], entry["status"], entry["response_status"], entry["attempts"]) == (
        "order.status_changed", "succeeded", 200, 1)
    assert entry["next_attempt_at"] is None and entry["event_id"] == event["id"]


def test_a_signature_made_with_another_secret_does_not_verify(
        app, cast, api_as, receiver, make_sender):
    register(api_as, cast.supplier_owner, receiver, ["*"])
    receiver.secret = "whsec_not-the-one"
    move(app, cast, "received")
    make_sender().drain(timeout=10)
    assert receiver.received and not receiver.received[0].signature_ok


def test_only_subscribed_events_of_the_own_organization_are_queued(
        app, cast, api_as, receiver, factory):
    supplier_hook = register(api_as, cast.supplier_owner, receiver, ["order.delayed"])
    buyer_hook = register(api_as, cast.buyer_owner, receiver, ["order.*"])
    other = factory.owner(factory.supplier("Elsewhere Foods"))
    outsider_hook = register(api_as, other, receiver, ["*"])
    move(app, cast, "received")
    assert deliveries(supplier_hook["id"]) == []  # not subscribed to status changes
    assert [d.event_type for d in deliveries(buyer_hook["id"])] == ["order.status_changed"]
    assert deliveries(outsider_hook["id"]) == []  # not its order


def test_the_delivery_is_written_in_the_changes_transaction(app, cast, api_as, receiver):
    register(api_as, cast.supplier_owner, receiver, ["*"])
    with app.test_request_context():
        machine.transition(cast.order, "received", cast.supplier_owner)
        assert len(deliveries()) == 1
        db.session.rollback()
    assert deliveries() == []


def test_500s_and_timeouts_are_retried_with_backoff(
        app, cast, api_as, receiver, make_sender, settings):
    settings(WEBHOOKS_RETRY_BASE_SECONDS="0.4", WEBHOOKS_RETRY_MAX_SECONDS="5",
             WEBHOOKS_TIMEOUT="0.5")
    endpoint = register(api_as, cast.supplier_owner, receiver, ["*"])
    receiver.answers = [500, ("sleep", 1.5), 503, 200]
    move(app, cast, "received")
    sender = make_sender()
    sender.drain(timeout=20)

    assert len(receiver.received) == 4
    assert all(r.signature_ok for r in receiver.received)
    assert len({r.json["id"] for r in receiver.received}) == 1  # the same event each time
    gaps = [b.at - a.at for a, b in zip(receiver.received, receiver.received[1:], strict=False)]
    # base·2^(n-1) with jitter (half to all of it): ≥ 0.2 s, ≥ 0.4 s (+ the 0.5 s timeout),
    # ≥ 0.8 s
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4 + 0.5 and gaps[2] >= 0.8, gaps
    [row] = deliveries(endpoint["id"])
    assert (row.status, row.attempts, row.response_status) == (DeliveryStatus.SUCCEEDED, 4, 200)
    db.session.expire_all()
    hook = db.session.get(WebhookEndpoint, endpoint["id"])
    assert hook.consecutive_failures == 0  # the success reset the count


def test_a_timeout_is_logged_with_the_next_attempt(
        app, cast, api_as, receiver, make_sender, settings):
    settings(WEBHOOKS_TIMEOUT="0.3", **SLOW_RETRIES)
    endpoint = register(api_as, cast.supplier_owner, receiver, ["*"])
    receiver.answers = [("sleep", 1.0)]
    move(app, cast, "received")
    make_sender().drain(timeout=1.5)  # the retry is due in 30-60 s: not waited for
    entry = api_as(cast.supplier_owner).get(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries").json["items"][0]
    assert entry["status"] == "pending" and entry["attempts"] == 1
    assert "timed out" in entry["error"] and entry["response_status"] is None
    assert entry["next_attempt_at"] > entry["last_attempt_at"]


def test_repeated_failures_disable_the_endpoint_and_email_its_owners(
        app, cast, api_as, receiver, make_sender, settings):
    settings(WEBHOOKS_DISABLE_AFTER="3", WEBHOOKS_MAX_ATTEMPTS="2", WEBHOOKS_CONCURRENCY="1")
    endpoint = register(api_as, cast.supplier_owner, receiver, ["*"])
    receiver.answers = [500]
    move(app, cast, "received")
    move(app, cast, "picking")
    make_sender().drain(timeout=10)

    assert len(receiver.received) == 3  # the third failure in a row disabled it
    db.session.expire_all()
    hook = db.session.get(WebhookEndpoint, endpoint["id"])
    assert hook.disabled_at is not None and "3 failed attempts" in hook.disabled_reason
    rows = deliveries(endpoint["id"])
    assert [r.status for r in rows] == [DeliveryStatus.FAILED, DeliveryStatus.FAILED]
    # One used its two attempts; the other's second was not made any more.
    assert sorted(r.last_error for r in rows) == [
        "not sent: the endpoint was disabled", "the endpoint answered 500"]
    listed = api_as(cast.supplier_owner).get("/api/v1/webhook-endpoints").json["items"]
    assert listed[0]["status"] == "disabled"

    emails = db.session.scalars(select(Notification).where(
        Notification.event == "webhook_disabled").execution_options(**UNSCOPED)).all()
    assert [n.address for n in emails] == [cast.supplier_owner.email]  # owners, not staff
    assert receiver.url in emails[0].subject and "500" in emails[0].body_text
    Dispatcher(app, run_digests=False).drain(timeout=10)  # the console email backend
    db.session.expire_all()
    assert emails[0].status.value in ("sent", "delivered")

    move(app, cast, "packed")  # a disabled endpoint gets no new deliveries
    assert len(deliveries(endpoint["id"])) == 2

    # Redelivery waits for the endpoint to be enabled; then the same event goes again.
    owner = api_as(cast.supplier_owner)
    redeliver = f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries/{rows[0].id}/redeliver"
    assert_error(owner.post(redeliver), 409, "endpoint_disabled")
    assert owner.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/enable").json[
        "status"] == "enabled"
    receiver.answers = [200]
    again = owner.post(redeliver)
    assert again.status_code == 201 and again.json["redelivery_of_id"] == rows[0].id
    received_before = len(receiver.received)
    make_sender().drain(timeout=10)
    [last] = receiver.received[received_before:]
    assert last.json["id"] == rows[0].event_id and last.signature_ok


def test_a_private_address_is_refused_at_delivery_time(
        app, cast, api_as, receiver, make_sender, settings):
    # Registered while allowed (or the name resolved elsewhere then); not allowed any more.
    localhost_receiver = receiver.url.replace("127.0.0.1", "localhost")
    ip_hook = register(api_as, cast.supplier_owner, receiver, ["*"])
    response = api_as(cast.supplier_owner).post("/api/v1/webhook-endpoints", json={
        "url": localhost_receiver, "events": ["*"]})
    name_hook = response.json
    settings(WEBHOOKS_ALLOW_PRIVATE="0", **SLOW_RETRIES)
    move(app, cast, "received")
    make_sender().drain(timeout=2)
    assert receiver.received == []
    for hook in (ip_hook, name_hook):
        [row] = deliveries(hook["id"])
        assert row.status is DeliveryStatus.PENDING and row.attempts == 1
        assert "not a public address" in row.last_error, row.last_error


def test_redirects_are_not_followed(app, cast, api_as, receiver, make_sender, settings):
    settings(**SLOW_RETRIES)
    endpoint = register(api_as, cast.supplier_owner, receiver, ["*"])
    receiver.answers = [("redirect", receiver.url + "/elsewhere")]
    move(app, cast, "received")
    make_sender().drain(timeout=2)
    assert [r.path for r in receiver.received] == ["/hooks"]
    [row] = deliveries(endpoint["id"])
    assert row.status is DeliveryStatus.PENDING and row.response_status == 302
    assert row.last_error == "the endpoint answered 302"


def test_messages_reach_both_sides_and_notes_only_the_supplier(
        app, cast, api_as, receiver, make_sender):
    supplier_hook = register(api_as, cast.supplier_owner, receiver, ["message.created"])
    buyer_hook = register(api_as, cast.buyer_owner, receiver, ["message.created"])
    receiver.secret = ""  # two secrets: the signature is checked in the tests above
    with app.test_request_context():
        access = open_thread(cast.supplier_owner, cast.order.id)
        chat.post_message(access, "Loading at 6.", client_id="c1")
        chat.post_message(access, "Buyer pays late, watch it.", internal=True)
        db.session.commit()
    assert [(d.event_type) for d in deliveries(supplier_hook["id"])] == ["message.created"] * 2
    [buyers] = deliveries(buyer_hook["id"])
    data = buyers.body
    assert "Loading at 6." in data and "watch it" not in data
    make_sender().drain(timeout=10)
    bodies = sorted(r.json["data"]["message"]["kind"] for r in receiver.received)
    assert bodies == ["note", "text", "text"]
