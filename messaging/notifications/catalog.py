"""Every kind of notification: its label, who hears of it and the channels it goes out on
by default. Preferences (per user, per organization) override the defaults; contacts on an
order get the defaults on the channels they gave (email and/or phone)."""

from __future__ import annotations

from dataclasses import dataclass

from messaging.notifications.models import Channel

SUPPLIER = "supplier"
BUYER = "buyer"
CONTACT = "contact"

EMAIL_ONLY = frozenset({Channel.EMAIL})
EMAIL_AND_SMS = frozenset({Channel.EMAIL, Channel.SMS})


@dataclass(frozen=True)
class EventType:
    key: str
    label: str
    description: str
    # Who hears of it: the supplier's staff, the buyer's staff, the order's contacts.
    audience: frozenset[str]
    defaults: frozenset[Channel]
    # Shown on the preferences page (invitations are always sent).
    configurable: bool = True


_ALL = frozenset({SUPPLIER, BUYER, CONTACT})
_BUYERS = frozenset({BUYER, CONTACT})

EVENTS: dict[str, EventType] = {
    e.key: e
    for e in (
        EventType("order_placed", "Order placed", "A new order (or your confirmation).",
                  _ALL, EMAIL_ONLY),
        EventType("order_received", "Order received", "The supplier has received the order.",
                  _BUYERS, EMAIL_ONLY),
        EventType("order_picking", "Picking", "The order is being picked.", _BUYERS,
                  EMAIL_ONLY),
        EventType("order_packed", "Packed", "The order is packed.", _BUYERS, EMAIL_ONLY),
        EventType("order_shipped", "Shipped", "The order left, with its tracking.", _BUYERS,
                  EMAIL_AND_SMS),
        EventType("order_delivered", "Delivered", "The order was delivered.", _BUYERS,
                  EMAIL_ONLY),
        EventType("order_cancelled", "Cancelled", "The order was cancelled.", _ALL,
                  EMAIL_ONLY),
        EventType("order_delayed", "Delayed", "The order is late, with the new ETA.",
                  _BUYERS, EMAIL_AND_SMS),
        EventType("delivery_change_requested", "Delivery change requested",
                  "The other side asks for another delivery date or place.", _ALL,
                  EMAIL_AND_SMS),
        EventType("delivery_change_accepted", "Delivery change accepted",
                  "A delivery change was accepted.", _ALL, EMAIL_AND_SMS),
        EventType("delivery_change_declined", "Delivery change declined",
                  "A delivery change was declined.", _ALL, EMAIL_AND_SMS),
        EventType("order_expedited", "Expedite requested", "Someone asked to hurry an order.",
                  frozenset({SUPPLIER, BUYER}), EMAIL_ONLY),
        EventType("backorder_ready", "Backorder ready", "A backorder is in stock and ready.",
                  _BUYERS, EMAIL_ONLY),
        EventType("order_late", "Order late", "An order passed its delivery date.",
                  frozenset({SUPPLIER, BUYER}), EMAIL_ONLY),
        EventType("delivery_window", "Delivery window",
                  "Your delivery is on its way, with its arrival window.", _BUYERS,
                  EMAIL_AND_SMS),
        EventType("delivery_near", "Driver nearby", "The driver is a couple of stops away.",
                  _BUYERS, EMAIL_AND_SMS),
        EventType("delivery_late", "Delivery running late",
                  "The driver will reach you after your receiving window.", _BUYERS,
                  EMAIL_AND_SMS),
        EventType("delivery_problem", "Delivery problem",
                  "A driver could not deliver (closed, refused, damaged, short).",
                  frozenset({SUPPLIER}), EMAIL_AND_SMS),
        EventType("shipment_problem", "Shipment problem",
                  "The carrier could not deliver a shipment, or is sending it back.",
                  frozenset({SUPPLIER}), EMAIL_AND_SMS),
        EventType("shipment_voided", "Shipment cancelled",
                  "A shipment you were told of did not leave (its label was refunded).",
                  _BUYERS, EMAIL_AND_SMS),
        EventType("chat_digest", "Unread chat messages",
                  "Messages in an order's chat you have not read for a few minutes.", _ALL,
                  EMAIL_ONLY),
        # Invoicing: to the buyer's billing contacts (users among them by their
        # preferences, other addresses by the buyer organization's defaults).
        EventType("invoice_issued", "Invoice issued",
                  "A new invoice, with its PDF attached (to billing contacts).",
                  frozenset({BUYER}), EMAIL_ONLY),
        EventType("invoice_reminder", "Payment reminder",
                  "An invoice is due soon, due today or still unpaid (to billing contacts).",
                  frozenset({BUYER}), EMAIL_ONLY),
        EventType("invoice_overdue", "Invoice overdue",
                  "An invoice went past its due date unpaid (to billing contacts).",
                  frozenset({BUYER}), EMAIL_ONLY),
        EventType("credit_hold", "Held for credit approval",
                  "An order over the buyer's credit limit waits for the supplier.",
                  frozenset({SUPPLIER, BUYER}), EMAIL_ONLY),
        EventType("credit_decided", "Credit approved or rejected",
                  "The supplier approved or rejected an order held for credit.",
                  frozenset({SUPPLIER, BUYER}), EMAIL_ONLY),
        # Standing orders (messaging/notifications/standing.py): account-level, no order yet.
        EventType("standing_order_reminder", "Standing order reminder",
                  "Before the cut-off: the standing order about to be placed (reply SKIP or "
                  "with changes).", frozenset({BUYER}), EMAIL_AND_SMS),
        EventType("standing_order_failed", "Standing order not placed",
                  "A standing order could not be placed at the cut-off, and why.",
                  frozenset({SUPPLIER, BUYER}), EMAIL_ONLY),
        EventType("invitation", "Invitation", "An invitation to Ordertalk.", frozenset(),
                  EMAIL_ONLY, configurable=False),
        # A purchase order to a vendor (no account): always sent, email with its PDF
        # and an SMS heads-up when the vendor has a phone.
        EventType("purchase_order", "Purchase order", "A purchase order to a vendor.",
                  frozenset(), EMAIL_AND_SMS, configurable=False),
        EventType("purchase_order_message", "Message to a vendor",
                  "What the staff wrote to a vendor in a purchase order's thread.",
                  frozenset(), EMAIL_AND_SMS, configurable=False),
        EventType("purchase_order_rescheduled", "Purchase order date moved",
                  "A vendor's new date for a purchase order, and the customer orders "
                  "waiting for it (to the supplier's other staff).", frozenset({SUPPLIER}),
                  EMAIL_ONLY, configurable=False),
        # Sent on the channel the buyer wrote on, to the one who wrote (not by preference).
        EventType("draft_reply", "Order by message", "The draft read from an order you "
                  "sent by SMS or email, and its confirmation.", frozenset({BUYER}),
                  EMAIL_AND_SMS, configurable=False),
    )
}

# An order reaching a status → the event of that status.
STATUS_EVENTS: dict[str, str] = {
    "received": "order_received",
    "picking": "order_picking",
    "packed": "order_packed",
    "shipped": "order_shipped",
    "delivered": "order_delivered",
    "cancelled": "order_cancelled",
}


def configurable_events() -> list[EventType]:
    return [e for e in EVENTS.values() if e.configurable]


def events_for(side: str) -> list[EventType]:
    """The events someone of this side (supplier or buyer) can hear of."""
    return [e for e in configurable_events() if side in e.audience]
