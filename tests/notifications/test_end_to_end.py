"""End to end: the lifecycle services (status change, delay with a new ETA, delivery
change) reach the right people by chat, email and SMS according to their preferences, as
real SDK requests to the fake providers; and an SMS reply and an email reply land live in
the order's thread (a Socket.IO client on a live server receives them)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import select

from messaging.chat.models import Message, MessageKind
from messaging.notifications import links, preferences
from tests.chat.util import Client
from tests.conftest import ROOT, LiveServer
from tests.notifications.util import (
    TWILIO_SID,
    TWILIO_TOKEN,
    make_cast,
    notifications,
    twilio_signature,
)
from wholesale.extensions import db
from wholesale.tenancy import as_tenant


def _sent_to(fake) -> set[str]:
    to = set()
    for record in fake.accepted():
        if record.form:
            to.add(record.form["To"][0])
        else:
            to |= {t["email"] for p in record.json["personalizations"] for t in p["to"]}
    return to


def test_lifecycle_changes_reach_people_by_chat_email_and_sms(
        app, cast, twilio, sendgrid, make_dispatcher):
    from wholesale.fulfilment import changes, delays, machine

    # The buyer's staff member wants delays by SMS only; the owner keeps the defaults.
    cast.buyer_staff.phone = "+1 (415) 555-0177"
    preferences.set_user_preference(cast.buyer_staff.id, "order_delayed", "email", False)
    preferences.set_user_preference(cast.buyer_staff.id, "order_delayed", "sms", True)
    db.session.commit()
    with app.test_request_context():
        machine.transition(cast.order, "received", cast.supplier_owner)
        db.session.commit()
        new_eta = date.today() + timedelta(days=10)
        delays.post_delay(cast.order, cast.supplier_owner, reason="Frost in the valley",
                          new_eta=new_eta.isoformat())
        db.session.commit()
        changes.request_change(cast.order, cast.buyer_owner,
                               delivery_date=(new_eta + timedelta(days=1)).isoformat(),
                               reason="Closed that day")
        db.session.commit()

    # chat: the thread tells both sides
    with as_tenant(None):
        events = [m.event_type for m in db.session.scalars(
            select(Message).where(Message.order_id == cast.order.id,
                                  Message.kind == MessageKind.EVENT))]
    assert {"status_changed", "delay", "delivery_change_requested"} <= set(events)

    make_dispatcher(twilio, sendgrid, concurrency=4).drain(timeout=30)
    rows = notifications(order_id=cast.order.id)
    by_event = {}
    for n in rows:
        by_event.setdefault(n.event, set()).add((n.channel.value, n.address))
    owner, staff = cast.buyer_owner.email, cast.buyer_staff.email
    assert by_event["order_received"] == {("email", owner), ("email", staff),
                                          ("email", cast.contact.email)}
    assert by_event["order_delayed"] == {
        ("email", owner), ("sms", "+14155550100"),  # the owner: defaults, email + SMS
        ("sms", "+14155550177"),  # the staff member: SMS only, as chosen
        ("email", cast.contact.email), ("sms", "+14155550300")}  # the contact
    assert by_event["delivery_change_requested"] == {  # the buyer asked: the supplier hears
        ("email", cast.supplier_owner.email), ("sms", "+14155550200"),
        ("email", cast.supplier_staff.email)}
    assert all(n.status.value == "sent" for n in rows)
    assert _sent_to(twilio) == {"+14155550100", "+14155550177", "+14155550300",
                                "+14155550200"}
    assert _sent_to(sendgrid) == {owner, staff, cast.contact.email, cast.supplier_owner.email,
                                  cast.supplier_staff.email}
    assert twilio.spec_errors() == [] and sendgrid.spec_errors() == []
    delay_sms = next(r for r in twilio.accepted() if r.form["To"] == ["+14155550177"])
    assert f"{new_eta:%b} {new_eta.day}" in delay_sms.form["Body"][0]


def test_internal_notes_never_leave_the_supplier(app, cast):
    from datetime import timedelta as td

    from messaging.chat import services as chat
    from messaging.chat.access import open_thread
    from messaging.notifications.digest import queue_digests

    with app.test_request_context():
        chat.post_message(open_thread(cast.supplier_staff, cast.order.id),
                          "Buyer pays late, hold the truck", internal=True)
        chat.post_message(open_thread(cast.supplier_owner, cast.order.id),
                          "We can deliver at 8 tomorrow")
        db.session.commit()
        later = time_travel(minutes=15)
        assert queue_digests(td(minutes=10), now=later) > 0
        assert queue_digests(td(minutes=10), now=later) == 0  # one digest per window
    rows = notifications(event="chat_digest")
    for n in rows:
        if n.recipient_side != "supplier":
            assert "hold the truck" not in n.body_text + (n.body_html or "")
            assert not n.supplier_only
    buyer_side = {n.address for n in rows if n.recipient_side in ("buyer", "contact")}
    assert cast.buyer_owner.email in buyer_side and cast.contact.email in buyer_side
    staff_digest = next(n for n in rows if n.user_id == cast.supplier_owner.id)
    assert "hold the truck" in staff_digest.body_text and staff_digest.supplier_only
    assert all(n.channel.value == "email" for n in rows)  # chat digests: email by default


def time_travel(minutes: int):
    from wholesale.db import utcnow

    return utcnow() + timedelta(minutes=minutes)


# -- live replies ----------------------------------------------------------------------------

INBOUND_SECRET = "inbound-secret-for-tests"


class RepliesServer(LiveServer):
    """The live server with Twilio credentials (to check signatures) and a known Inbound
    Parse secret; waits longer for its first answer on a busy machine."""

    def start(self) -> RepliesServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1",
             "--threads", "32", "--bind", f"127.0.0.1:{self.port}", "app:create_app()"],
            cwd=ROOT, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log.read_text()[-2000:])
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def replies_server(app, database_url, tmp_path_factory) -> Iterator[LiveServer]:
    server = RepliesServer(database_url, tmp_path_factory.mktemp("replies"), {
        "TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "SENDGRID_INBOUND_SECRET": INBOUND_SECRET}).start()
    yield server
    server.stop()


def test_sms_and_email_replies_land_live_in_the_thread(app, replies_server, live_db):
    cast = make_cast(live_db, n=7)
    token = live_db.token(cast.supplier_owner)
    order_id, buyer_id, contact_id = cast.order.id, cast.buyer_owner.id, cast.contact.id
    buyer_email, contact_email = cast.buyer_owner.email, cast.contact.email
    with app.test_request_context():
        reply_to = links.reply_address(order_id, f"u{buyer_id}")
        contact_reply_to = links.reply_address(order_id, f"c{contact_id}")
    db.session.commit()
    supplier = Client(replies_server.url, token).connect()
    try:
        assert supplier.join(order_id)["ok"]
        url = replies_server.url + "/webhooks/twilio/sms"
        params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": TWILIO_SID,
                  "From": "+14155550107", "To": "+14155550000", "Body": "Running late, 10 min"}
        response = requests.post(url, data=params, timeout=10, headers={
            "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, url, params)})
        assert response.status_code == 200, response.text
        sms = supplier.wait_for("message", lambda m: m["body"] == "Running late, 10 min",
                                timeout=15)
        assert sms["kind"] == "text" and sms["author"]["id"] == buyer_id

        inbound = f"{replies_server.url}/webhooks/sendgrid/inbound/{INBOUND_SECRET}"
        response = requests.post(inbound, timeout=10, data={
            "from": f"Ana <{buyer_email}>", "to": reply_to, "subject": "Re: order",
            "text": "Please add two crates of lemons.\n\nOn Mon, Ordertalk wrote:\n> old",
            "headers": "Message-ID: <e2e-1@mail.test>\n"},
            files={"attachment1": ("receipt.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
        assert response.status_code == 200 and response.json()["outcome"] == "routed"
        email = supplier.wait_for(
            "message", lambda m: m["body"] == "Please add two crates of lemons.", timeout=15)
        assert email["author"]["id"] == buyer_id
        assert [a["filename"] for a in email["attachments"]] == ["receipt.pdf"]

        requests.post(inbound, timeout=10, data={
            "from": contact_email, "to": contact_reply_to, "text": "Dock 2.",
            "headers": "Message-ID: <e2e-2@mail.test>\n"})
        contact = supplier.wait_for("message", lambda m: "Dock 2." in m["body"], timeout=15)
        assert contact["kind"] == "event" and "Rita Receiving" in contact["body"]
    finally:
        supplier.close()
