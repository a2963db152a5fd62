"""The dispatcher with the real SDKs against the fake providers: sends concurrently,
retries transient failures with backoff, gives up on permanent ones (falling back from SMS
to email), never sends a notification twice, and shares work through leases."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from messaging.notifications import preferences
from messaging.notifications.models import Channel, Status
from messaging.notifications.suppressions import suppress
from tests.notifications.fakes import Fault, notification_id_of
from tests.notifications.util import notifications
from wholesale import signals
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.orders.models import OrderStatus


def _delay(cast) -> None:
    signals.order_delayed.send(cast.supplier, order=cast.order, actor=cast.supplier_owner,
                               previous_eta=date(2030, 1, 1), new_eta=date(2030, 1, 4),
                               reason="Frost in the valley")
    db.session.commit()


def _sent_once(fake) -> Counter:
    return Counter(notification_id_of(r) for r in fake.accepted())


def test_everything_is_sent_once_through_the_providers(cast, twilio, sendgrid, make_dispatcher):
    _delay(cast)
    rows = notifications(order_id=cast.order.id)
    dispatcher = make_dispatcher(twilio, sendgrid, concurrency=4)
    dispatcher.drain(timeout=20)
    rows = notifications(order_id=cast.order.id)
    assert rows and all(n.status is Status.SENT for n in rows)
    sms_ids = {n.id for n in rows if n.channel is Channel.SMS}
    email_ids = {n.id for n in rows if n.channel is Channel.EMAIL}
    assert _sent_once(twilio) == Counter({i: 1 for i in sms_ids})
    assert _sent_once(sendgrid) == Counter({i: 1 for i in email_ids})
    assert twilio.spec_errors() == [] and sendgrid.spec_errors() == []
    assert all(n.provider_message_id and n.attempts == 1 for n in rows)
    assert all([h.status for h in n.history] == ["pending", "attempt", "sent"] for n in rows)


def test_the_console_backend_delivers_at_once(cast, make_dispatcher):
    _delay(cast)
    make_dispatcher().drain(timeout=20)
    rows = notifications(order_id=cast.order.id)
    assert rows and all(n.status is Status.DELIVERED and n.provider == "console" for n in rows)


def test_provider_outages_are_retried_until_delivered_exactly_once(
        cast, twilio, sendgrid, make_dispatcher):
    _delay(cast)
    twilio.fail_next(Fault(500), Fault(429, code=20429, retry_after="0"), Fault(0, delay=0.8),
                     Fault(503))
    sendgrid.fail_next(Fault(500), Fault(429), Fault(0, delay=0.8), Fault(502))
    dispatcher = make_dispatcher(twilio, sendgrid, concurrency=3, provider_timeout=0.4)
    dispatcher.drain(timeout=30)
    rows = notifications(order_id=cast.order.id)
    assert all(n.status is Status.SENT for n in rows)
    assert _sent_once(twilio) == Counter({n.id: 1 for n in rows if n.channel is Channel.SMS})
    assert _sent_once(sendgrid) == Counter(
        {n.id: 1 for n in rows if n.channel is Channel.EMAIL})
    assert sum(n.attempts for n in rows) == len(rows) + 8  # every fault cost one attempt
    retried = [n for n in rows if n.attempts > 1]
    assert retried and all(any(h.status == "retry" for h in n.history) for n in retried)


def test_retries_stop_after_the_last_attempt(cast, sendgrid, make_dispatcher):
    preferences.save_user_matrix(cast.buyer_owner, {"order_delayed.email": True})
    preferences.save_user_matrix(cast.buyer_staff, {})
    preferences.opt_out_contact(cast.contact.id, "email")
    preferences.opt_out_contact(cast.contact.id, "sms")
    _delay(cast)
    sendgrid.fail_next(*[Fault(500)] * 3)
    make_dispatcher(None, sendgrid, max_attempts=3).drain(timeout=20)
    [row] = notifications(order_id=cast.order.id)
    assert row.status is Status.FAILED and row.attempts == 3
    assert "gave up after 3 attempts" in row.last_error and "500" in row.last_error
    assert len(sendgrid.requests) == 3


def test_permanent_errors_fail_at_once_and_sms_falls_back_to_email(
        cast, twilio, sendgrid, make_dispatcher):
    preferences.save_user_matrix(cast.buyer_owner, {"order_delayed.sms": True})
    preferences.save_user_matrix(cast.buyer_staff, {})
    preferences.opt_out_contact(cast.contact.id, "email")
    preferences.opt_out_contact(cast.contact.id, "sms")
    _delay(cast)
    twilio.fail_next(Fault(400, code=21211))
    make_dispatcher(twilio, sendgrid).drain(timeout=20)
    rows = notifications(order_id=cast.order.id)
    sms = next(n for n in rows if n.channel is Channel.SMS)
    assert sms.status is Status.FAILED and sms.attempts == 1 and "21211" in sms.last_error
    assert len(twilio.requests) == 1
    email = next(n for n in rows if n.channel is Channel.EMAIL)
    assert email.fallback_of_id == sms.id and email.address == cast.buyer_owner.email
    assert email.status is Status.SENT and "delayed" in email.subject
    assert any(h.status == "fallback" for h in sms.history)


def test_an_unsubscribed_number_is_suppressed_afterwards(cast, twilio, make_dispatcher):
    _delay(cast)
    twilio.fail_next(Fault(400, code=21610), Fault(400, code=21610))
    make_dispatcher(twilio, None, concurrency=1).drain(timeout=20)
    failed = [n for n in notifications(order_id=cast.order.id) if n.status is Status.FAILED]
    assert {n.channel for n in failed} == {Channel.SMS}
    signals.order_status_changed.send(cast.supplier, order=cast.order, actor=None,
                                      from_status=OrderStatus.PLACED,
                                      to_status=OrderStatus.SHIPPED, note="")
    later = [n for n in notifications(order_id=cast.order.id, event="order_shipped")
             if n.address in {f.address for f in failed}]
    assert later and all(n.status is Status.SUPPRESSED for n in later)


def test_an_address_suppressed_after_queueing_is_not_sent(cast, twilio, make_dispatcher):
    _delay(cast)
    suppress("sms", "+14155550300", "stop", "twilio")
    db.session.commit()
    make_dispatcher(twilio, None).drain(timeout=20)
    row = next(n for n in notifications(order_id=cast.order.id) if n.address == "+14155550300")
    assert row.status is Status.SUPPRESSED
    assert "+14155550300" not in {r.form["To"][0] for r in twilio.requests}


def test_a_lease_keeps_others_off_until_it_expires(app, cast, make_dispatcher):
    _delay(cast)
    total = len(notifications(order_id=cast.order.id))
    first = make_dispatcher(lease_seconds=60)
    second = make_dispatcher(lease_seconds=60)
    with app.app_context():
        claimed = first._claim(100)
        db.session.commit()
        assert len(claimed) == total
        assert second._claim(100) == []
        # the first worker dies: its leases run out
        from sqlalchemy import update

        from messaging.notifications.models import Notification

        db.session.execute(update(Notification).values(
            lease_until=utcnow() - timedelta(seconds=1)))
        again = second._claim(100)
        db.session.commit()
    assert {c.message.notification_id for c in again} == {
        c.message.notification_id for c in claimed}
    assert all(c.attempts == 2 for c in again)
    rows = notifications(order_id=cast.order.id)
    assert {n.claimed_by for n in rows} == {second.worker_id}


def test_a_late_result_of_a_lost_lease_changes_nothing(app, cast, make_dispatcher):
    from messaging.notifications.dispatcher import Outcome
    from messaging.providers import ProviderError

    _delay(cast)
    first, second = make_dispatcher(), make_dispatcher()
    with app.app_context():
        [item, *_] = first._claim(1)
        from sqlalchemy import update

        from messaging.notifications.models import Notification

        db.session.execute(update(Notification).values(
            lease_until=utcnow() - timedelta(seconds=1)))
        second._claim(100)
        first.inflight = 1
        first._record([Outcome(item, error=ProviderError("boom", transient=True))])
        db.session.commit()
    row = next(n for n in notifications() if n.id == item.message.notification_id)
    assert row.claimed_by == second.worker_id and row.last_error is None
