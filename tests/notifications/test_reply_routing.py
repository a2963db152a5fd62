"""Where a reply goes (docs/notifications.md, "Where a reply goes"), through the signed
webhooks: an SMS lands in the thread of the latest text we sent to that number in that
conversation, else in the sender's own organization's order, else we ask — never in a
thread the sender's organization cannot see; an emailed reply is posted only when its
sender is on the order or received its emails, and held otherwise."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from messaging.chat.models import MessageKind
from messaging.notifications import links
from messaging.notifications.models import InboundMessage, SmsReplyContext
from tests.chat.util import make_order
from tests.notifications.test_webhooks import inbound, post_twilio, thread
from tests.notifications.util import notifications
from wholesale import signals
from wholesale.extensions import db
from wholesale.orders.models import Order, OrderContact
from wholesale.tenancy import as_tenant

pytestmark = pytest.mark.usefixtures("twilio_webhooks")

OUR_NUMBER = "+14155550000"  # TWILIO_FROM_NUMBER of the test dispatcher
A_PHONE = "+14155550100"  # the cast's buyer owner (Bistro Nord, buyer A)


def _delay(supplier, order: Order) -> None:
    signals.order_delayed.send(supplier, order=order, actor=None,
                               previous_eta=date(2030, 1, 1), new_eta=date(2030, 1, 3),
                               reason="")
    db.session.commit()


def sms(client, sender: str, body: str, sid: str = "SM" + "0" * 32, to: str = OUR_NUMBER):
    """An inbound text, signed as Twilio signs it."""
    params = {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender, "To": to,
              "Body": body, "NumMedia": "0"}
    return post_twilio(client, "/webhooks/twilio/sms", params)


def _replies(order_id: int) -> list[str]:
    """What people wrote in the thread: texts and contacts' replies."""
    return [m.body for m in thread(order_id)
            if m.kind is MessageKind.TEXT or m.event_type == "contact_reply"]


def _send_texts(make_dispatcher, twilio) -> None:
    """Everything queued goes out through the dispatcher and the Twilio SDK."""
    make_dispatcher(twilio).drain(timeout=20)


def _inbound_rows() -> list[InboundMessage]:
    return list(db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)
                                   .execution_options(populate_existing=True)))


def _texts(order_id: int) -> list[tuple[int | None, str]]:
    return [(m.author_id, m.body) for m in thread(order_id) if m.kind is MessageKind.TEXT]


@pytest.fixture
def trap(factory, cast) -> Order:
    """Buyer B of the same supplier adds an order contact "Trap" with buyer A's owner's
    phone number."""
    other = factory.buyer("Trap Bistro")
    factory.connect(cast.supplier, other)
    order = make_order(factory, cast.supplier, other, placed_by=factory.owner(other))
    db.session.add(OrderContact(order_id=order.id, name="Trap", phone="(415) 555-0100"))
    db.session.commit()
    return order


# -- the cross-organization attack -----------------------------------------------------------


def test_a_contact_entry_on_another_buyers_order_never_captures_a_users_texts(
        client, cast, trap):
    assert sms(client, A_PHONE, "Can you come before 9?").status_code == 200
    assert _replies(trap.id) == []
    assert _texts(cast.order.id) == [(cast.buyer_owner.id, "Can you come before 9?")]


def test_a_text_queued_but_not_sent_is_no_reply_context(client, cast, trap):
    _delay(cast.supplier, trap)  # queued for "Trap", never sent
    sms(client, A_PHONE, "Morning!", sid="SM" + "c1" * 16)
    assert _texts(cast.order.id) == [(cast.buyer_owner.id, "Morning!")]
    assert _replies(trap.id) == []


def test_after_we_texted_the_trap_order_the_user_is_asked_not_routed_there(
        client, cast, trap, twilio, make_dispatcher):
    _delay(cast.supplier, trap)  # an SMS to "Trap", i.e. to buyer A's owner's phone
    _send_texts(make_dispatcher, twilio)
    assert [n.address for n in notifications(order_id=trap.id, channel="sms")] == [A_PHONE]

    answer = sms(client, A_PHONE, "Is it packed?", sid="SM" + "1" * 32).get_data(as_text=True)
    assert "Which order is this about?" in answer and str(cast.order.number) in answer
    assert _replies(trap.id) == [] and _replies(cast.order.id) == []
    [held] = _inbound_rows()
    assert (held.outcome, held.body) == ("ambiguous", "Is it packed?")

    # The answer names their own order: the held text lands there, as them.
    sms(client, A_PHONE, f"#{cast.order.number}", sid="SM" + "2" * 32)
    assert _texts(cast.order.id) == [(cast.buyer_owner.id, "Is it packed?")]
    # Naming the trap order does not get a text into it either.
    sms(client, A_PHONE, f"About #{trap.number}: hello", sid="SM" + "3" * 32)
    assert _replies(trap.id) == []


# -- the reply context -----------------------------------------------------------------------


@pytest.fixture
def newer(factory, cast) -> Order:
    order = make_order(factory, cast.supplier, cast.buyer, placed_by=cast.buyer_owner)
    db.session.commit()
    return order


def test_a_reply_goes_to_the_order_of_the_latest_text_we_sent_that_number(
        client, cast, newer, twilio, make_dispatcher):
    from messaging.notifications import preferences

    preferences.save_user_matrix(cast.buyer_owner, {"order_delayed.sms": True})
    _delay(cast.supplier, cast.order)  # the older of the buyer's two open orders
    _send_texts(make_dispatcher, twilio)
    with as_tenant(None):
        contexts = db.session.scalars(select(SmsReplyContext).where(
            SmsReplyContext.phone == A_PHONE)).all()
    assert [(c.order_id, c.sender, c.user_id, c.organization_id) for c in contexts] == [
        (cast.order.id, OUR_NUMBER, cast.buyer_owner.id, cast.buyer.id)]

    sms(client, A_PHONE, "Thursday is fine", sid="SM" + "4" * 32)
    assert _texts(cast.order.id) == [(cast.buyer_owner.id, "Thursday is fine")]
    assert _texts(newer.id) == []


def test_a_context_of_another_of_our_numbers_does_not_apply(
        client, cast, newer, twilio, make_dispatcher):
    from messaging.notifications import preferences

    preferences.save_user_matrix(cast.buyer_owner, {"order_delayed.sms": True})
    _delay(cast.supplier, cast.order)
    _send_texts(make_dispatcher, twilio)
    # A text to another number of ours: another conversation on the phone.
    answer = sms(client, A_PHONE, "Thursday is fine", sid="SM" + "5" * 32, to="+14155559999")
    assert "Which order is this about?" in answer.get_data(as_text=True)
    assert _texts(cast.order.id) == [] and _texts(newer.id) == []


def test_several_open_orders_and_no_context_ask_then_the_answer_routes(
        client, cast, newer):
    answer = sms(client, A_PHONE, "3 more cases please", sid="SM" + "6" * 32)
    text = answer.get_data(as_text=True)
    assert "Which order is this about?" in text
    assert _texts(cast.order.id) == [] and _texts(newer.id) == []
    sms(client, A_PHONE, "#999999", sid="SM" + "7" * 32)  # none of theirs: asked again
    assert _texts(cast.order.id) == [] and _texts(newer.id) == []
    sms(client, A_PHONE, str(cast.order.number), sid="SM" + "8" * 32)  # bare digits do
    assert _texts(cast.order.id) == [(cast.buyer_owner.id, "3 more cases please")]
    # The order they chose is the conversation's context from now on.
    sms(client, A_PHONE, "and napkins", sid="SM" + "9" * 32)
    assert _texts(cast.order.id)[-1] == (cast.buyer_owner.id, "and napkins")
    assert _texts(newer.id) == []
    outcomes = [r.outcome for r in _inbound_rows()]
    assert outcomes == ["routed", "ambiguous", "answer", "routed"]


# -- unregistered contacts -------------------------------------------------------------------


def test_a_contacts_reply_lands_in_the_order_we_texted_them_about(
        client, cast, factory, twilio, make_dispatcher):
    second = make_order(factory, cast.supplier, cast.buyer, placed_by=cast.buyer_owner)
    db.session.add(OrderContact(order_id=second.id, name="Rita Receiving",
                                phone="+1 415 555 0300"))
    db.session.commit()
    # Two orders with her as a contact, no context yet: she is asked.
    asked = sms(client, "+14155550300", "Dock 2 please", sid="SM" + "a1" * 16)
    assert "Which order is this about?" in asked.get_data(as_text=True)
    _delay(cast.supplier, second)
    _send_texts(make_dispatcher, twilio)
    sms(client, "+14155550300", "Use the back door", sid="SM" + "b1" * 16)
    [reply] = [m for m in thread(second.id) if m.event_type == "contact_reply"]
    assert reply.body == "Rita Receiving replied by SMS: Use the back door"
    assert [m for m in thread(cast.order.id) if m.event_type == "contact_reply"] == []


# -- email reply tokens ----------------------------------------------------------------------


def _reply_to(app, cast) -> str:
    with app.test_request_context():
        return links.reply_address(cast.order.id, f"u{cast.buyer_owner.id}")


def test_an_email_reply_from_someone_not_on_the_order_is_held(client, app, cast):
    to = _reply_to(app, cast)  # the buyer owner's reply address, forwarded
    response = inbound(client, app, to, "Cancel everything.",
                       sender="Mallory <mallory@elsewhere.test>", message_id="<h1@mail.test>")
    assert response.json["outcome"] == "held"
    assert thread(cast.order.id) == []
    [held] = _inbound_rows()
    assert (held.outcome, held.order_id, held.address, held.body) == (
        "held", cast.order.id, "mallory@elsewhere.test", "Cancel everything.")


def test_an_email_reply_from_a_user_of_another_organization_is_held(
        client, app, cast, factory):
    outsider = factory.user(factory.buyer("Elsewhere"), email="owner@elsewhere.test")
    db.session.commit()
    response = inbound(client, app, _reply_to(app, cast), "Me too", sender=outsider.email,
                       message_id="<h2@mail.test>")
    assert response.json["outcome"] == "held"
    assert thread(cast.order.id) == []


def test_an_email_reply_is_posted_as_the_participant_who_sent_it(client, app, cast):
    to = _reply_to(app, cast)  # the owner's address, answered by a colleague
    response = inbound(client, app, to, "I will be there.",
                       sender=f"Staff <{cast.buyer_staff.email}>",
                       message_id="<p1@mail.test>")
    assert response.json["outcome"] == "routed"
    assert _texts(cast.order.id) == [(cast.buyer_staff.id, "I will be there.")]


def test_an_email_reply_from_an_address_that_received_the_threads_emails(
        client, app, cast):
    _delay(cast.supplier, cast.order)
    [row] = [n for n in notifications(order_id=cast.order.id, channel="email")
             if n.user_id == cast.buyer_owner.id]
    with as_tenant(None):
        db.session.get(type(row), row.id).sent_at = row.created_at
    old_address = cast.buyer_owner.email
    cast.buyer_owner.email = "ana.new@bistro.test"  # the owner changed address since
    db.session.commit()
    response = inbound(client, app, _reply_to(app, cast), "Still fine.",
                       sender=old_address, message_id="<p2@mail.test>")
    assert response.json["outcome"] == "routed"
    assert _texts(cast.order.id) == [(cast.buyer_owner.id, "Still fine.")]
