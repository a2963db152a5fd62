"""Replies to a standing order's reminder by SMS and by email reach that occurrence exactly
as chat replies do: the reminder SMS, once Twilio (the fake, through the SDK) accepted it,
is the conversation's reply context — the buyer's account thread — so "SKIP" or a change
texted back goes to the standing order's reply handler (even with an open order that would
otherwise take a text), and our answer goes back by SMS; an email reply to the reminder's
account reply address does the same."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from messaging.chat.models import Message, MessageKind, Thread
from messaging.notifications.models import Notification, SmsReplyContext
from tests.chat.util import make_order
from tests.notifications.conftest import (  # noqa: F401  (fixtures)
    make_dispatcher,
    twilio,
    twilio_webhooks,
)
from tests.notifications.test_ordering_by_message import PHONE, Shop, make_shop, sent_sms, texts
from tests.notifications.test_reply_routing import sms
from tests.notifications.test_webhooks import inbound
from tests.standing.conftest import next_monday
from wholesale.extensions import db
from wholesale.sites.models import DeliveryLocation
from wholesale.standing import scheduler, services
from wholesale.standing.models import OccurrenceStatus, StandingOccurrence, StandingOrder
from wholesale.tenancy import as_tenant

pytestmark = pytest.mark.usefixtures("twilio_webhooks")
EVERYTHING = {"all_tenants": True, "populate_existing": True}


def _standing(shop: Shop) -> StandingOrder:
    """Tuesdays and Fridays from next week: 3 cs romaine hearts, 1 cs lemons."""
    with as_tenant(None):
        location = db.session.scalars(select(DeliveryLocation).where(
            DeliveryLocation.buyer_id == shop.buyer.id)
            .order_by(DeliveryLocation.id)).first()
        standing = services.create(shop.buyer_user, {
            "supplier_id": shop.supplier.id, "delivery_location_id": location.id,
            "lines": [{"product_id": shop.products["LET-HRT"], "quantity": 3},
                      {"product_id": shop.products["LEM"], "quantity": 1}],
            "weekdays": [2, 5], "starts_on": next_monday()})
        db.session.commit()
    return standing


def _remind(standing_id: int, nth: int) -> StandingOccurrence:
    """Run the clock at the reminder time of the `nth` coming occurrence."""
    with as_tenant(None):
        standing = db.session.get(StandingOrder, standing_id, execution_options=EVERYTHING)
        day = services.occurrences(standing, past_days=0)[nth].date
        calendar = services.calendar_for(standing.supplier_id)
    assert scheduler.run_due(calendar.remind_at(day)).reminded == 1
    return _row(standing_id, day)


def _row(standing_id: int, day: date) -> StandingOccurrence:
    with as_tenant(None):
        row = db.session.scalars(select(StandingOccurrence).where(
            StandingOccurrence.standing_order_id == standing_id,
            StandingOccurrence.scheduled_on == day).execution_options(**EVERYTHING)).one()
        db.session.commit()
    return row


def _lines(row: StandingOccurrence, shop: Shop) -> dict[str, int]:
    skus = {pid: sku for sku, pid in shop.products.items()}
    return {skus[line["product_id"]]: line["quantity"] for line in row.lines or []}


def test_sms_replies_to_a_reminder_change_and_skip_that_occurrence(
        client, factory, twilio, make_dispatcher):  # noqa: F811
    shop = make_shop(factory)
    # An open order of the buyer: without the reminder's context a text would go there.
    order = make_order(factory, shop.supplier, shop.buyer, placed_by=shop.buyer_user)
    db.session.commit()
    standing = _standing(shop)
    dispatcher = make_dispatcher(twilio)

    first = _remind(standing.id, 0)
    dispatcher.drain(timeout=20)
    [reminder] = [body for body in sent_sms(twilio) if "standing order" in body]
    assert "Reply SKIP to skip it" in reminder and "3 case Romaine hearts" in reminder
    with as_tenant(None):  # the reminder SMS points replies at the account thread
        [context] = db.session.scalars(select(SmsReplyContext).where(
            SmsReplyContext.notification_id.in_(select(Notification.id).where(
                Notification.event == "standing_order_reminder")))).all()
        assert (context.phone, context.thread_id, context.order_id) == (
            PHONE, shop.thread_id, None)

    answer = sms(client, PHONE, "make it 5 cs romaine hearts", sid="SM" + "51" * 16)
    assert answer.status_code == 200
    row = _row(standing.id, first.scheduled_on)
    assert row.status is OccurrenceStatus.UPCOMING
    assert _lines(row, shop) == {"LET-HRT": 5, "LEM": 1}
    assert texts(shop.thread_id)[-1] == (shop.buyer_user.id, "make it 5 cs romaine hearts")
    dispatcher.drain(timeout=20)
    assert sent_sms(twilio)[-1].startswith("Changed for ")
    assert "5 case Romaine hearts" in sent_sms(twilio)[-1]

    second = _remind(standing.id, 1)
    dispatcher.drain(timeout=20)
    sms(client, PHONE, "SKIP", sid="SM" + "52" * 16)
    assert _row(standing.id, second.scheduled_on).status is OccurrenceStatus.SKIPPED
    assert "reply to the reminder" in _row(standing.id, second.scheduled_on).reason
    # The first occurrence keeps its change; the standing order itself is unchanged.
    assert _lines(_row(standing.id, first.scheduled_on), shop) == {"LET-HRT": 5, "LEM": 1}
    with as_tenant(None):
        assert db.session.get(StandingOrder, standing.id,
                              execution_options=EVERYTHING).lines[0]["quantity"] == 3
    dispatcher.drain(timeout=20)
    assert "is skipped: nothing will be placed" in sent_sms(twilio)[-1]
    with as_tenant(None):  # nothing went to the open order's thread
        assert db.session.scalars(select(Message.id).join(Thread).where(
            Thread.order_id == order.id, Message.kind == MessageKind.TEXT)).all() == []


def test_an_email_reply_to_a_reminder_changes_that_occurrence(client, app, factory):
    shop = make_shop(factory)
    standing = _standing(shop)
    first = _remind(standing.id, 0)
    with as_tenant(None):
        [email] = db.session.scalars(select(Notification).where(
            Notification.event == "standing_order_reminder",
            Notification.channel == "email")).all()
        reply_to, address = email.reply_to, email.address
    assert reply_to and reply_to.startswith("acct+")
    response = inbound(client, app, reply_to, "No lemons this time, thanks",
                       sender=f"Owner <{address}>", message_id="<standing-1@mail.test>")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["outcome"] == "routed"
    row = _row(standing.id, first.scheduled_on)
    assert _lines(row, shop) == {"LET-HRT": 3}
    with as_tenant(None):  # our answer goes back by email, to the account thread's address
        answers = db.session.scalars(select(Notification).where(
            Notification.event == "draft_reply", Notification.channel == "email")).all()
    assert [n.address for n in answers] == [address]
    assert "Changed for " in answers[0].payload["detail"]["text"]
