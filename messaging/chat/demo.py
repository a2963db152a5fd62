"""Demo conversations, so a fresh `make run` shows threads with people talking in them.

Subscribed to `wholesale.signals.demo_seeded`; idempotent through each message's
`client_id` (a second seed stores nothing new)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from messaging.chat.access import open_account_thread, open_thread
from messaging.chat.services import post_message
from wholesale import signals
from wholesale.accounts.models import Organization, Role, User
from wholesale.extensions import db
from wholesale.orders.models import Channel, Order, OrderStatus

# (side, internal note?, text) per conversation; "buyer" is the buyer's owner, "supplier" the
# supplier's first staff member (or owner).
_CONVERSATIONS: list[list[tuple[str, bool, str]]] = [
    [
        ("buyer", False, "Hi! Could the driver come through the back entrance on 18th St? "
                         "The front is blocked by a market stall on Tuesdays."),
        ("supplier", False, "Of course — noted for this delivery and the next ones."),
        ("supplier", True, "Tell Tom: back entrance, and call Ana 10 min before arrival."),
        ("buyer", False, "Perfect, thank you 🙏"),
    ],
    [
        ("buyer", False, "Are the Roma tomatoes from the new farm? Last batch was great."),
        ("supplier", False, "Yes, same farm in Gilroy. We'll have them until mid-December."),
    ],
    [
        ("supplier", False, "Heads up: the parmesan wheel is on a later truck, "
                            "everything else leaves this afternoon."),
        ("buyer", False, "No problem, we have enough for the weekend."),
    ],
]


def seed_conversations(supplier: Organization, buyer: Organization) -> None:
    """A few conversations on the supplier's most recent open orders with this buyer."""
    people = {"buyer": _person(buyer, prefer_staff=False),
              "supplier": _person(supplier, prefer_staff=True)}
    stmt = (
        select(Order)
        .where(Order.supplier_id == supplier.id, Order.buyer_id == buyer.id,
               Order.status.not_in([OrderStatus.DELIVERED, OrderStatus.CANCELLED]),
               # not the one the account conversation places: seeding again finds the same
               Order.channel.not_in([Channel.SMS, Channel.CHAT, Channel.EMAIL]))
        .order_by(Order.id.desc())
        .limit(len(_CONVERSATIONS))
        .execution_options(all_tenants=True)
    )
    for order, conversation in zip(db.session.scalars(stmt).all(), _CONVERSATIONS,
                                   strict=False):
        for n, (side, internal, text) in enumerate(conversation):
            access = open_thread(people[side], order.id)
            post_message(access, text, internal=internal, client_id=f"demo-{order.id}-{n}")


# The account thread: a question, an order written by SMS and confirmed with YES, then an
# order written in chat that waits as a draft for the buyer's confirmation.
_ACCOUNT: list[tuple[str, str, str]] = [  # (side, channel, text)
    ("buyer", "chat", "Morning! Are the blood oranges back yet?"),
    ("supplier", "chat", "Next week 🍊 I'll let you know when they land."),
    ("buyer", "sms", "3 cs roma tomatoes + 2 cs still water pls"),
    ("buyer", "sms", "YES"),
    ("buyer", "chat", "can we get 2 cs romaine hearts, 1 tin evoo and 2 cases spaghetti "
                      "for friday"),
]


def seed_account_conversation(supplier: Organization, buyer: Organization) -> None:
    """Chat-first ordering in the demo's account thread (drafts read by the intake)."""
    people = {"buyer": _person(buyer, prefer_staff=False),
              "supplier": _person(supplier, prefer_staff=True)}
    for n, (side, channel, text) in enumerate(_ACCOUNT):
        partner = buyer.id if side == "supplier" else supplier.id
        access = open_account_thread(people[side], partner)
        post_message(access, text, client_id=f"demo-account-{n}", source=channel)


def _person(org: Organization, *, prefer_staff: bool) -> User:
    members = sorted((u for u in org.users if u.is_active), key=lambda u: u.id)
    staff = [u for u in members if u.role is Role.STAFF]
    return (staff or members)[0] if prefer_staff else next(
        u for u in members if u.role is Role.OWNER)


# Questions kitchens asked about past orders (buyer, then supplier), read by everyone on both
# sides long ago.
_PAST: list[tuple[str, str]] = [
    ("Can the driver call when he's 10 minutes out? Our door is locked before 9.",
     "Sure — we've added it to your delivery notes."),
    ("Any chance of slightly riper avocados this time?", "Noted, we'll pick them for Friday."),
    ("Please leave it in the walk-in, the code is on the receiving sheet.",
     "Will do, thanks."),
    ("Could we get the cream in quarts rather than half gallons next time?",
     "Yes, the quart cases are back in stock."),
]


def seed_history_conversations(history: list[Order]) -> None:
    """A short exchange on every seventh order of the back-dated history, at the time."""
    from datetime import timedelta

    from messaging.chat.services import mark_read
    from wholesale.db import replay_at

    for n, order in enumerate(history[3::7]):
        buyer_text, supplier_text = _PAST[n % len(_PAST)]
        people = (_person(order.buyer, prefer_staff=False),
                  _person(order.supplier, prefer_staff=True))
        last = None
        for hours, person, text in ((1, people[0], buyer_text), (2, people[1], supplier_text)):
            with replay_at(order.created_at + timedelta(hours=hours)):
                access = open_thread(person, order.id)
                last = post_message(access, text, client_id=f"demo-past-{order.id}-{hours}")
        with replay_at(order.created_at + timedelta(hours=3)):
            for person in _readers(order):
                mark_read(open_thread(person, order.id), last.payload["id"])


def seed_account_notes(history: list[Order], demo_buyer_id: int) -> None:
    """The supplier's note in each history customer's account thread, after its first order
    (a supplier's text is not read as an order), read by everyone long ago."""
    from datetime import timedelta

    from messaging.chat.services import mark_read
    from wholesale.db import replay_at

    first: dict[tuple[int, int], Order] = {}
    for order in history:
        first.setdefault((order.supplier_id, order.buyer_id), order)
    for order in first.values():
        supplier = order.supplier
        if order.buyer_id == demo_buyer_id:
            continue  # the demo buyer's account threads have their own conversations
        text = (f"Thanks for your first order, {order.buyer.name}! You can also order here by "
                "message — write what you need and we send back a draft to confirm.")
        with replay_at(order.created_at + timedelta(hours=5)):
            access = open_account_thread(_person(supplier, prefer_staff=True), order.buyer_id)
            note = post_message(access, text, client_id=f"demo-welcome-{order.buyer_id}")
            for person in _readers(order):
                partner = order.buyer_id if person.organization_id == supplier.id \
                    else supplier.id
                mark_read(open_account_thread(person, partner), note.payload["id"])


def _readers(order: Order) -> list[User]:
    """Everyone on both sides who reads the order's threads."""
    return [u for org in (order.buyer, order.supplier) for u in org.users
            if u.is_active and u.role is not Role.DRIVER]


def _on_demo_seeded(supplier: Organization, **kwargs: Any) -> None:
    seed_history_conversations(kwargs.get("history") or [])
    seed_account_notes(kwargs.get("history") or [], kwargs["buyer"].id)
    seed_conversations(supplier, kwargs["buyer"])
    seed_account_conversation(supplier, kwargs["buyer"])


def subscribe() -> None:
    signals.demo_seeded.connect(_on_demo_seeded, weak=False)
