"""The providers' webhooks, signed exactly as Twilio and SendGrid sign them: replies land in
the order's thread, STOP/START/HELP are honoured, statuses only move forward, bounces
suppress, and a bad or missing signature changes nothing."""

from __future__ import annotations

import io
import json
import time
from datetime import date

import pytest
from sqlalchemy import select

from messaging.chat.models import Message, MessageKind
from messaging.notifications import links
from messaging.notifications.models import (
    Channel,
    InboundMessage,
    Notification,
    Status,
    Suppression,
)
from tests.notifications.util import (
    TWILIO_TOKEN,
    SendGridSigner,
    notifications,
    twilio_signature,
)
from wholesale import signals
from wholesale.extensions import db
from wholesale.tenancy import as_tenant

BASE = "http://127.0.0.1:5000"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def thread(order_id: int) -> list[Message]:
    with as_tenant(None):
        return list(db.session.scalars(select(Message).where(Message.order_id == order_id)
                                       .order_by(Message.seq)))


def post_twilio(client, path: str, params: dict[str, str], *, token: str = TWILIO_TOKEN,
                signature: str | None = "sign"):
    headers = {}
    if signature == "sign":
        headers["X-Twilio-Signature"] = twilio_signature(token, BASE + path, params)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    return client.post(path, data=params, headers=headers)


def sms(client, sender: str, body: str, sid: str = "SM" + "a" * 32, **kwargs):
    params = {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender,
              "To": "+14155550000", "Body": body, "NumMedia": "0"}
    return post_twilio(client, "/webhooks/twilio/sms", params, **kwargs)


# -- inbound SMS -----------------------------------------------------------------------------


@pytest.mark.usefixtures("twilio_webhooks")
def test_an_sms_reply_lands_in_the_senders_order_thread_once(client, cast):
    for _ in range(2):  # Twilio retries a webhook: the same MessageSid is handled once
        response = sms(client, "+14155550100", "Can you come before 9?")
        assert response.status_code == 200
        assert response.mimetype == "application/xml"
        assert "<Message>" not in response.get_data(as_text=True)
    [message] = [m for m in thread(cast.order.id) if m.kind is MessageKind.TEXT]
    assert message.author_id == cast.buyer_owner.id and message.body == "Can you come before 9?"


@pytest.mark.usefixtures("twilio_webhooks")
def test_an_sms_from_an_order_contact_lands_as_their_reply(client, cast):
    assert sms(client, "4155550300", "Dock 2 please").status_code == 200
    [message] = [m for m in thread(cast.order.id) if m.event_type == "contact_reply"]
    assert message.body == "Rita Receiving replied by SMS: Dock 2 please"


@pytest.mark.usefixtures("twilio_webhooks")
def test_the_order_named_in_the_text_wins(client, cast, factory):
    from tests.chat.util import make_order

    newer = make_order(factory, cast.supplier, cast.buyer, placed_by=cast.buyer_owner)
    db.session.commit()
    sms(client, "+14155550100", f"About #{cast.order.number}: 3 more cases", sid="SM" + "b" * 32)
    assert [m.body for m in thread(cast.order.id)] == [
        f"About #{cast.order.number}: 3 more cases"]
    # The order they named is the conversation's context now (two open orders otherwise).
    sms(client, "+14155550100", "and napkins", sid="SM" + "c" * 32)
    assert [m.body for m in thread(cast.order.id)][-1] == "and napkins"
    assert thread(newer.id) == []


@pytest.mark.usefixtures("twilio_webhooks")
def test_unknown_or_ambiguous_senders_are_asked_politely(client, cast):
    unknown = sms(client, "+12125550199", "hello?").get_data(as_text=True)
    assert "<Message>" in unknown and "could not find an open order" in unknown
    staff = sms(client, "+14155550200", "is it packed?", sid="SM" + "d" * 32)
    assert "Which order is this about?" in staff.get_data(as_text=True)
    assert not [m for m in thread(cast.order.id) if m.kind is MessageKind.TEXT]
    outcomes = {r.outcome for r in db.session.scalars(select(InboundMessage))}
    assert outcomes == {"unmatched", "ambiguous"}


@pytest.mark.usefixtures("twilio_webhooks")
def test_stop_start_and_help(client, cast):
    assert "<Message>" not in sms(client, "+14155550300", "STOP").get_data(as_text=True)
    [row] = db.session.scalars(select(Suppression)).all()
    assert (row.channel, row.address, row.reason, row.lifted_at) == (
        "sms", "+14155550300", "stop", None)
    signals.order_delayed.send(cast.supplier, order=cast.order, actor=None,
                               previous_eta=date(2030, 1, 1), new_eta=date(2030, 1, 3),
                               reason="")
    stopped = next(n for n in notifications(order_id=cast.order.id)
                   if n.address == "+14155550300")
    assert stopped.status is Status.SUPPRESSED
    help_text = sms(client, "+14155550300", "help", sid="SM" + "e" * 32).get_data(as_text=True)
    assert "Reply STOP" in help_text
    sms(client, "+14155550300", "Start", sid="SM" + "f" * 32)
    db.session.refresh(row)
    assert row.lifted_at is not None
    assert {r.outcome for r in db.session.scalars(select(InboundMessage))} == {
        "stop", "help", "start"}


@pytest.mark.usefixtures("twilio_webhooks")
def test_bad_or_missing_twilio_signatures_are_refused(client, cast):
    assert sms(client, "+14155550100", "forged", signature=None).status_code == 403
    assert sms(client, "+14155550100", "forged", signature="bm9wZQ==").status_code == 403
    assert sms(client, "+14155550100", "forged", token="another-token").status_code == 403
    assert thread(cast.order.id) == []
    assert db.session.scalars(select(InboundMessage)).all() == []


def test_without_twilio_credentials_every_twilio_webhook_is_refused(client, cast):
    assert sms(client, "+14155550100", "hello").status_code == 403


# -- Twilio status callbacks -----------------------------------------------------------------


def _queued(cast) -> Notification:
    signals.order_delayed.send(cast.supplier, order=cast.order, actor=None,
                               previous_eta=date(2030, 1, 1), new_eta=date(2030, 1, 3),
                               reason="")
    db.session.commit()
    return next(n for n in notifications(order_id=cast.order.id)
                if n.channel is Channel.SMS and n.user_id == cast.buyer_owner.id)


def status(client, notification_id: int, value: str, error: str | None = None, **kwargs):
    params = {"MessageSid": "SM" + "9" * 32, "MessageStatus": value, "To": "+14155550100",
              "AccountSid": "AC" + "1" * 32}
    if error:
        params["ErrorCode"] = error
    return post_twilio(client, f"/webhooks/twilio/status?notification={notification_id}",
                       params, **kwargs)


@pytest.mark.usefixtures("twilio_webhooks")
def test_twilio_statuses_only_move_forward(client, cast):
    row = _queued(cast)
    assert status(client, row.id, "sent").status_code == 204
    assert status(client, row.id, "delivered").status_code == 204
    assert status(client, row.id, "sent").status_code == 204  # late: ignored
    [row] = [n for n in notifications() if n.id == row.id]
    assert row.status is Status.DELIVERED and row.delivered_at is not None
    assert row.provider_message_id == "SM" + "9" * 32
    assert [h.status for h in row.history][-3:] == ["sent", "delivered", "ignored:sent"]


@pytest.mark.usefixtures("twilio_webhooks")
def test_an_undeliverable_sms_fails_and_falls_back_to_email(client, cast):
    from messaging.notifications import preferences

    preferences.save_user_matrix(cast.buyer_owner, {"order_delayed.sms": True})
    row = _queued(cast)
    status(client, row.id, "sent")
    status(client, row.id, "undelivered", error="30006")
    rows = notifications(order_id=cast.order.id)
    failed = next(n for n in rows if n.id == row.id)
    assert failed.status is Status.FAILED and "30006" in failed.last_error
    fallback = next(n for n in rows if n.fallback_of_id == row.id)
    assert fallback.channel is Channel.EMAIL and fallback.address == cast.buyer_owner.email


@pytest.mark.usefixtures("twilio_webhooks")
def test_a_forged_status_callback_changes_nothing(client, cast):
    row = _queued(cast)
    assert status(client, row.id, "delivered", signature="Zm9yZ2Vk").status_code == 403
    assert next(n for n in notifications() if n.id == row.id).status is Status.PENDING


# -- SendGrid Event Webhook ------------------------------------------------------------------


@pytest.fixture
def signer(app):
    signer = SendGridSigner()
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = signer.public_key
    yield signer
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = None


def _email_row(cast) -> Notification:
    signals.order_delayed.send(cast.supplier, order=cast.order, actor=None,
                               previous_eta=date(2030, 1, 1), new_eta=date(2030, 1, 3),
                               reason="")
    db.session.commit()
    return next(n for n in notifications(order_id=cast.order.id)
                if n.channel is Channel.EMAIL and n.user_id == cast.buyer_owner.id)


def events(client, payload, signer=None, *, tamper: bool = False, timestamp: str | None = None):
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signer is not None:
        ts = timestamp or str(int(time.time()))
        headers["X-Twilio-Email-Event-Webhook-Signature"] = signer.sign(ts, body)
        headers["X-Twilio-Email-Event-Webhook-Timestamp"] = ts
        if tamper:
            body = body.replace(b"delivered", b"bounce")
    return client.post("/webhooks/sendgrid/events", data=body, headers=headers)


def _event(row: Notification, kind: str, **extra) -> dict:
    return {"email": row.address, "timestamp": int(time.time()), "event": kind,
            "sg_event_id": f"ev-{kind}", "sg_message_id": "abc.filter0001",
            "ordertalk_notification_id": str(row.id), **extra}


def test_signed_sendgrid_events_update_statuses(client, cast, signer):
    row = _email_row(cast)
    response = events(client, [_event(row, "processed"), _event(row, "delivered"),
                               _event(row, "processed")], signer)
    assert response.status_code == 200 and response.json["matched"] == 3
    row = next(n for n in notifications() if n.id == row.id)
    assert row.status is Status.DELIVERED


def test_unsigned_or_tampered_events_are_refused_when_a_key_is_set(client, cast, signer):
    row = _email_row(cast)
    assert events(client, [_event(row, "delivered")]).status_code == 403
    assert events(client, [_event(row, "delivered")], signer, tamper=True).status_code == 403
    other = SendGridSigner()
    assert events(client, [_event(row, "delivered")], other).status_code == 403
    assert next(n for n in notifications() if n.id == row.id).status is Status.PENDING


def test_unsigned_events_are_accepted_without_a_key(client, cast):
    row = _email_row(cast)
    assert events(client, [_event(row, "delivered")]).status_code == 200
    assert next(n for n in notifications() if n.id == row.id).status is Status.DELIVERED


@pytest.mark.parametrize("kind", ["bounce", "dropped", "spamreport", "unsubscribe"])
def test_bounces_and_complaints_suppress_the_address(client, cast, signer, kind):
    row = _email_row(cast)
    events(client, [_event(row, kind, reason="550 no such user")], signer)
    suppressed = db.session.scalars(select(Suppression)).one()
    assert (suppressed.channel, suppressed.address) == ("email", row.address)
    row = next(n for n in notifications() if n.id == row.id)
    expected = Status.FAILED if kind in ("bounce", "dropped") else Status.PENDING
    assert row.status is expected
    signals.order_status_changed.send(cast.supplier, order=cast.order, actor=None,
                                      from_status="placed", to_status="received", note="")
    later = next(n for n in notifications(event="order_received") if n.address == row.address)
    assert later.status is Status.SUPPRESSED


# -- SendGrid Inbound Parse ------------------------------------------------------------------


def inbound(client, app, to: str, text: str, *, secret: str | None = None, files=None,
            sender: str = "Ana <ana@bistro.test>", message_id: str = "<m1@mail.test>"):
    data = {
        "from": sender, "to": to, "subject": "Re: Order delayed", "text": text,
        "envelope": json.dumps({"to": [to], "from": "ana@bistro.test"}),
        "headers": f"Message-ID: {message_id}\nSubject: Re: Order delayed\n",
        "attachments": str(len(files or [])), "charsets": json.dumps({"text": "UTF-8"}),
    }
    for index, (name, content) in enumerate(files or [], 1):
        data[f"attachment{index}"] = (io.BytesIO(content), name)
    secret = secret or app.config["SENDGRID_INBOUND_SECRET"]
    return client.post(f"/webhooks/sendgrid/inbound/{secret}", data=data,
                       content_type="multipart/form-data")


REPLY = """Yes, Thursday works.

Thanks, Ana
--
Ana Ruiz, Bistro Nord

On Tue, Mar 4, 2025 at 9:00 AM Ordertalk <orders@ordertalk.test> wrote:
> Golden Gate Produce expects order GG-00042 on Thu Mar 6.
> Reply to this email to write in the order's conversation.
"""


def test_an_email_reply_lands_in_the_thread_without_the_quote(client, app, cast):
    with app.test_request_context():
        to = links.reply_address(cast.order.id, f"u{cast.buyer_owner.id}")
    for _ in range(2):  # a redelivered email is handled once
        response = inbound(client, app, f"Ordertalk <{to}>", REPLY,
                           files=[("photo.png", PNG), ("notes.exe", b"MZ\x90\x00")],
                           sender=f"Ana <{cast.buyer_owner.email}>")
        assert response.status_code == 200
    [message] = [m for m in thread(cast.order.id) if m.kind is MessageKind.TEXT]
    assert message.author_id == cast.buyer_owner.id
    assert message.body == "Yes, Thursday works.\n\nThanks, Ana"
    assert [a.filename for a in message.attachments] == ["photo.png"]


def test_an_email_reply_of_a_contact(client, app, cast):
    with app.test_request_context():
        to = links.reply_address(cast.order.id, f"c{cast.contact.id}")
    inbound(client, app, to, "Dock 2 is free after 10.", sender=cast.contact.email)
    [message] = [m for m in thread(cast.order.id) if m.event_type == "contact_reply"]
    assert message.body == "Rita Receiving replied by email: Dock 2 is free after 10."


def test_forged_reply_addresses_and_wrong_secrets(client, app, cast):
    with app.test_request_context():
        to = links.reply_address(cast.order.id, f"u{cast.buyer_owner.id}")
    forged = to.replace(f"u{cast.buyer_owner.id}.", f"u{cast.supplier_owner.id}.")
    assert inbound(client, app, forged, "let me in").json["outcome"] == "unmatched"
    assert inbound(client, app, to, "hello", secret="not-the-secret").status_code == 404
    assert thread(cast.order.id) == []


@pytest.mark.usefixtures("twilio_webhooks", "csrf_enabled")
def test_webhooks_need_no_csrf_token(client, app, cast):
    assert sms(client, "+14155550100", "with CSRF on", sid="SM" + "7" * 32).status_code == 200
    with app.test_request_context():
        to = links.reply_address(cast.order.id, f"u{cast.buyer_owner.id}")
    assert inbound(client, app, to, "by email, CSRF on",
                   sender=cast.buyer_owner.email).json["outcome"] == "routed"
    assert client.post("/webhooks/sendgrid/events", json=[]).status_code == 200


def test_deeply_nested_event_json_is_a_400_not_a_500(client):
    body = b"[" * 100_000 + b"]" * 100_000
    assert client.post("/webhooks/sendgrid/events", data=body,
                       content_type="application/json").status_code == 400
