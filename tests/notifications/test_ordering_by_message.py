"""Ordering by SMS and email, end to end: signed Twilio and SendGrid Inbound Parse webhooks
→ the buyer's account thread → the intake → a draft → our answer through the real
dispatcher and the fake providers → "YES" → one order, however often it is delivered."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from messaging.chat.models import Message, MessageKind, Thread, ThreadKind
from messaging.notifications import links, reply_context
from messaging.notifications.models import InboundMessage, SmsReplyContext
from tests.notifications.test_reply_routing import OUR_NUMBER, sms
from tests.notifications.test_webhooks import inbound
from tests.notifications.util import TWILIO_TOKEN, twilio_signature
from wholesale.accounts.models import Organization, User
from wholesale.drafts.models import DraftStatus, OrderDraft
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant

pytestmark = pytest.mark.usefixtures("twilio_webhooks")

PHONE = "+14155550177"  # the buyer's owner
CATALOG = [  # sku, name, unit, case size, price, stock
    ("LET-HRT", "Romaine hearts", "case", 24, "18.00", 40),
    ("LEM", "Lemons 115 ct", "case", 115, "42.00", 30),
]


@dataclass
class Shop:
    supplier: Organization
    buyer: Organization
    buyer_user: User
    thread_id: int
    products: dict[str, int]


def make_shop(factory) -> Shop:
    """Golden Gate (romaine, lemons) and its buyer Bistro Verde, whose owner has a phone;
    another supplier, Far Away Fish, sells anchovies to someone else."""
    supplier, buyer = factory.supplier("Golden Gate"), factory.buyer("Bistro Verde")
    factory.connect(supplier, buyer)
    factory.location(buyer)
    products = factory.stocked_products(supplier, CATALOG)
    fish, other_buyer = factory.supplier("Far Away Fish"), factory.buyer("Elsewhere Cafe")
    factory.connect(fish, other_buyer)
    factory.stocked_products(fish, [("ANC", "Anchovies", "case", 12, "30.00", 10)])
    buyer_user = factory.owner(buyer)
    buyer_user.phone = "(415) 555-0177"
    thread_id = db.session.scalar(select(Thread.id).where(
        Thread.kind == ThreadKind.ACCOUNT, Thread.supplier_id == supplier.id,
        Thread.buyer_id == buyer.id).execution_options(all_tenants=True))
    db.session.commit()
    return Shop(supplier, buyer, buyer_user, thread_id, products)


@pytest.fixture
def shop(factory) -> Shop:
    return make_shop(factory)


def orders(shop: Shop) -> list[Order]:
    with as_tenant(None):
        return list(db.session.scalars(select(Order).where(Order.buyer_id == shop.buyer.id)
                                       .execution_options(populate_existing=True)))


def drafts(shop: Shop) -> list[OrderDraft]:
    with as_tenant(None):
        return list(db.session.scalars(
            select(OrderDraft).where(OrderDraft.buyer_id == shop.buyer.id)
            .order_by(OrderDraft.id).execution_options(populate_existing=True)))


def texts(thread_id: int) -> list[tuple[int | None, str]]:
    with as_tenant(None):
        return [(m.author_id, m.body) for m in db.session.scalars(
            select(Message).where(Message.thread_id == thread_id,
                                  Message.kind == MessageKind.TEXT).order_by(Message.seq))]


def sent_sms(twilio, to: str = PHONE) -> list[str]:
    return [r.form["Body"][0] for r in twilio.accepted() if r.form.get("To") == [to]]


# -- SMS ---------------------------------------------------------------------------------------


def test_an_order_by_sms_is_drafted_answered_and_placed_once_on_yes(
        client, shop, twilio, make_dispatcher):
    dispatcher = make_dispatcher(twilio)
    answer = sms(client, PHONE, "3 cs romaine hearts and 2 cs lemons for friday",
                 sid="SM" + "01" * 16)
    assert answer.status_code == 200 and "<Message>" not in answer.get_data(as_text=True)
    assert texts(shop.thread_id) == [
        (shop.buyer_user.id, "3 cs romaine hearts and 2 cs lemons for friday")]
    [draft] = drafts(shop)
    assert draft.source.value == "sms" and draft.status is DraftStatus.OPEN
    assert {line["product_id"]: line["quantity"] for line in draft.lines} == {
        shop.products["LET-HRT"]: 3, shop.products["LEM"]: 2}

    dispatcher.drain(timeout=20)
    [summary] = sent_sms(twilio)
    assert "Romaine hearts" in summary and "Lemons 115 ct" in summary
    assert "Reply YES" in summary
    # Our answer is the conversation's context: the next text goes to this account thread.
    with as_tenant(None):
        contexts = db.session.scalars(select(SmsReplyContext).where(
            SmsReplyContext.notification_id.is_not(None))).all()
    assert [(c.phone, c.thread_id, c.order_id) for c in contexts] == [
        (PHONE, shop.thread_id, None)]

    for _ in range(2):  # Twilio delivers the webhook twice: the same MessageSid
        assert sms(client, PHONE, "YES", sid="SM" + "02" * 16).status_code == 200
    [order] = orders(shop)
    assert sorted((line.sku, line.quantity) for line in order.lines) == [
        ("LEM", 2), ("LET-HRT", 3)]
    assert order.requested_delivery_date.weekday() == 4  # friday
    assert drafts(shop)[0].order_id == order.id
    assert [body for _, body in texts(shop.thread_id)].count("YES") == 1
    dispatcher.drain(timeout=20)
    assert any(f"order {order.display_number} placed" in body for body in sent_sms(twilio))

    # Another YES (a new message): no draft waits; a clear answer, nothing placed.
    before = len(sent_sms(twilio))
    sms(client, PHONE, "yes", sid="SM" + "03" * 16)
    dispatcher.drain(timeout=20)
    assert len(orders(shop)) == 1
    assert any("no order waiting for your OK" in body for body in sent_sms(twilio)[before:])

    # Another supplier's products are nothing to order from this one.
    sms(client, PHONE, "6 cs anchovies for friday", sid="SM" + "04" * 16)
    assert len(orders(shop)) == 1
    assert [d.status for d in drafts(shop)] == [DraftStatus.CONFIRMED]
    assert texts(shop.thread_id)[-1] == (shop.buyer_user.id, "6 cs anchovies for friday")


def test_yes_still_opts_back_in_a_number_that_said_stop(client, shop):
    sms(client, PHONE, "STOP", sid="SM" + "05" * 16)
    answer = sms(client, PHONE, "YES", sid="SM" + "06" * 16).get_data(as_text=True)
    assert "You will get Ordertalk texts again" in answer
    assert texts(shop.thread_id) == []


def test_a_buyer_of_several_suppliers_is_asked_which(client, shop, factory):
    other = factory.supplier("Acme Dairy")
    factory.connect(other, shop.buyer)
    db.session.commit()
    # An order that only Golden Gate's catalog reads goes there without asking.
    sms(client, PHONE, "2 cs lemons for friday", sid="SM" + "11" * 16)
    assert texts(shop.thread_id) == [(shop.buyer_user.id, "2 cs lemons for friday")]
    assert len(drafts(shop)) == 1

    # A text no catalog reads, with no conversation going on: which supplier?
    db.session.execute(SmsReplyContext.__table__.delete())
    db.session.commit()
    answer = sms(client, PHONE, "are you open on monday?", sid="SM" + "12" * 16)
    assert "Which supplier is this for? Reply 1) Acme Dairy 2) Golden Gate" in answer.get_data(
        as_text=True)
    assert sms(client, PHONE, "1", sid="SM" + "13" * 16).status_code == 200
    with as_tenant(None):
        acme = db.session.scalar(select(Thread.id).where(
            Thread.kind == ThreadKind.ACCOUNT, Thread.supplier_id == other.id))
    assert texts(acme) == [(shop.buyer_user.id, "are you open on monday?")]
    # Acme's thread is the conversation now.
    sms(client, PHONE, "thanks", sid="SM" + "14" * 16)
    assert texts(acme)[-1] == (shop.buyer_user.id, "thanks")


def test_a_text_naming_an_order_still_goes_to_that_order(client, shop, factory):
    from tests.chat.util import make_order

    order = make_order(factory, shop.supplier, shop.buyer, placed_by=shop.buyer_user)
    db.session.commit()
    sms(client, PHONE, f"About #{order.number}: can you come before 9?", sid="SM" + "21" * 16)
    with as_tenant(None):
        order_thread = db.session.scalar(select(Thread.id).where(Thread.order_id == order.id))
    assert texts(order_thread) == [
        (shop.buyer_user.id, f"About #{order.number}: can you come before 9?")]
    assert texts(shop.thread_id) == [] and drafts(shop) == []
    # A new order, with that order open and no context, is not posted in the order.
    db.session.execute(SmsReplyContext.__table__.delete())
    db.session.commit()
    sms(client, PHONE, "4 cs lemons for tuesday", sid="SM" + "22" * 16)
    assert texts(shop.thread_id) == [(shop.buyer_user.id, "4 cs lemons for tuesday")]
    assert len(texts(order_thread)) == 1


def test_an_account_context_of_another_organization_is_passed_over(client, shop):
    """Our last draft answer to this number went to another buyer's user (the number
    changed hands): the text goes to the sender's own account thread, never that one."""
    with as_tenant(None):
        elsewhere = db.session.scalars(select(Thread).where(
            Thread.kind == ThreadKind.ACCOUNT, Thread.buyer_id != shop.buyer.id)).one()
    reply_context.record_choice(PHONE, OUR_NUMBER, elsewhere.buyer_id, thread_id=elsewhere.id)
    db.session.commit()
    sms(client, PHONE, "YES", sid="SM" + "32" * 16)
    sms(client, PHONE, "2 cs lemons for friday", sid="SM" + "33" * 16)
    assert texts(elsewhere.id) == []
    assert texts(shop.thread_id) == [(shop.buyer_user.id, "YES"),
                                     (shop.buyer_user.id, "2 cs lemons for friday")]


def test_a_stranger_number_orders_nothing(client, shop):
    answer = sms(client, "+12125550199", "3 cs romaine hearts", sid="SM" + "31" * 16)
    assert "could not find an open order" in answer.get_data(as_text=True)
    assert texts(shop.thread_id) == [] and drafts(shop) == []


# -- two deliveries at the same moment (committed data, separate connections) -------------


@pytest.fixture
def live_shop(live_db) -> Shop:
    return make_shop(live_db)


def _at_once(app, bodies: list[tuple[str, str]]) -> list[int]:
    """Post the signed texts (sid, body) from threads released together."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []

    def post(sid: str, body: str) -> None:
        params = {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": PHONE,
                  "To": OUR_NUMBER, "Body": body, "NumMedia": "0"}
        signature = twilio_signature(TWILIO_TOKEN, "http://127.0.0.1:5000/webhooks/twilio/sms",
                                     params)
        with app.test_client() as own:
            barrier.wait()
            response = own.post("/webhooks/twilio/sms", data=params,
                                headers={"X-Twilio-Signature": signature})
            statuses.append(response.status_code)

    workers = [threading.Thread(target=post, args=item) for item in bodies]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    return statuses


def test_two_yes_at_the_same_moment_place_one_order(app, live_shop):
    shop = live_shop
    with app.test_client() as own:
        params = {"MessageSid": "SM" + "41" * 16, "AccountSid": "AC" + "1" * 32,
                  "From": PHONE, "To": OUR_NUMBER, "Body": "3 cs romaine hearts for friday",
                  "NumMedia": "0"}
        signature = twilio_signature(
            TWILIO_TOKEN, "http://127.0.0.1:5000/webhooks/twilio/sms", params)
        assert own.post("/webhooks/twilio/sms", data=params,
                        headers={"X-Twilio-Signature": signature}).status_code == 200
    db.session.rollback()
    assert len(drafts(shop)) == 1
    db.session.rollback()  # (SQLite: an open transaction here would lock the writers out)

    # The same webhook twice at once, and another YES alongside.
    statuses = _at_once(app, [("SM" + "42" * 16, "YES"), ("SM" + "42" * 16, "YES"),
                              ("SM" + "43" * 16, "yes please")])
    assert statuses == [200, 200, 200]
    db.session.rollback()
    [order] = orders(shop)
    assert [d.order_id for d in drafts(shop)] == [order.id]
    with as_tenant(None):
        assert db.session.scalar(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.provider_id == "SM" + "42" * 16)) == 1
    assert [body for _, body in texts(shop.thread_id)].count("YES") == 1


# -- email -------------------------------------------------------------------------------------


def _account_address(app, shop: Shop) -> str:
    with app.test_request_context():
        return links.account_reply_address(shop.thread_id, shop.buyer_user.id)


def test_an_order_by_email_is_drafted_answered_and_placed_on_yes(
        client, app, shop, sendgrid, make_dispatcher):
    to = _account_address(app, shop)
    answer = inbound(client, app, f"Golden Gate <{to}>", "can we get 4 cs lemons for tuesday",
                     sender=f"Bistro <{shop.buyer_user.email}>", message_id="<o1@mail.test>")
    assert answer.json == {"outcome": "routed"}
    [draft] = drafts(shop)
    assert draft.source.value == "email"
    assert [(line["sku"], line["quantity"]) for line in draft.lines] == [("LEM", 4)]

    make_dispatcher(sendgrid=sendgrid).drain(timeout=20)
    [mail] = [r.json for r in sendgrid.accepted()]
    assert mail["reply_to"]["email"] == to
    assert [p["to"][0]["email"] for p in mail["personalizations"]] == [shop.buyer_user.email]
    text = next(c["value"] for c in mail["content"] if c["type"] == "text/plain")
    assert "Lemons 115 ct" in text and "Reply YES" in text

    reply = f"yes\n\nOn Tue, Ordertalk <orders@ordertalk.test> wrote:\n> {text[:60]}\n"
    for _ in range(2):  # redelivered: the same Message-ID
        assert inbound(client, app, to, reply, sender=shop.buyer_user.email,
                       message_id="<o2@mail.test>").status_code == 200
    [order] = orders(shop)
    assert [(line.sku, line.quantity) for line in order.lines] == [("LEM", 4)]
    assert texts(shop.thread_id)[-1] == (shop.buyer_user.id, "yes")


def test_an_account_reply_from_someone_else_is_held(client, app, shop, factory):
    stranger = factory.owner(factory.buyer("Nosy Cafe"))
    db.session.commit()
    to = _account_address(app, shop)
    answer = inbound(client, app, to, "4 cs lemons for tuesday", sender=stranger.email,
                     message_id="<o3@mail.test>")
    assert answer.json == {"outcome": "held"}
    assert texts(shop.thread_id) == [] and drafts(shop) == []
    [row] = db.session.scalars(select(InboundMessage)).all()
    assert (row.outcome, row.body) == ("held", "4 cs lemons for tuesday")
    # A forged token is no address of ours.
    forged = to.replace(f".u{shop.buyer_user.id}.", f".u{stranger.id}.")
    assert inbound(client, app, forged, "hi", sender=stranger.email,
                   message_id="<o4@mail.test>").json == {"outcome": "unmatched"}


def test_the_supplier_may_answer_in_the_account_thread_by_email(client, app, shop, factory):
    rep = factory.owner(shop.supplier)
    db.session.commit()
    to = _account_address(app, shop)
    assert inbound(client, app, to, "We have blood oranges this week.", sender=rep.email,
                   message_id="<o5@mail.test>").json == {"outcome": "routed"}
    assert texts(shop.thread_id) == [(rep.id, "We have blood oranges this week.")]
    assert drafts(shop) == []  # the supplier's words are no order
