"""Invoicing → notifications: receivers of `wholesale.signals`' invoicing signals (kwargs as
documented in wholesale/signals.py and docs/invoicing.md), run inside the transaction of
the change like every subscriber.

* `invoice_issued` → `invoice_issued`, `invoice_reminder_due` → `invoice_reminder`,
  `invoice_overdue` → `invoice_overdue`: to the buyer's billing contacts (the signal's
  `recipients`, else the invoice's billing snapshot). A contact who is a user of the buyer
  gets the channels of their preferences (SMS when they have a phone and chose it); any
  other address gets email unless the buyer organization's defaults turned the event off.
  The email carries the invoice PDF, **rendered when the row is written** and stored with
  it (`notification_attachments`): the message shows the invoice as it was issued (or as
  it stood on the reminder's day), even if it is paid or voided before the send. The PDF
  is rendered once per signal, and only when someone gets the email.
* `order_held_for_credit` → `credit_hold`, `order_credit_decided` → `credit_decided`: to
  the supplier's staff and the buyer's staff (not to whoever decided). A rejection cancels
  the order in the same transaction: a staff member who gets the rejection gets no
  separate "order cancelled" message (order contacts still get that one).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select

from messaging.notifications import links, payloads
from messaging.notifications.addresses import normalize_email, normalize_phone
from messaging.notifications.catalog import BUYER, SUPPLIER
from messaging.notifications.fanout import notify_order
from messaging.notifications.models import (
    Channel,
    Notification,
    NotificationEvent,
    RecipientKind,
    Status,
)
from messaging.notifications.outbox import Draft, enqueue
from messaging.notifications.preferences import load_choices, system_default
from messaging.notifications.recipients import Recipient
from messaging.providers import Attachment
from wholesale.accounts.models import User
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.transaction_state import lasts_one_transaction

log = logging.getLogger(__name__)

PDF = "application/pdf"
MAX_LINES = 8
# Notifications of an order's cancellation queued in the current transaction (ids), so
# the credit rejection that caused it can take their place.
CANCELLED_KEY = "messaging.notifications.cancelled"


# -- payloads ------------------------------------------------------------------------------


def money(amount: Any, currency: str = "") -> str:
    """`1,234.50 USD`."""
    value = Decimal(str(amount if amount is not None else "0"))
    return f"{value:,.2f} {currency}".strip()


def short_day(value: Any) -> str | None:
    """`Dec 29`."""
    if isinstance(value, datetime | date):
        return f"{value:%b} {value.day}"
    return None


def invoice_url(invoice_id: int) -> str:
    return f"{links.base_url()}/invoices/{invoice_id}"


def _terms_label(value: str) -> str:
    from wholesale.trading.models import PaymentTerms

    try:
        return PaymentTerms(value).label
    except ValueError:
        return value.replace("_", " ").capitalize()


def invoice_summary(invoice: Any) -> dict[str, Any]:
    """The invoice as the templates show it (plain values: it is stored in the payload)."""
    currency = invoice.currency
    lines = list(invoice.lines)
    seller = dict(invoice.seller or {})
    paid = (invoice.amount_paid or 0) + (invoice.amount_credited or 0)
    return {
        "id": invoice.id,
        "number": invoice.display_number,
        "status": payloads.plain(invoice.status),
        "issue_date": payloads.day(invoice.issue_date),
        "due_date": payloads.day(invoice.due_date),
        "due_short": short_day(invoice.due_date),
        "terms": _terms_label(str(invoice.payment_terms)),
        "po_number": invoice.po_number or None,
        "currency": currency,
        "subtotal": money(invoice.subtotal, currency),
        "tax_label": seller.get("tax_label") or "Tax",
        "tax_total": money(invoice.tax_total, currency),
        "total": money(invoice.total, currency),
        "paid": money(paid, currency) if paid else None,
        "balance": money(invoice.balance, currency),
        "lines": [{"name": line.name, "quantity": line.quantity, "unit": line.unit,
                   "amount": money(line.amount)} for line in lines[:MAX_LINES]],
        "more_lines": max(0, len(lines) - MAX_LINES),
        "seller": seller.get("name") or invoice.supplier.name,
        "seller_email": seller.get("email") or None,
        "payment_instructions": seller.get("payment_instructions") or None,
        "url": invoice_url(invoice.id),
    }


# -- billing contacts ----------------------------------------------------------------------


def billing_people(order: Order, addresses: Iterable[Any]) -> list[Recipient]:
    """The billing contacts: a user of the buyer when the address is theirs (active), else
    the address alone. Each address once."""
    wanted: list[str] = []
    for raw in addresses:
        address = normalize_email(str(raw)) if raw else None
        if address and address not in wanted:
            wanted.append(address)
    if not wanted:
        return []
    users = {
        normalize_email(u.email): u
        for u in db.session.scalars(
            select(User).where(User.organization_id == order.buyer_id,
                               User.deactivated_at.is_(None),
                               func.lower(User.email).in_(wanted))
            .execution_options(all_tenants=True))
    }
    people = []
    for address in wanted:
        user = users.get(address)
        if user is not None:
            people.append(Recipient(BUYER, user.name, address, normalize_phone(user.phone),
                                    user=user))
        else:
            people.append(Recipient(BUYER, "", address, None))
    return people


class _Pdf:
    """The invoice PDF, rendered on first use (when someone gets the email) and once."""

    def __init__(self, kwargs: dict[str, Any], invoice: Any) -> None:
        self.make = kwargs.get("pdf")
        self.filename = str(kwargs.get("filename") or f"{invoice.display_number}.pdf")
        self._done = False
        self._file: Attachment | None = None

    def files(self) -> tuple[Attachment, ...]:
        if not self._done:
            self._done = True
            self._file = self._render()
        return (self._file,) if self._file is not None else ()

    def _render(self) -> Attachment | None:
        if not callable(self.make):
            return None
        try:
            content = self.make()
        except Exception:  # the email still goes, with the invoice's link
            log.exception("could not render %s for the notification", self.filename)
            return None
        if not isinstance(content, bytes | bytearray) or not content:
            return None
        return Attachment(self.filename, PDF, bytes(content))


def notify_billing(order: Order, invoice: Any, event: str, event_key: str,
                   detail: dict[str, Any], recipients: Iterable[Any],
                   pdf: _Pdf | None = None) -> list[int]:
    """Queue `event` for the invoice's billing contacts, by their preferences."""
    people = billing_people(order, recipients)
    if not people:
        return []
    choices = load_choices((p.user.id for p in people if p.user), {order.buyer_id}, ())
    order_links = payloads.order_links(order.id)
    base = {
        "event": event,
        "order": payloads.order_summary(order),
        "invoice": invoice_summary(invoice),
        "detail": {k: payloads.plain(v) for k, v in detail.items()},
        "actor": None,
    }
    reply_to = (invoice.seller or {}).get("email") or None
    created: list[int] = []
    for person in people:
        for channel in (Channel.EMAIL, Channel.SMS):
            address = person.email if channel is Channel.EMAIL else person.phone
            if not address:
                continue
            if person.user is not None:
                wanted = choices.user_wants(person.user, event, channel)
                page_links = {**order_links, "invoice": base["invoice"]["url"],
                              **payloads.recipient_links(person.ref, event, channel.value,
                                                         True)}
            else:
                wanted = choices.orgs.get((order.buyer_id, event, channel.value),
                                          system_default(event, channel))
                page_links = {}
            if not wanted:
                continue
            payload = {**base, "recipient": {"name": person.name, "side": "billing"},
                       "links": page_links,
                       "reply_enabled": channel is Channel.EMAIL and person.user is not None}
            new_id = enqueue(Draft(
                event=event,
                event_key=event_key,
                channel=channel,
                address=address,
                organization_id=order.supplier_id,
                recipient_kind=RecipientKind.USER if person.user else RecipientKind.ADDRESS,
                recipient_name=person.name or address,
                recipient_side=BUYER,
                user_id=person.user.id if person.user else None,
                order_id=order.id,
                supplier_id=order.supplier_id,
                buyer_id=order.buyer_id,
                fallback_email=person.email if channel is Channel.SMS else None,
                payload=payload,
                attachments=pdf.files() if pdf is not None and channel is Channel.EMAIL
                else (),
                # Someone without an account answers the supplier's billing address.
                reply_to=reply_to if person.user is None else None,
            ))
            if new_id is not None:
                created.append(new_id)
    return created


def _recipients(invoice: Any, kwargs: dict[str, Any]) -> list[Any]:
    given = kwargs.get("recipients")
    if given is None:
        given = (invoice.bill_to or {}).get("emails") or []
    return list(given)


# -- receivers -----------------------------------------------------------------------------


def on_invoice_issued(sender: Any, order: Order, **kwargs: Any) -> None:
    invoice = kwargs.get("invoice")
    if invoice is None:
        return
    notify_billing(order, invoice, "invoice_issued", f"invoice_issued:{invoice.id}", {},
                   _recipients(invoice, kwargs), _Pdf(kwargs, invoice))


def on_invoice_reminder(sender: Any, order: Order, **kwargs: Any) -> None:
    invoice = kwargs.get("invoice")
    if invoice is None:
        return
    kind = str(kwargs.get("kind") or "due")
    on_date = kwargs.get("on_date")
    days_overdue = None
    if isinstance(on_date, date) and on_date > invoice.due_date:
        days_overdue = (on_date - invoice.due_date).days
    detail = {"kind": kind, "on_date": payloads.day(on_date), "days_overdue": days_overdue}
    key = f"invoice_reminder:{invoice.id}:{kind}:{payloads.plain(on_date)}"
    notify_billing(order, invoice, "invoice_reminder", key, detail,
                   _recipients(invoice, kwargs), _Pdf(kwargs, invoice))


def on_invoice_overdue(sender: Any, order: Order, **kwargs: Any) -> None:
    invoice = kwargs.get("invoice")
    if invoice is None:
        return
    detail = {"days_overdue": kwargs.get("days_overdue")}
    notify_billing(order, invoice, "invoice_overdue", f"invoice_overdue:{invoice.id}", detail,
                   _recipients(invoice, kwargs), _Pdf(kwargs, invoice))


def _hold_detail(hold: Any) -> dict[str, Any]:
    currency = getattr(hold, "currency", "") or ""
    values = {name: getattr(hold, name, None)
              for name in ("credit_limit", "open_receivables", "order_amount")}
    detail = {name: money(value, currency) if value is not None else None
              for name, value in values.items()}
    if values["open_receivables"] is not None and values["order_amount"] is not None:
        detail["exposure"] = money(values["open_receivables"] + values["order_amount"],
                                   currency)
    detail["holds_url"] = f"{links.base_url()}/invoices/holds"
    return detail


def on_held_for_credit(sender: Any, order: Order, **kwargs: Any) -> None:
    detail = _hold_detail(kwargs.get("hold"))
    notify_order(order, "credit_hold", f"credit_hold:{order.id}", detail,
                 sides={SUPPLIER, BUYER})


def on_credit_decided(sender: Any, order: Order, **kwargs: Any) -> None:
    approved = bool(kwargs.get("approved"))
    actor = kwargs.get("actor")
    actor = actor if isinstance(actor, User) else None
    detail = {**_hold_detail(kwargs.get("hold")), "approved": approved,
              "note": kwargs.get("note") or "", "decided_by": actor.name if actor else None}
    key = f"credit_decided:{order.id}:{'approved' if approved else 'rejected'}"
    ids = notify_order(order, "credit_decided", key, detail, actor=actor,
                       sides={SUPPLIER, BUYER})
    if not approved:
        _replace_cancellation(order.id, ids)


def remember_cancellation(order_id: int, ids: list[int]) -> None:
    """Called by the status subscriber for `order_cancelled` (this transaction only)."""
    if ids:
        db.session.info.setdefault(CANCELLED_KEY, {})[order_id] = ids


def _replace_cancellation(order_id: int, rejection_ids: list[int]) -> None:
    """The people told of the rejection are not also told of the cancellation it caused
    (same transaction: nothing of it was sent yet)."""
    cancelled = (db.session.info.get(CANCELLED_KEY) or {}).pop(order_id, None)
    if not cancelled or not rejection_ids:
        return
    n = Notification
    covered = set(db.session.execute(
        select(n.user_id, n.channel).where(n.id.in_(rejection_ids))).all())
    drop = [row.id for row in db.session.execute(
        select(n.id, n.user_id, n.channel).where(
            n.id.in_(cancelled), n.status.in_([Status.PENDING, Status.SUPPRESSED]),
            n.attempts == 0, n.user_id.is_not(None)))
        if (row.user_id, row.channel) in covered]
    if drop:
        db.session.execute(delete(NotificationEvent).where(
            NotificationEvent.notification_id.in_(drop)))
        db.session.execute(delete(Notification).where(Notification.id.in_(drop)))


lasts_one_transaction(CANCELLED_KEY)  # the ids belong to the transaction that wrote them
