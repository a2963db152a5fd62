"""Standing orders → the account thread and notifications (receivers of the
`standing_order_*` signals, in the transaction of the change):

* `standing_order_reminder`: a card in the account thread ("Tomorrow's standing order: …
  Reply SKIP to skip it, or tell me what to change.") and `standing_order_reminder` to the
  buyer's staff on their preferred channels; an email reply goes to the account thread.
* `standing_order_placed`: a card in the account thread naming the order (the order's own
  `order_placed` notifications go out as for any order).
* `standing_order_failed`: a card with the reason, and `standing_order_failed` to both
  sides' staff.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from messaging.chat.access import ensure_account_thread, ref_of
from messaging.notifications import links, payloads
from messaging.notifications.addresses import normalize_email, normalize_phone
from messaging.notifications.catalog import BUYER, SUPPLIER
from messaging.notifications.models import Channel, RecipientKind
from messaging.notifications.outbox import Draft, enqueue
from messaging.notifications.preferences import load_choices
from wholesale import signals
from wholesale.accounts.models import Organization, User
from wholesale.extensions import db
from wholesale.orders import rules as ordering_rules
from wholesale.orders.models import Order
from wholesale.standing.models import StandingOccurrence, StandingOrder
from wholesale.tenancy import as_tenant


def when(delivery_on: date, cutoff_at: datetime, zone: Any) -> str:
    """"Tomorrow's" / "Friday's" / "Fri Mar 7's", seen from the day of the reminder."""
    local_day = cutoff_at.astimezone(zone).date()
    ahead = (delivery_on - local_day).days
    if ahead == 0:
        return "Today's"
    if ahead == 1:
        return "Tomorrow's"
    if 1 < ahead < 7:
        return f"{delivery_on:%A}'s"
    return f"{delivery_on:%a %b} {delivery_on.day}'s"


def reminder_text(occurrence: StandingOccurrence, summary: str, cutoff_at: datetime) -> str:
    zone = ordering_rules.zone_of(ordering_rules.rules_for(occurrence.supplier_id))
    local = cutoff_at.astimezone(zone)
    return (f"{when(occurrence.delivery_on, cutoff_at, zone)} standing order: {summary} "
            f"(delivery {occurrence.delivery_on:%a %b} {occurrence.delivery_on.day}). It goes in "
            f"at {local:%H:%M} {zone.key}. Reply SKIP to skip it, or tell me what to change.")


def on_reminder(_sender: Any, occurrence: StandingOccurrence, standing: StandingOrder,
                summary: str, cutoff_at: datetime, **_: Any) -> None:
    text = reminder_text(occurrence, summary, cutoff_at)
    thread_id = _card(occurrence, "standing_reminder", text)
    _notify(occurrence, "standing_order_reminder", {BUYER}, thread_id,
            subject=f"Standing order for {_day(occurrence)}: reply to change it", text=text)


def on_placed(_sender: Any, occurrence: StandingOccurrence, standing: StandingOrder,
              order: Order, **_: Any) -> None:
    _card(occurrence, "standing_placed",
          f"Standing order placed for {_day(occurrence)}: order {order.display_number}.",
          order_id=order.id)


def on_failed(_sender: Any, occurrence: StandingOccurrence, standing: StandingOrder,
              reason: str, **_: Any) -> None:
    text = (f"The standing order for {_day(occurrence)} was not placed: {reason} "
            "Nothing was ordered.")
    thread_id = _card(occurrence, "standing_failed", text)
    _notify(occurrence, "standing_order_failed", {BUYER, SUPPLIER}, thread_id,
            subject=f"Standing order for {_day(occurrence)} not placed", text=text)


def _day(occurrence: StandingOccurrence) -> str:
    return f"{occurrence.delivery_on:%a %b} {occurrence.delivery_on.day}"


def _card(occurrence: StandingOccurrence, event_type: str, text: str,
          order_id: int | None = None) -> int:
    from messaging.chat import services

    thread = ensure_account_thread(occurrence.supplier_id, occurrence.buyer_id)
    services.post_thread_event(ref_of(thread), event_type=event_type, body=text, data={
        "standing_order_id": occurrence.standing_order_id, "occurrence_id": occurrence.id,
        "date": occurrence.scheduled_on.isoformat(), "status": occurrence.status.value,
        "order_id": order_id})
    return thread.id


def _notify(occurrence: StandingOccurrence, event: str, sides: set[str], thread_id: int, *,
            subject: str, text: str) -> None:
    """`event` to the active staff of `sides`, on the channels each chose."""
    org_sides = {org_id: side for org_id, side in ((occurrence.supplier_id, SUPPLIER),
                                                   (occurrence.buyer_id, BUYER))
                 if side in sides}
    with as_tenant(None):
        people = list(db.session.scalars(
            select(User).where(User.organization_id.in_(org_sides),
                               User.deactivated_at.is_(None)).order_by(User.id)))
        supplier = db.session.get(Organization, occurrence.supplier_id)
    choices = load_choices([u.id for u in people], set(org_sides), [])
    for user in people:
        side = org_sides[user.organization_id]
        for channel, address in ((Channel.EMAIL, normalize_email(user.email)),
                                 (Channel.SMS, normalize_phone(user.phone))):
            if not address or not choices.user_wants(user, event, channel):
                continue
            reply_to = (links.account_reply_address(thread_id, user.id)
                        if side == BUYER and channel is Channel.EMAIL else None)
            enqueue(Draft(
                event=event, event_key=f"{event}:{occurrence.id}", channel=channel,
                address=address, organization_id=user.organization_id,
                recipient_kind=RecipientKind.USER, recipient_name=user.name,
                recipient_side=side, user_id=user.id, supplier_id=occurrence.supplier_id,
                buyer_id=occurrence.buyer_id, reply_to=reply_to,
                payload={"event": event, "order": None,
                         "detail": {"subject": subject, "text": text,
                                    "supplier": supplier.name if supplier else "",
                                    "date": payloads.plain(occurrence.delivery_on)},
                         "recipient": {"name": user.name, "side": side},
                         "links": payloads.recipient_links(f"u{user.id}", event,
                                                           channel.value, True),
                         "reply_enabled": reply_to is not None}))


def subscribe() -> None:
    signals.standing_order_reminder.connect(on_reminder, weak=False)
    signals.standing_order_placed.connect(on_placed, weak=False)
    signals.standing_order_failed.connect(on_failed, weak=False)
