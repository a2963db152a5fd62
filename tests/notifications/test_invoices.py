"""Invoicing reaches people: an issued invoice is emailed to the buyer's billing contacts
with its PDF attached (stored with the notification when it is queued) and announced in
the order's thread; the SendGrid adapter sends the attachment as the spec describes, SMS
links to the invoice instead; reminders and overdue notices go out once however often the
daily run is repeated; credit holds and decisions reach both sides."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import select

from messaging.chat.models import Message, MessageKind
from messaging.notifications import periodic, preferences
from messaging.notifications.models import (
    Channel,
    NotificationAttachment,
    RecipientKind,
    Status,
)
from messaging.notifications.settings import dispatcher_settings
from messaging.providers import Attachment, OutboundMessage, build_providers
from tests.conftest import login, skip_or_fail
from tests.invoicing.conftest import issue, place, set_terms, shipped_order
from tests.notifications.conftest import provider_config
from tests.notifications.fakes import notification_id_of
from tests.notifications.util import notifications
from tests.orders.conftest import Shop, build_shop
from wholesale.extensions import db
from wholesale.invoicing import credit, issuing, settings
from wholesale.invoicing.reminders import run_daily_invoicing
from wholesale.tenancy import as_tenant
from wholesale.trading.models import PaymentTerms

ACCOUNTS = "accounts@bistro-verde.test"  # a billing address without an account
BILLING = "billing@ggp.test"  # the supplier's billing address (on its invoices)


@pytest.fixture
def shop(factory: Any) -> Shop:
    built = build_shop(factory)
    built.buyer_user.phone = "+1 415 555 0142"
    settings.update_settings(built.supplier, {"billing_email": BILLING})
    settings.update_billing(built.buyer, {"emails": f"{built.buyer_user.email}, {ACCOUNTS}"})
    db.session.commit()
    return built


def _at(day: date, hour: int = 16) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _attachments(notification_id: int) -> list[NotificationAttachment]:
    return list(db.session.scalars(select(NotificationAttachment).where(
        NotificationAttachment.notification_id == notification_id)))


def _thread(order_id: int) -> list[Message]:
    with as_tenant(None):
        return list(db.session.scalars(select(Message).where(
            Message.order_id == order_id, Message.kind == MessageKind.EVENT)
            .order_by(Message.seq)))


def _issued(shop: Shop, **kwargs: Any) -> Any:
    invoice = issue(shop, shipped_order(shop, (shop.product({shop.near: 9}), 2)), **kwargs)
    db.session.commit()
    return invoice


@pytest.fixture
def pdf_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the invoice PDF renders."""
    from wholesale.invoicing import pdf

    calls: list[int] = []
    real = pdf.invoice_pdf

    def counted(invoice: Any) -> bytes:
        calls.append(invoice.id)
        return real(invoice)

    monkeypatch.setattr(pdf, "invoice_pdf", counted)
    return calls


# -- issuing -------------------------------------------------------------------------------


def test_issuing_emails_the_pdf_to_each_billing_contact_and_posts_in_the_thread(
        shop, pdf_calls) -> None:
    invoice = _issued(shop)
    rows = notifications(event="invoice_issued")
    assert {(n.channel, n.address) for n in rows} == {
        (Channel.EMAIL, shop.buyer_user.email.lower()), (Channel.EMAIL, ACCOUNTS)}
    assert pdf_calls == [invoice.id]  # rendered once, when the rows were written
    by_address = {n.address: n for n in rows}
    user_row, address_row = by_address[shop.buyer_user.email.lower()], by_address[ACCOUNTS]
    for row in rows:
        assert row.status is Status.PENDING and row.order_id == invoice.order_id
        assert row.subject == (f"Invoice {invoice.display_number} from {shop.supplier.name}: "
                               f"20.00 USD due {invoice.due_date:%b} {invoice.due_date.day}")
        [stored] = _attachments(row.id)
        assert stored.filename == f"{invoice.display_number}.pdf"
        assert stored.content_type == "application/pdf"
        assert stored.content.startswith(b"%PDF") and stored.size == len(stored.content)
        assert stored.sha256 == hashlib.sha256(stored.content).hexdigest()
        assert row.payload["attachments"] == [{"filename": stored.filename,
                                               "content_type": "application/pdf",
                                               "size": stored.size}]
        assert f"Attached: {stored.filename}" in row.body_text
        assert "20.00 USD" in row.body_text and "20.00 USD" in (row.body_html or "")
    # Both get the same bytes; the buyer's user answers into the thread, the address
    # without an account answers the supplier's billing address.
    assert _attachments(user_row.id)[0].content == _attachments(address_row.id)[0].content
    assert user_row.recipient_kind is RecipientKind.USER and user_row.user_id == \
        shop.buyer_user.id
    assert user_row.reply_to.startswith("order+")
    assert f"/invoices/{invoice.id}" in user_row.body_text
    assert address_row.recipient_kind is RecipientKind.ADDRESS
    assert address_row.reply_to == BILLING
    assert "/settings/notifications" not in address_row.body_text
    assert not notifications(event="invoice_issued", channel=Channel.SMS)  # SMS off by default

    [event] = [m for m in _thread(invoice.order_id) if m.event_type == "invoice_issued"]
    due = f"{invoice.due_date:%b} {invoice.due_date.day}"
    assert event.body == (f"Invoice {invoice.display_number} issued, due {due} \u2014 20.00 USD: "
                          f"http://127.0.0.1:5000/invoices/{invoice.id}")


def test_the_email_keeps_the_invoice_as_issued_when_it_is_voided_before_the_send(
        shop, make_dispatcher) -> None:
    invoice = _issued(shop)
    rows = notifications(event="invoice_issued")
    stored = {n.id: _attachments(n.id)[0].content for n in rows}
    issuing.void(invoice.id, shop.supplier_user, "Wrong PO number")
    db.session.commit()
    assert [m.event_type for m in _thread(invoice.order_id)][-1] == "invoice_voided"
    make_dispatcher().drain(timeout=20)  # the console backend
    for row in notifications(event="invoice_issued"):
        assert row.status is Status.DELIVERED
        assert _attachments(row.id)[0].content == stored[row.id]


def test_preferences_decide_the_channels_of_billing_contacts(shop, pdf_calls) -> None:
    # The buyer's user wants invoices by SMS only; the organization turned invoice emails
    # off for addresses without an account.
    preferences.set_user_preference(shop.buyer_user.id, "invoice_issued", "email", False)
    preferences.set_user_preference(shop.buyer_user.id, "invoice_issued", "sms", True)
    preferences.save_org_matrix(shop.buyer, {"invoice_reminder.email": True})
    db.session.commit()
    invoice = _issued(shop)
    [sms] = notifications(event="invoice_issued")
    assert (sms.channel, sms.address) == (Channel.SMS, "+14155550142")
    assert f"http://127.0.0.1:5000/invoices/{invoice.id}" in sms.body_text
    assert sms.segments == 1 and not _attachments(sms.id)
    assert pdf_calls == []  # nobody gets the email: no PDF rendered


def test_sendgrid_sends_the_pdf_as_the_spec_describes(shop, sendgrid, make_dispatcher
                                                      ) -> None:
    invoice = _issued(shop)
    rows = notifications(event="invoice_issued")
    make_dispatcher(sendgrid=sendgrid).drain(timeout=20)
    assert sendgrid.spec_errors() == []
    sent = {notification_id_of(r): r for r in sendgrid.accepted()}
    assert {n.id for n in rows} <= set(sent)
    assert all("attachments" not in r.json for nid, r in sent.items()
               if nid not in {n.id for n in rows})  # the order's other emails
    for row in rows:
        request = sent[row.id]
        content = _attachments(row.id)[0].content
        assert request.json["attachments"] == [{
            "content": base64.b64encode(content).decode(),
            "filename": f"{invoice.display_number}.pdf",
            "type": "application/pdf",
            "disposition": "attachment",
        }]
    assert all(n.status is Status.SENT for n in notifications(event="invoice_issued"))


def test_the_spec_check_covers_attachments(app, sendgrid) -> None:
    if not sendgrid.spec_checked:
        skip_or_fail("../shared/specs is absent: nothing to check requests against")
    body = build_providers(provider_config(app, None, sendgrid)).email.build(OutboundMessage(
        notification_id=1, channel="email", to="ana@bistro.test", text="Hi",
        attachments=(Attachment("a.pdf", "application/pdf", b"%PDF-1.4"),))).get()
    body["attachments"][0]["disposition"] = "sideways"  # not in the spec's enum
    requests.post(f"{sendgrid.url}/v3/mail/send", json=body, timeout=5,
                  headers={"Authorization": "Bearer SG.test-key"})
    assert sendgrid.spec_errors()


def test_twilio_sends_a_link_never_an_attachment(shop, twilio, make_dispatcher) -> None:
    preferences.set_user_preference(shop.buyer_user.id, "invoice_issued", "sms", True)
    db.session.commit()
    invoice = _issued(shop)
    [row] = notifications(event="invoice_issued", channel=Channel.SMS)
    make_dispatcher(twilio=twilio).drain(timeout=20)
    assert twilio.spec_errors() == []
    [request] = [r for r in twilio.accepted() if notification_id_of(r) == row.id]
    assert "MediaUrl" not in request.form
    assert request.form["Body"][0].endswith(f"/invoices/{invoice.id}")
    assert request.form["To"] == ["+14155550142"]


def test_the_dev_outbox_offers_the_attachment_and_the_log_lists_it(shop, client, api_as
                                                                     ) -> None:
    invoice = _issued(shop)
    row = next(n for n in notifications(event="invoice_issued")
               if n.user_id == shop.buyer_user.id)
    [stored] = _attachments(row.id)
    login(client, shop.buyer_user)
    page = client.get(f"/dev/outbox?id={row.id}").get_data(as_text=True)
    link = f"/dev/outbox/{row.id}/attachments/{stored.id}"
    assert link in page and stored.filename in page
    assert 'id="preview-invoice_issued"' in page and 'id="preview-credit_hold"' in page
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == stored.content
    assert client.get(f"/dev/outbox/{row.id}/attachments/{stored.id + 999}").status_code == 404
    other = next(n for n in notifications() if n.id != row.id and not _attachments(n.id))
    assert client.get(f"/dev/outbox/{other.id}/attachments/{stored.id}").status_code == 404

    log = api_as(shop.buyer_user).get(f"/api/v1/orders/{invoice.order_id}/notifications")
    entries = [e for e in log.get_json()["items"] if e["event"] == "invoice_issued"]
    assert [e["attachments"] for e in entries] == [
        [{"filename": stored.filename, "content_type": "application/pdf",
          "size": stored.size}]] * 2


# -- reminders and overdue -------------------------------------------------------------------


def test_reminders_and_overdue_notify_once(shop, app) -> None:
    set_terms(shop, PaymentTerms.NET_7)
    invoice = _issued(shop, now=_at(date(2025, 4, 1)))  # due Apr 8
    count: Callable[[str], int] = lambda event: len(notifications(event=event))  # noqa: E731

    run_daily_invoicing(_at(date(2025, 4, 5)))  # 3 days before
    reminders = notifications(event="invoice_reminder")
    assert {n.address for n in reminders} == {shop.buyer_user.email.lower(), ACCOUNTS}
    assert all(n.subject == f"Reminder: invoice {invoice.display_number} (20.00 USD) is due "
                            "Apr 8" for n in reminders)
    assert all(_attachments(n.id)[0].content.startswith(b"%PDF") for n in reminders)
    run_daily_invoicing(_at(date(2025, 4, 5)))
    assert count("invoice_reminder") == 2  # nothing new

    # Overdue: through the dispatcher's daily job, claimed per day; a second worker on the
    # same day runs nothing.
    job_settings = dispatcher_settings(app)
    day = date(2025, 4, 9)
    assert periodic.run_once(periodic.INVOICING_JOB, day, _at(day), "w1", job_settings) \
        is periodic.Outcome.RAN
    overdue = notifications(event="invoice_overdue")
    assert {n.address for n in overdue} == {shop.buyer_user.email.lower(), ACCOUNTS}
    assert overdue[0].subject == (f"Invoice {invoice.display_number} is overdue: 20.00 USD "
                                  "was due Apr 8")
    assert count("invoice_reminder") == 4  # and the "due" reminder the Apr 8 run missed
    before = len(notifications())
    assert periodic.run_once(periodic.INVOICING_JOB, day, _at(day, 20), "w2", job_settings) \
        is periodic.Outcome.DONE
    run_daily_invoicing(_at(date(2025, 4, 10)))  # even run again by hand: overdue once
    assert len(notifications()) == before
    events = [m.body for m in _thread(invoice.order_id) if m.event_type == "invoice_overdue"]
    assert events == [f"Invoice {invoice.display_number} is overdue: 20.00 USD was due Apr 8 "
                      f"(1 day ago): http://127.0.0.1:5000/invoices/{invoice.id}"]

    run_daily_invoicing(_at(date(2025, 4, 15)))  # 7 days after
    later = [n for n in notifications(event="invoice_reminder") if "overdue" in n.subject]
    assert len(later) == 2 and "7 days overdue" in later[0].subject
    run_daily_invoicing(_at(date(2025, 4, 15)))
    assert count("invoice_reminder") == 6


# -- credit holds ---------------------------------------------------------------------------


def _limit(shop: Shop, amount: str) -> None:
    rel = settings.relationship_between(shop.supplier.id, shop.buyer.id)
    assert rel is not None
    settings.set_credit_limit(shop.supplier, rel.id, amount)


def _held(shop: Shop) -> Any:
    _limit(shop, "50")
    order = place(shop, (shop.product({shop.near: 50}, price="60.00"), 1))
    db.session.commit()
    assert credit.pending_hold(order.id) is not None
    return order


def _by_event(order_id: int) -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for n in notifications(order_id=order_id):
        found.setdefault(n.event, set()).add((n.channel.value, n.address))
    return found


def test_a_credit_hold_tells_both_sides_and_the_thread(shop) -> None:
    staff = shop.factory.user(shop.supplier)
    order = _held(shop)
    holds = {n.address: n for n in notifications(event="credit_hold")}
    supplier_owner, buyer = shop.supplier_user.email.lower(), shop.buyer_user.email.lower()
    assert set(holds) == {supplier_owner, staff.email.lower(), buyer}
    assert all(n.channel is Channel.EMAIL for n in holds.values())
    assert holds[buyer].subject == (f"Order {order.display_number} is on hold pending credit "
                                    "approval")
    assert holds[supplier_owner].subject.endswith("is on hold: over its credit limit")
    assert "http://127.0.0.1:5000/invoices/holds" in holds[supplier_owner].body_text
    assert "/invoices/holds" not in holds[buyer].body_text
    assert "Credit limit: 50.00 USD" in holds[buyer].body_text
    assert [m.body for m in _thread(order.id) if m.event_type == "credit_hold"] == [
        f"On hold pending credit approval: order {order.display_number} would exceed the buyer's "
        "credit limit."]

    credit.decide(order.id, shop.supplier_user, approve=True, note="Once")
    db.session.commit()
    decided = _by_event(order.id)["credit_decided"]
    assert decided == {("email", staff.email.lower()), ("email", buyer)}  # not the decider
    assert [m.body for m in _thread(order.id) if m.event_type == "credit_decided"] == [
        f"Credit approved by {shop.supplier_user.name}: order {order.display_number} goes ahead. "
        "Note: Once"]


def test_a_rejection_is_told_once_instead_of_the_cancellation(shop) -> None:
    staff = shop.factory.user(shop.supplier)
    order = _held(shop)
    credit.decide(order.id, shop.supplier_user, approve=False, note="Settle INV-00001 first")
    db.session.commit()
    events = _by_event(order.id)
    expected = {("email", staff.email.lower()), ("email", shop.buyer_user.email.lower())}
    assert events["credit_decided"] == expected
    assert "order_cancelled" not in events  # the rejection says it is cancelled
    [row] = [n for n in notifications(event="credit_decided")
             if n.user_id == shop.buyer_user.id]
    assert row.subject == (f"Order {order.display_number} was rejected over the credit limit "
                           "and cancelled")
    assert "Reason: Settle INV-00001 first" in row.body_text
    # In the thread too: one event for the rejection and the cancellation it causes.
    assert [(m.event_type, m.body) for m in _thread(order.id)][-1:] == [(
        "credit_decided", f"{shop.supplier_user.name} rejected order {order.display_number} "
        "over the credit limit and cancelled it: Settle INV-00001 first")]
    assert "status_changed" not in [m.event_type for m in _thread(order.id)]


def test_a_cancellation_without_a_credit_decision_is_still_told(shop) -> None:
    from wholesale.fulfilment import machine

    order = _held(shop)
    machine.transition(order.id, "cancelled", shop.buyer_user, "Not needed")
    db.session.commit()
    assert _by_event(order.id)["order_cancelled"] == {
        ("email", shop.supplier_user.email.lower())}
    assert not notifications(event="credit_decided")
