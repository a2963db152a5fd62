"""Events → recipients → channels: who hears of what, on which channel, from the signals
of the order lifecycle, in the transaction of the change."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from messaging.notifications import preferences
from messaging.notifications.models import Channel, Status
from tests.notifications.util import addressed, notifications
from wholesale import signals
from wholesale.extensions import db
from wholesale.orders.models import OrderStatus


def _addresses(cast, *people):
    result = set()
    for p in people:
        if p == "contact":
            result |= {("email", cast.contact.email), ("sms", "+14155550300")}
    return result


def test_a_status_change_emails_the_buyer_side_and_contacts_not_the_actor(cast):
    signals.order_status_changed.send(cast.supplier, order=cast.order, actor=cast.supplier_owner,
                                      from_status=OrderStatus.PLACED,
                                      to_status=OrderStatus.RECEIVED, note="")
    rows = notifications(order_id=cast.order.id)
    assert addressed(rows) == {
        ("email", cast.buyer_owner.email), ("email", cast.buyer_staff.email),
        ("email", cast.contact.email)}  # other statuses: email only, by default
    assert {n.event for n in rows} == {"order_received"}
    assert all(n.status is Status.PENDING for n in rows)
    assert all(n.history and n.history[0].status == "pending" for n in rows)
    buyer_mail = next(n for n in rows if n.address == cast.buyer_owner.email)
    assert buyer_mail.subject.startswith("Order ") and "received" in buyer_mail.subject
    assert "Golden Gate Produce" in buyer_mail.body_text
    assert buyer_mail.reply_to.startswith("order+") and buyer_mail.reply_to.endswith(
        "@reply.ordertalk.test")
    assert "/o/" in buyer_mail.body_text and "/settings/notifications" in buyer_mail.body_text


def test_a_delay_goes_by_email_and_sms_with_the_new_eta(cast):
    new_eta = date.today() + timedelta(days=9)
    signals.order_delayed.send(cast.supplier, order=cast.order, actor=cast.supplier_owner,
                               previous_eta=cast.order.requested_delivery_date,
                               new_eta=new_eta, reason="Truck broke down")
    rows = notifications(order_id=cast.order.id, event="order_delayed")
    assert addressed(rows) == {
        ("email", cast.buyer_owner.email), ("sms", "+14155550100"),
        ("email", cast.buyer_staff.email),
        ("email", cast.contact.email), ("sms", "+14155550300")}
    sms = next(n for n in rows if n.channel is Channel.SMS and n.contact_id)
    assert f"{new_eta:%b}" in sms.body_text and "Truck broke down" in sms.body_text
    assert len(sms.body_text) <= 160 and sms.segments == 1
    assert "/o/" in sms.body_text


def test_the_same_event_twice_queues_nothing_new(cast):
    for _ in range(2):
        signals.order_delayed.send(cast.supplier, order=cast.order, actor=None,
                                   previous_eta=date(2030, 1, 1), new_eta=date(2030, 1, 5),
                                   reason="")
    rows = notifications(order_id=cast.order.id, event="order_delayed")
    assert len(rows) == len({(n.channel, n.address) for n in rows}) == 5
    assert not any(n.recipient_side == "supplier" for n in rows)


def test_preferences_decide_the_channels(cast):
    preferences.save_user_matrix(cast.buyer_owner, {"order_shipped.email": True})
    preferences.save_user_matrix(cast.buyer_staff, {"order_shipped.sms": True})
    cast.buyer_staff.phone = "+44 20 7946 0958"
    preferences.save_org_matrix(cast.buyer, {})  # no defaults for the others
    db.session.flush()
    shipment = SimpleNamespace(id=7, carrier="UPS", tracking_number="1Z999",
                               tracking_url="https://ups.example/1Z999")
    signals.order_shipped.send(cast.supplier, order=cast.order, actor=cast.supplier_owner,
                               shipment=shipment)
    rows = notifications(order_id=cast.order.id)
    assert addressed(rows) == {
        ("email", cast.buyer_owner.email),  # own choice: email, no SMS
        ("sms", "+442079460958"),  # own choice: SMS only
        ("email", cast.contact.email), ("sms", "+14155550300")}  # contacts: the defaults
    sms = next(n for n in rows if n.address == "+442079460958")
    assert "UPS" in sms.body_text and "1Z999" in sms.body_text


def test_a_contact_without_a_phone_gets_email_only_and_opt_outs_hold(cast):
    cast.contact.phone = None
    preferences.opt_out_contact(cast.contact.id, "email")
    db.session.flush()
    signals.order_delayed.send(cast.supplier, order=cast.order, actor=None,
                               previous_eta=date(2030, 1, 1), new_eta=date(2030, 1, 5),
                               reason="")
    rows = notifications(order_id=cast.order.id)
    assert not [n for n in rows if n.contact_id]


def test_status_and_shipment_in_one_transaction_announce_the_shipping_once(cast):
    signals.order_status_changed.send(cast.supplier, order=cast.order, actor=cast.supplier_owner,
                                      from_status=OrderStatus.PACKED,
                                      to_status=OrderStatus.SHIPPED, note="")
    signals.order_shipped.send(cast.supplier, order=cast.order, actor=cast.supplier_owner,
                               shipment=SimpleNamespace(id=3, carrier="DHL",
                                                        tracking_number="JD0001",
                                                        tracking_url=None))
    rows = notifications(order_id=cast.order.id, event="order_shipped")
    assert len(rows) == len(addressed(rows))
    assert all("DHL" in n.body_text for n in rows)


def test_delivery_change_requested_by_the_buyer_goes_to_the_supplier(cast):
    change = SimpleNamespace(id=11, requested_side="buyer", requested_by=cast.buyer_owner,
                             delivery_date=date(2030, 2, 2), delivery_location=None,
                             previous_delivery_date=date(2030, 2, 1), reason="Closed Monday",
                             status="pending", response_note="")
    signals.delivery_change_requested.send(cast.supplier, order=cast.order,
                                           actor=cast.buyer_owner, change=change)
    rows = notifications(order_id=cast.order.id)
    assert {n.recipient_side for n in rows} == {"supplier"}
    assert ("sms", "+14155550200") in addressed(rows)  # delivery changes: email + SMS
    change.status, change.response_note = "accepted", "OK"
    signals.delivery_change_accepted.send(cast.supplier, order=cast.order,
                                          actor=cast.supplier_owner, change=change)
    accepted = notifications(order_id=cast.order.id, event="delivery_change_accepted")
    assert {n.recipient_side for n in accepted} == {"buyer", "contact"}
    assert ("sms", "+14155550300") in addressed(accepted)


def test_a_rollback_takes_the_notifications_away(cast):
    signals.order_status_changed.send(cast.supplier, order=cast.order, actor=None,
                                      from_status=OrderStatus.PLACED,
                                      to_status=OrderStatus.CANCELLED, note="")
    assert notifications(order_id=cast.order.id)
    db.session.rollback()
    assert notifications(order_id=cast.order.id) == []


def test_suppressed_addresses_are_recorded_not_sent(cast):
    from messaging.notifications.suppressions import suppress

    suppress("sms", "+14155550300", "stop", "twilio")
    signals.order_delayed.send(cast.supplier, order=cast.order, actor=None,
                               previous_eta=date(2030, 1, 1), new_eta=date(2030, 1, 5),
                               reason="")
    row = next(n for n in notifications(order_id=cast.order.id) if n.address == "+14155550300")
    assert row.status is Status.SUPPRESSED


def test_an_invitation_is_emailed_with_its_link(app, factory):
    from wholesale.accounts import services as accounts
    from wholesale.accounts.models import InvitationKind

    supplier = factory.supplier("Golden Gate Produce")
    token, invitation = accounts.invite(factory.owner(supplier), "chef@newplace.test",
                                        InvitationKind.BUYER)
    [row] = notifications(event="invitation")
    assert row.address == "chef@newplace.test" and row.channel is Channel.EMAIL
    assert f"/invitations/{token}" in row.body_text and f"/invitations/{token}" in row.body_html
    assert "Golden Gate Produce" in row.subject
