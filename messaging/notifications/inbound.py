"""Replies that come back by SMS or email land in a chat thread — an order's, or the account
thread of a buyer and a supplier (where a buyer's text is read as an order: ordering by
SMS and email) — through the chat service (so they are stored once, appear live and reach
the intake). STOP/START/HELP are honoured and kept.

Routing an SMS (docs/notifications.md, "Where a reply goes"): `route_sms` returns the
thread to post into (and as whom), or the orders or suppliers to ask about, or nothing. A
reply never lands in a thread the sender's organization cannot see: a number that belongs
to a user is that user (their organization must be a side of the thread), whatever order
contacts carry the same number; a number of no user is the order contact it is, for their
order (contacts have no account thread: only registered users order by SMS).

An email reply names its thread in the signed reply address (`order+…`, `acct+…`); it is
posted only when its From address belongs to someone on that thread, or received that
thread's emails — any other sender's reply is held (kept, not posted).

Each provider message is handled once: its id is claimed (inserted, ON CONFLICT DO
NOTHING) before anything else, so a webhook delivered twice — even at the same moment —
posts once; the second waits for the first's commit and answers "duplicate"."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import IO

from sqlalchemy import ColumnElement, or_, select

from messaging.chat import attachments as chat_attachments
from messaging.chat import services as chat
from messaging.chat.access import ensure_account_thread, open_thread, open_thread_by_id
from messaging.chat.attachments import StoredFile
from messaging.chat.models import Thread, ThreadKind
from messaging.chat.upsert import insert
from messaging.notifications import reply_context, vendor_replies
from messaging.notifications.addresses import normalize_email, normalize_phone
from messaging.notifications.links import (
    AccountReplyTarget,
    account_reply_address,
    parse_account_reply_address,
    parse_purchase_order_reply_address,
    parse_reply_address,
)
from messaging.notifications.models import (
    Channel,
    InboundMessage,
    Notification,
    RecipientKind,
)
from messaging.notifications.payloads import order_number
from messaging.notifications.suppressions import lift, suppress
from wholesale.accounts.models import Organization, User
from wholesale.db import utcnow
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.intake import services as intake
from wholesale.orders.models import Order, OrderContact, OrderStatus
from wholesale.tenancy import as_tenant
from wholesale.trading.models import TradingRelationship

log = logging.getLogger(__name__)

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT",
                        "REVOKE"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
HELP_TEXT = ("Ordertalk order updates. Reply to a text to write in your order's chat. "
             "Reply STOP to stop texts, START to get them again.")
START_TEXT = "You will get Ordertalk texts again. Reply STOP to stop them."
UNMATCHED_TEXT = ("Sorry, we could not find an open order for this number. "
                  "Please reply from the order's page in Ordertalk.")
OPEN = (OrderStatus.PLACED, OrderStatus.RECEIVED, OrderStatus.PICKING, OrderStatus.PACKED,
        OrderStatus.SHIPPED)
_ORDER_REF = re.compile(r"(?:#\s?(\d{1,9})\b|\b([A-Za-z]{1,8}-\d{1,9})\b)")
# A text that is only an order reference: the answer to "which order?" (bare digits too).
_ANSWER = re.compile(r"^\s*(?:#\s?(\d{1,9})|([A-Za-z]{1,8}-\d{1,9})|(\d{1,9}))\s*[.!]?\s*$")
# The answer to "which supplier?": its number in the list.
_CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.!)]?\s*$")
# How long texts we asked about wait for the sender's answer.
ASK_WINDOW = timedelta(hours=24)
ASK_LIST = 3  # order numbers named in the question


@dataclass(frozen=True)
class Inbound:
    # routed, answer, stop, start, help, ambiguous, ask_supplier, unmatched, duplicate,
    # empty, held
    outcome: str
    reply: str | None = None
    order_id: int | None = None
    message_id: int | None = None
    body: str | None = None  # kept for a message not posted (ambiguous, held)
    thread_id: int | None = None  # the account thread it was posted in
    purchase_order_id: int | None = None  # a vendor's reply: the PO whose thread it is


def _claim(provider_id: str, channel: str, address: str) -> int | None:
    """Take the provider message for this transaction (its row, outcome `received` until
    `_log`); None when it was handled before — or by a concurrent delivery, whose commit
    this waits for (the unique provider id)."""
    return db.session.scalar(
        insert(InboundMessage)
        .values(provider_id=provider_id[:255], channel=channel, address=address[:254],
                outcome="received", created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["provider_id"])
        .returning(InboundMessage.id))


def _log(row_id: int, result: Inbound) -> Inbound:
    row = db.session.get(InboundMessage, row_id)
    assert row is not None
    row.outcome, row.order_id = result.outcome, result.order_id
    row.message_id, row.body = result.message_id, result.body
    db.session.flush()
    return result


# -- SMS: who is texting, and where it goes ----------------------------------------------------


@dataclass(frozen=True)
class Sender:
    """An SMS sender: the active users with that number (then they are who texts), else
    the order contacts with it."""

    phone: str
    our_number: str | None
    users: list[User] = field(default_factory=list)
    contacts: list[OrderContact] = field(default_factory=list)

    @property
    def org_ids(self) -> set[int]:
        return {u.organization_id for u in self.users}

    @property
    def is_supplier_staff(self) -> bool:
        return any(u.organization.is_supplier for u in self.users)


@dataclass(frozen=True)
class Target:
    """Post into `order`'s thread as `user`, or (no account) as `contact`'s reply."""

    order: Order
    user: User | None = None
    contact: OrderContact | None = None
    named: bool = False  # the text named the order

    @property
    def organization_id(self) -> int:
        return self.user.organization_id if self.user else self.order.buyer_id


@dataclass(frozen=True)
class Ask:
    """Not sure which order: ask the sender, naming these (their own) orders."""

    orders: list[Order]


@dataclass(frozen=True)
class AccountTarget:
    """Post into the account thread of `supplier_id` and `user`'s (buyer) organization, as
    `user`: the intake reads it (ordering by SMS)."""

    thread_id: int
    supplier_id: int
    user: User


@dataclass(frozen=True)
class Partner:
    """A supplier the sender's (buyer) organization trades with, and the sender as a user
    of that organization."""

    user: User
    supplier: Organization


@dataclass(frozen=True)
class AskSupplier:
    """A buyer's text, and nothing tells which of their suppliers it is for: ask, listing
    them all (numbered, by name)."""

    partners: list[Partner]


Route = Target | AccountTarget | Ask | AskSupplier | None  # None: nothing fits


def route_sms(sender: Sender, text: str) -> Route:
    """Where a text goes: the order it names (among those the sender may write in); else
    the thread of the latest SMS we sent to the number in this conversation (an order's,
    or an account thread), when the sender may write there — for an order, if not, ask;
    else the sender's own organization's threads."""
    named = _named_order(sender, text)
    if named is not None:
        return named
    context = reply_context.latest(sender.phone, sender.our_number)
    if context is not None and context.thread_id is not None:
        account = _account_writer(context.thread_id, sender)
        # Not theirs (the number changed hands): their own organization's threads only.
        return account if account is not None else _own_organization(sender, text)
    if context is not None and context.order_id is not None:
        order = db.session.get(Order, context.order_id)
        target = _writer(order, sender) if order is not None else None
        if target is not None:
            return target
        # Our last text to this number was about an order the sender may not write in
        # (the number is a contact there, or changed hands): don't guess, ask.
        return _ask(sender)
    return _own_organization(sender, text)


def _own_organization(sender: Sender, text: str) -> Route:
    """No context. The supplier's staff (many orders): ask. A buyer's text that reads as an
    order for exactly one of their suppliers: that account thread (for several: ask which
    supplier). Else the one open order of the sender's organization (or, for a contact, of
    which they are a contact); several: ask. None open: the buyer's account thread with
    their only supplier, else ask which supplier."""
    if sender.is_supplier_staff:
        return _ask(sender)  # the supplier's staff have many orders
    partners = _partners(sender)
    ordering = [p for p in partners if _reads_as_order(p, text)]
    if len(ordering) == 1:
        return _account(ordering[0])
    if ordering:
        return AskSupplier(partners)
    orders = _open_orders(sender)
    if len(orders) == 1:
        return _writer(orders[0], sender)
    if orders:
        return Ask(orders)
    if len(partners) == 1:
        return _account(partners[0])
    return AskSupplier(partners) if partners else None


def _partners(sender: Sender) -> list[Partner]:
    """The suppliers of the sender's buyer organizations, by name (the order we list them
    in when we ask)."""
    buyers = {u.organization_id: u for u in sender.users if not u.organization.is_supplier}
    if not buyers:
        return []
    stmt = (select(TradingRelationship, Organization)
            .join(Organization, Organization.id == TradingRelationship.supplier_id)
            .where(TradingRelationship.buyer_id.in_(buyers))
            .order_by(Organization.name, Organization.id))
    return [Partner(buyers[rel.buyer_id], supplier)
            for rel, supplier in db.session.execute(stmt)]


def _reads_as_order(partner: Partner, text: str) -> bool:
    return intake.read_for(partner.supplier.id, partner.user.organization_id, text).is_order


def _account(partner: Partner) -> AccountTarget:
    thread = ensure_account_thread(partner.supplier.id, partner.user.organization_id)
    return AccountTarget(thread.id, thread.supplier_id, partner.user)


def _account_writer(thread_id: int, sender: Sender) -> AccountTarget | None:
    """The sender as a user of the buyer organization of that account thread, if they are."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.kind is not ThreadKind.ACCOUNT:
        return None
    user = next((u for u in sender.users if u.organization_id == thread.buyer_id), None)
    return AccountTarget(thread.id, thread.supplier_id, user) if user is not None else None


def _ask(sender: Sender) -> Ask | None:
    orders = _open_orders(sender)
    return Ask(orders) if orders or sender.is_supplier_staff else None


def _writer(order: Order, sender: Sender) -> Target | None:
    """Who the sender is in `order`'s thread, if they may write there: a user of one of
    its two organizations; for a number of no user, a contact of that order. A contact
    entry never stands for a registered user."""
    if sender.users:
        user = next((u for u in sender.users
                     if u.organization_id in (order.supplier_id, order.buyer_id)), None)
        return Target(order, user=user) if user is not None else None
    contact = next((c for c in sender.contacts if c.order_id == order.id), None)
    return Target(order, contact=contact) if contact is not None else None


def _visible(sender: Sender) -> ColumnElement[bool]:
    """Orders the sender may write in: their organizations' (a user), or those they are a
    contact of (a number of no user)."""
    if sender.users:
        orgs = sender.org_ids
        return or_(Order.supplier_id.in_(orgs), Order.buyer_id.in_(orgs))
    return Order.id.in_({c.order_id for c in sender.contacts} or {0})


def _open_orders(sender: Sender) -> list[Order]:
    """The sender's open orders, newest first."""
    if not sender.users and not sender.contacts:
        return []
    stmt = (select(Order).where(Order.status.in_(OPEN), _visible(sender))
            .order_by(Order.created_at.desc(), Order.id.desc()).limit(50))
    return list(db.session.scalars(stmt))


def _named_order(sender: Sender, text: str) -> Target | None:
    for match in _ORDER_REF.finditer(text):
        order = _order_by_ref(sender, match[1], match[2])
        target = _writer(order, sender) if order is not None else None
        if target is not None:
            return replace(target, named=True)
    return None


def _order_by_ref(sender: Sender, number: str | None, display: str | None) -> Order | None:
    """The one order the sender may write in with that number (`42`) or display number
    (`GG-00042`); None when none or several match."""
    if not sender.users and not sender.contacts:
        return None
    value = int(number) if number else int(display.split("-")[1]) if display else None
    if value is None:
        return None
    candidates = [
        o for o in db.session.scalars(select(Order).where(Order.number == value,
                                                          _visible(sender)))
        if number or order_number(o).lower() == (display or "").lower()]
    return candidates[0] if len(candidates) == 1 else None


def _sender(phone: str, our_number: str | None) -> Sender:
    tail = re.sub(r"\D", "", phone)[-4:]
    users = [u for u in db.session.scalars(
        select(User).where(User.phone.is_not(None), User.deactivated_at.is_(None),
                           User.phone.like(f"%{tail}")))
        if normalize_phone(u.phone) == phone]
    if users:
        return Sender(phone, our_number, users=users)
    contacts = [c for c in db.session.scalars(
        select(OrderContact).where(OrderContact.phone.like(f"%{tail}")))
        if normalize_phone(c.phone) == phone]
    return Sender(phone, our_number, contacts=contacts)


# -- SMS: handling -----------------------------------------------------------------------------


def handle_sms(from_number: str, body: str, provider_id: str, to_number: str | None = None
               ) -> Inbound:
    """`to_number`: our number the text was sent to (Twilio's `To`)."""
    with as_tenant(None):
        phone = normalize_phone(from_number) or from_number
        row_id = _claim(provider_id, Channel.SMS.value, phone)
        if row_id is None:
            return Inbound("duplicate")
        result = _sms(phone, normalize_phone(to_number), body.strip(), provider_id)
        return _log(row_id, result)


def _sms(phone: str, our_number: str | None, text: str, provider_id: str) -> Inbound:
    keyword = text.upper().strip(" .!")
    if keyword in STOP_WORDS:
        suppress(Channel.SMS.value, phone, "stop", "twilio")
        return Inbound("stop")
    # "YES" from a number that never opted out is an OK when it answers an account
    # conversation (a draft order); otherwise it is the opt-in keyword, as ever.
    confirming = keyword == "YES"
    if keyword in START_WORDS and (lift(Channel.SMS.value, phone, "twilio")
                                   or not confirming):
        return Inbound("start", START_TEXT)
    if keyword in HELP_WORDS:
        return Inbound("help", HELP_TEXT)
    if not text:
        return Inbound("empty")
    sender = _sender(phone, our_number)
    if not sender.users:
        vendor = vendor_replies.sms(phone, text)
        if vendor is not None:
            return Inbound(vendor.outcome, purchase_order_id=vendor.purchase_order_id)
    answered = None if confirming else _answer(sender, text)
    if answered is not None:
        return answered
    route = route_sms(sender, text)
    if confirming and not isinstance(route, AccountTarget):
        return Inbound("start", START_TEXT)
    if isinstance(route, AccountTarget):
        _remember_account(sender, route)
        message_id = _post_account(route, text, f"sms:{provider_id}")
        return Inbound("routed", None, None, message_id, thread_id=route.thread_id)
    if isinstance(route, Target):
        if route.named:
            _remember(sender, route)
        message_id = _post_target(route, phone, text, f"sms:{provider_id}")
        return Inbound("routed", None, route.order.id, message_id)
    if isinstance(route, Ask):
        return Inbound("ambiguous", _question(route.orders), body=text)
    if isinstance(route, AskSupplier):
        return Inbound("ask_supplier", _supplier_question(route.partners), body=text)
    return Inbound("unmatched", UNMATCHED_TEXT)


def _supplier_question(partners: list[Partner]) -> str:
    options = " ".join(f"{n}) {p.supplier.name}" for n, p in enumerate(partners, 1))
    return f"Thanks! Which supplier is this for? Reply {options}"


def _question(orders: list[Order]) -> str:
    numbers = ", ".join(order_number(o) for o in orders[:ASK_LIST])
    hint = f" ({numbers})" if numbers else ""
    example = orders[0].number if orders and orders[0].number else 42
    return ("Thanks! Which order is this about? Reply with the order number"
            f"{hint}, e.g. #{example}.")


def _held(sender: Sender, outcome: str) -> list[InboundMessage]:
    """The sender's texts we asked about (`outcome`) within ASK_WINDOW, oldest first."""
    return list(db.session.scalars(
        select(InboundMessage)
        .where(InboundMessage.channel == Channel.SMS.value,
               InboundMessage.address == sender.phone, InboundMessage.outcome == outcome,
               InboundMessage.body.is_not(None),
               InboundMessage.created_at >= utcnow() - ASK_WINDOW)
        .order_by(InboundMessage.id)))


def _answer(sender: Sender, text: str) -> Inbound | None:
    """A text that is only a number (or order reference), after we asked which supplier
    (or order): the texts we held land in that account thread (or order, if the sender may
    write there) and it is the context from now on. None when it is no answer (then it is
    routed as any text)."""
    chosen = _supplier_answer(sender, text)
    if chosen is not None:
        return chosen
    match = _ANSWER.match(text)
    if match is None:
        return None
    held = _held(sender, "ambiguous")
    if not held:
        return None
    order = _order_by_ref(sender, match[1] or match[3], match[2])
    target = _writer(order, sender) if order is not None else None
    if target is None:
        return Inbound("ambiguous", _question(_open_orders(sender)))
    _remember(sender, target)
    message_id = None
    for row in held:
        message_id = _post_target(target, sender.phone, row.body or "",
                                  f"sms:{row.provider_id}")
        row.outcome, row.order_id, row.message_id = "routed", target.order.id, message_id
    return Inbound("answer", None, target.order.id, message_id)


def _supplier_answer(sender: Sender, text: str) -> Inbound | None:
    """The number of a supplier, after we asked which one: the held texts land in that
    account thread."""
    match = _CHOICE.match(text)
    if match is None:
        return None
    held = _held(sender, "ask_supplier")
    if not held:
        return None
    partners = _partners(sender)
    number = int(match[1])
    if not 1 <= number <= len(partners):
        return Inbound("ask_supplier", _supplier_question(partners))
    target = _account(partners[number - 1])
    _remember_account(sender, target)
    message_id = None
    for row in held:
        message_id = _post_account(target, row.body or "", f"sms:{row.provider_id}")
        row.outcome, row.message_id = "routed", message_id
    return Inbound("answer", None, None, message_id, thread_id=target.thread_id)


def _remember(sender: Sender, target: Target) -> None:
    """The sender chose this order: their next texts go there too (until we text them
    about another order)."""
    latest = reply_context.latest(sender.phone, sender.our_number)
    if latest is not None and latest.order_id == target.order.id:
        return
    reply_context.record_choice(
        sender.phone, sender.our_number, target.organization_id, order_id=target.order.id,
        user_id=target.user.id if target.user else None,
        contact_id=target.contact.id if target.contact else None)


def _remember_account(sender: Sender, target: AccountTarget) -> None:
    """The sender's text went to this account thread: so do their next ones (a "YES"
    before our answer is even sent), until we text them about an order."""
    latest = reply_context.latest(sender.phone, sender.our_number)
    if latest is not None and latest.thread_id == target.thread_id:
        return
    reply_context.record_choice(sender.phone, sender.our_number,
                                target.user.organization_id, thread_id=target.thread_id,
                                user_id=target.user.id)


def _post_account(target: AccountTarget, text: str, client_id: str) -> int:
    """As the buyer's message in their account thread: read by the intake (source sms)."""
    access = open_thread_by_id(target.user, target.thread_id)
    return chat.post_message(access, text, client_id=client_id[:64], source="sms").id


def _post_target(target: Target, address: str, text: str, client_id: str) -> int | None:
    return _post(target.order, target.user, address, text, client_id, "SMS",
                 contact=target.contact)


# -- posting ---------------------------------------------------------------------------------


def _post(order: Order, user: User | None, address: str, text: str, client_id: str,
          via: str, files: list[StoredFile] | None = None,
          contact: OrderContact | None = None) -> int | None:
    """Into the thread: as the user's message, or — a contact has no account — as an
    event line naming them."""
    if user is not None:
        access = open_thread(user, order.id)
        posted = chat.post_message(access, text, client_id=client_id[:64], files=files or [])
        return posted.message.id
    if contact is None:
        contact = next((c for c in order.contacts if normalize_phone(c.phone) == address
                        or normalize_email(c.email) == address), None)
    name = contact.name if contact else address
    message = chat.post_event(order, event_type="contact_reply",
                              body=f"{name} replied by {via}: {text}",
                              data={"contact": name, "channel": via.lower()})
    return message.id


# -- email -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    stream: IO[bytes]


def email_provider_id(message_id: str | None, sender: str, subject: str, text: str) -> str:
    if message_id and message_id.strip():
        return "email:" + message_id.strip()[:240]
    digest = hashlib.sha256(f"{sender}\n{subject}\n{text}".encode()).hexdigest()
    return "email:" + digest


def handle_email(recipients: list[str], sender: str, text: str, provider_id: str,
                 files: list[IncomingFile]) -> Inbound:
    with as_tenant(None):
        address = normalize_email(sender) or sender
        row_id = _claim(provider_id, Channel.EMAIL.value, address)
        if row_id is None:
            return Inbound("duplicate")
        result = _email(recipients, address, text, provider_id, files)
        return _log(row_id, result)


def _email(recipients: list[str], address: str, text: str, provider_id: str,
           files: list[IncomingFile]) -> Inbound:
    target = next((t for t in map(parse_reply_address, recipients) if t), None)
    if target is None:
        po = next((t for t in map(parse_purchase_order_reply_address, recipients) if t), None)
        if po is not None:
            vendor = vendor_replies.email(po, address, text, [f.filename for f in files])
            return Inbound(vendor.outcome, body=vendor.body,
                           purchase_order_id=vendor.purchase_order_id)
        account = next((t for t in map(parse_account_reply_address, recipients) if t), None)
        if account is not None:
            return _account_email(account, address, text, provider_id, files)
    order = db.session.get(Order, target.order_id) if target is not None else None
    if order is None:
        return Inbound("unmatched")
    if not text and not files:
        return Inbound("empty", order_id=order.id)
    writer = _email_writer(order, address)
    if writer is None:
        # The reply address was forwarded or leaked: keep the text, post nothing.
        log.warning("inbound email for order %s from %s held: not on the order", order.id,
                    address)
        return Inbound("held", order_id=order.id, body=_held_email(text, files))
    stored = _store(files)
    if not text and not stored:
        return Inbound("empty", order_id=order.id)
    body = text or ", ".join(f.filename for f in stored)
    message_id = _post(order, writer.user, address, body, _email_client_id(provider_id),
                       "email", stored, writer.contact)
    return Inbound("routed", None, order.id, message_id)


def _email_client_id(provider_id: str) -> str:
    return "email:" + hashlib.sha256(provider_id.encode()).hexdigest()[:48]


def _held_email(text: str, files: list[IncomingFile]) -> str:
    names = ", ".join(f.filename for f in files)
    return text + (f"\n[attachments not kept: {names}]" if names else "")


def _account_email(target: AccountReplyTarget, address: str, text: str, provider_id: str,
                   files: list[IncomingFile]) -> Inbound:
    """A reply to `acct+<token>@…`: into that account thread, as the user of either
    organization the From address is (a buyer's text goes to the intake: ordering by
    email); anyone else's is held."""
    thread = db.session.get(Thread, target.thread_id)
    if thread is None or thread.kind is not ThreadKind.ACCOUNT:
        return Inbound("unmatched")
    if not text and not files:
        return Inbound("empty", thread_id=thread.id)
    writer = _account_email_writer(thread, target, address)
    if writer is None:
        log.warning("inbound email for account thread %s from %s held: not a party",
                    thread.id, address)
        return Inbound("held", body=_held_email(text, files), thread_id=thread.id)
    stored = _store(files)
    if not text and not stored:
        return Inbound("empty", thread_id=thread.id)
    access = open_thread_by_id(writer, thread.id)
    posted = chat.post_message(access, text or ", ".join(f.filename for f in stored),
                               client_id=_email_client_id(provider_id), files=stored,
                               source="email")
    return Inbound("routed", None, None, posted.id, thread_id=thread.id)


def _account_email_writer(thread: Thread, target: AccountReplyTarget, address: str
                          ) -> User | None:
    """The active user with the From address, if their organization is a side of the
    thread; else the user the reply address was made for, if this thread's emails were
    sent to them at that address (they changed address since) and they still are."""
    parties = (thread.supplier_id, thread.buyer_id)
    user = db.session.scalars(select(User).where(
        User.email == address, User.deactivated_at.is_(None))).first()
    if user is not None and user.organization_id in parties:
        return user
    recipient = db.session.get(User, target.user_id)
    if recipient is None or not recipient.is_active or recipient.organization_id not in parties:
        return None
    sent = db.session.scalar(
        select(Notification.id)
        .where(Notification.channel == Channel.EMAIL, Notification.address == address,
               Notification.user_id == recipient.id, Notification.sent_at.is_not(None),
               Notification.reply_to == account_reply_address(thread.id, recipient.id))
        .limit(1))
    return recipient if sent is not None else None


def _email_writer(order: Order, address: str) -> Target | None:
    """Who an emailed reply to `order`'s thread is from, judged by its From address (the
    reply token only names the order): an active user of one of the order's organizations,
    else a contact of the order, else whoever this thread's emails were sent to at that
    address (a user whose address changed since, a billing address), if they may still
    write there. None: hold it."""
    parties = (order.supplier_id, order.buyer_id)
    user = db.session.scalars(select(User).where(
        User.email == address, User.deactivated_at.is_(None))).first()
    if user is not None and user.organization_id in parties:
        return Target(order, user=user)
    contact = next((c for c in order.contacts if normalize_email(c.email) == address), None)
    if contact is not None:
        return Target(order, contact=contact)
    sent = db.session.scalars(
        select(Notification)
        .where(Notification.order_id == order.id, Notification.channel == Channel.EMAIL,
               Notification.address == address, Notification.sent_at.is_not(None))
        .order_by(Notification.id.desc()).limit(20))
    for row in sent:
        if row.user_id is not None:
            recipient = db.session.get(User, row.user_id)
            if recipient is not None and recipient.is_active and \
                    recipient.organization_id in parties:
                return Target(order, user=recipient)
        elif row.contact_id is None and row.recipient_kind is RecipientKind.ADDRESS:
            return Target(order)  # posted as the address's reply
    return None


def _store(files: list[IncomingFile]) -> list[StoredFile]:
    stored = []
    for item in files:
        try:
            stored.append(chat_attachments.store(item.stream, item.filename))
        except DomainError as exc:  # not an image or PDF, or too large: left out
            log.info("inbound attachment %s left out: %s", item.filename, exc.message)
    return stored
