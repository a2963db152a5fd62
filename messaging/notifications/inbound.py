"""Replies that come back by SMS or email land in the order's chat thread, through the chat
service (so they are stored once and appear live). STOP/START/HELP are honoured and kept.

An SMS goes to the thread of the sender's order: the one it names (`#42`, `GG-00042`), else
the order of the last text we sent to that number, else the sender's most recent open
order. When the number belongs to people of several organizations, or to the supplier's
staff (who have many orders), and nothing says which order, the sender is asked."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from sqlalchemy import or_, select

from messaging.chat import attachments as chat_attachments
from messaging.chat import services as chat
from messaging.chat.access import open_thread
from messaging.chat.attachments import StoredFile
from messaging.notifications.addresses import normalize_email, normalize_phone
from messaging.notifications.links import parse_reply_address
from messaging.notifications.models import Channel, InboundMessage, Notification
from messaging.notifications.payloads import order_number
from messaging.notifications.suppressions import lift, suppress
from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.orders.models import Order, OrderContact, OrderStatus
from wholesale.tenancy import as_tenant

log = logging.getLogger(__name__)

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT",
                        "REVOKE"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
HELP_TEXT = ("Ordertalk order updates. Reply to a text to write in your order's chat. "
             "Reply STOP to stop texts, START to get them again.")
START_TEXT = "You will get Ordertalk texts again. Reply STOP to stop them."
OPEN = (OrderStatus.PLACED, OrderStatus.RECEIVED, OrderStatus.PICKING, OrderStatus.PACKED,
        OrderStatus.SHIPPED)
_ORDER_REF = re.compile(r"(?:#\s?(\d{1,9})\b|\b([A-Za-z]{1,8}-\d{1,9})\b)")
SMS_CONTEXT = timedelta(days=14)


@dataclass(frozen=True)
class Inbound:
    outcome: str  # routed, stop, start, help, ambiguous, unmatched, duplicate, empty
    reply: str | None = None
    order_id: int | None = None
    message_id: int | None = None


def _seen(provider_id: str) -> InboundMessage | None:
    return db.session.scalars(
        select(InboundMessage).where(InboundMessage.provider_id == provider_id)).first()


def _log(provider_id: str, channel: str, address: str, result: Inbound) -> Inbound:
    db.session.add(InboundMessage(provider_id=provider_id[:255], channel=channel,
                                  address=address[:254], outcome=result.outcome,
                                  order_id=result.order_id, message_id=result.message_id,
                                  created_at=utcnow()))
    db.session.flush()
    return result


# -- SMS -------------------------------------------------------------------------------------


def handle_sms(from_number: str, body: str, provider_id: str) -> Inbound:
    with as_tenant(None):
        if _seen(provider_id) is not None:
            return Inbound("duplicate")
        phone = normalize_phone(from_number) or from_number
        result = _sms(phone, body.strip(), provider_id)
        return _log(provider_id, Channel.SMS.value, phone, result)


def _sms(phone: str, text: str, provider_id: str) -> Inbound:
    keyword = text.upper().strip(" .!")
    if keyword in STOP_WORDS:
        suppress(Channel.SMS.value, phone, "stop", "twilio")
        return Inbound("stop")
    if keyword in START_WORDS:
        lift(Channel.SMS.value, phone, "twilio")
        return Inbound("start", START_TEXT)
    if keyword in HELP_WORDS:
        return Inbound("help", HELP_TEXT)
    if not text:
        return Inbound("empty")
    users = _users_with_phone(phone)
    contacts = _contacts_with_phone(phone)
    order, user = _pick_order(phone, text, users, contacts)
    if order is None:
        visible = _open_orders(users, contacts)
        if visible or any(u.organization.is_supplier for u in users):
            numbers = ", ".join(order_number(o) for o in visible[:3])
            hint = f" ({numbers})" if numbers else ""
            return Inbound("ambiguous", "Thanks! Which order is this about? Reply with the "
                                        f"order number{hint}, e.g. #{_example(visible)}.")
        return Inbound("unmatched", "Sorry, we could not find an open order for this number. "
                                    "Please reply from the order's page in Ordertalk.")
    message_id = _post(order, user, phone, text, f"sms:{provider_id}", "SMS")
    return Inbound("routed", None, order.id, message_id)


def _example(orders: list[Order]) -> str:
    return str(orders[0].number) if orders and orders[0].number else "42"


def _digits_tail(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-4:]


def _users_with_phone(phone: str) -> list[User]:
    stmt = select(User).where(User.phone.is_not(None), User.deactivated_at.is_(None),
                              User.phone.like(f"%{_digits_tail(phone)}"))
    return [u for u in db.session.scalars(stmt) if normalize_phone(u.phone) == phone]


def _contacts_with_phone(phone: str) -> list[OrderContact]:
    stmt = select(OrderContact).where(OrderContact.phone.like(f"%{_digits_tail(phone)}"))
    return [c for c in db.session.scalars(stmt) if normalize_phone(c.phone) == phone]


def _open_orders(users: list[User], contacts: list[OrderContact]) -> list[Order]:
    """Open orders of the buyers among `users` and of `contacts`, newest first."""
    buyer_orgs = {u.organization_id for u in users if not u.organization.is_supplier}
    contact_orders = {c.order_id for c in contacts}
    if not buyer_orgs and not contact_orders:
        return []
    stmt = (
        select(Order)
        .where(Order.status.in_(OPEN),
               or_(Order.buyer_id.in_(buyer_orgs), Order.id.in_(contact_orders)))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(50)
    )
    return list(db.session.scalars(stmt))


def _may_write(order: Order, users: list[User], contacts: list[OrderContact]
               ) -> tuple[bool, User | None]:
    for user in users:
        if user.organization_id in (order.supplier_id, order.buyer_id):
            return True, user
    return any(c.order_id == order.id for c in contacts), None


def _pick_order(phone: str, text: str, users: list[User], contacts: list[OrderContact]
                ) -> tuple[Order | None, User | None]:
    for match in _ORDER_REF.finditer(text):
        order = _order_by_ref(match[1], match[2], users, contacts)
        if order is not None:
            return order, _may_write(order, users, contacts)[1]
    last = db.session.scalars(
        select(Notification.order_id)
        .where(Notification.channel == Channel.SMS, Notification.address == phone,
               Notification.order_id.is_not(None), Notification.sent_at.is_not(None),
               Notification.created_at >= utcnow() - SMS_CONTEXT)
        .order_by(Notification.sent_at.desc(), Notification.id.desc())
        .limit(1)).first()
    if last is not None:
        order = db.session.get(Order, last)
        if order is not None and order.status in OPEN:
            allowed, user = _may_write(order, users, contacts)
            if allowed:
                return order, user
    if len({u.organization_id for u in users}) > 1:
        return None, None  # a number shared across organizations: ask
    if any(u.organization.is_supplier for u in users):
        return None, None  # the supplier's staff have many orders: ask
    orders = _open_orders(users, contacts)
    if not orders:
        return None, None
    return orders[0], _may_write(orders[0], users, contacts)[1]


def _order_by_ref(number: str | None, display: str | None, users: list[User],
                  contacts: list[OrderContact]) -> Order | None:
    candidates: list[Order] = []
    orgs = {u.organization_id for u in users}
    if number and orgs:
        candidates = list(db.session.scalars(select(Order).where(
            Order.number == int(number),
            or_(Order.supplier_id.in_(orgs), Order.buyer_id.in_(orgs)))))
    for contact in contacts:
        order = db.session.get(Order, contact.order_id)
        if order is not None and (str(order.number) == number or (
                display and order_number(order).lower() == display.lower())):
            candidates.append(order)
    if display and orgs and not candidates:
        orders = db.session.scalars(select(Order).where(
            or_(Order.supplier_id.in_(orgs), Order.buyer_id.in_(orgs)),
            Order.number == int(display.split("-")[1])))
        candidates = [o for o in orders if order_number(o).lower() == display.lower()]
    unique = {o.id: o for o in candidates}
    return next(iter(unique.values())) if len(unique) == 1 else None


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
        if _seen(provider_id) is not None:
            return Inbound("duplicate")
        address = normalize_email(sender) or sender
        target = next((t for t in map(parse_reply_address, recipients) if t), None)
        if target is None:
            return _log(provider_id, Channel.EMAIL.value, address, Inbound("unmatched"))
        order = db.session.get(Order, target.order_id)
        if order is None:
            return _log(provider_id, Channel.EMAIL.value, address, Inbound("unmatched"))
        stored = _store(files)
        if not text and not stored:
            return _log(provider_id, Channel.EMAIL.value, address,
                        Inbound("empty", order_id=order.id))
        user = db.session.get(User, target.user_id) if target.user_id else None
        contact = None
        if target.contact_id:
            contact = db.session.get(OrderContact, target.contact_id)
            if contact is None or contact.order_id != order.id:
                return _log(provider_id, Channel.EMAIL.value, address, Inbound("unmatched"))
        if user is not None and (not user.is_active or user.organization_id not in (
                order.supplier_id, order.buyer_id)):
            return _log(provider_id, Channel.EMAIL.value, address, Inbound("unmatched"))
        if user is None and contact is None:
            return _log(provider_id, Channel.EMAIL.value, address, Inbound("unmatched"))
        body = text or ", ".join(f.filename for f in stored)
        client_id = "email:" + hashlib.sha256(provider_id.encode()).hexdigest()[:48]
        message_id = _post(order, user, address, body, client_id, "email", stored, contact)
        return _log(provider_id, Channel.EMAIL.value, address,
                    Inbound("routed", None, order.id, message_id))


def _store(files: list[IncomingFile]) -> list[StoredFile]:
    stored = []
    for item in files:
        try:
            stored.append(chat_attachments.store(item.stream, item.filename))
        except DomainError as exc:  # not an image or PDF, or too large: left out
            log.info("inbound attachment %s left out: %s", item.filename, exc.message)
    return stored
