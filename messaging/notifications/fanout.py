"""From one event on an order to the messages it causes: who is on the order, which of
them hear of this event, on which channels (their preferences), each with the payload the
templates need."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from messaging.notifications import payloads
from messaging.notifications.catalog import EVENTS
from messaging.notifications.models import Channel, RecipientKind
from messaging.notifications.outbox import Draft, enqueue
from messaging.notifications.preferences import load_choices
from messaging.notifications.recipients import Recipient, order_people
from wholesale.accounts.models import User
from wholesale.orders.models import Order


def _address(person: Recipient, channel: Channel) -> str | None:
    return person.email if channel is Channel.EMAIL else person.phone


def notify_order(
    order: Order,
    event: str,
    event_key: str,
    detail: dict[str, Any],
    *,
    actor: User | None = None,
    sides: Iterable[str] | None = None,
    people: list[Recipient] | None = None,
    supplier_only: bool = False,
    summary: dict[str, Any] | None = None,
) -> list[int]:
    """Queue `event` for the people on `order` who want it; returns the new ids.
    `summary`: the order as it was when the event happened (a deferred event)."""
    spec = EVENTS[event]
    if people is None:
        people = order_people(order, spec.audience if sides is None else sides, actor)
    if not people:
        return []
    choices = load_choices(
        (p.user.id for p in people if p.user),
        {p.user.organization_id for p in people if p.user},
        (p.contact_id for p in people if p.contact_id),
    )
    base = {
        "event": event,
        "order": summary if summary is not None else payloads.order_summary(order),
        "detail": {k: payloads.plain(v) for k, v in detail.items()},
        "actor": actor.name if actor else None,
        "links": payloads.order_links(order.id),
    }
    created: list[int] = []
    for person in people:
        for channel in (Channel.EMAIL, Channel.SMS):
            address = _address(person, channel)
            if not address:
                continue
            if person.user is not None:
                wanted = choices.user_wants(person.user, event, channel)
            else:
                wanted = choices.contact_wants(person.contact_id or 0, event, channel)
            if not wanted:
                continue
            payload = {
                **base,
                "recipient": {"name": person.name, "side": person.side},
                "links": {**base["links"], **payloads.recipient_links(
                    person.ref, event, channel.value, person.user is not None)},
                "reply_enabled": channel is Channel.EMAIL,
            }
            new_id = enqueue(Draft(
                event=event,
                event_key=event_key,
                channel=channel,
                address=address,
                organization_id=order.supplier_id,
                recipient_kind=RecipientKind.USER if person.user else RecipientKind.CONTACT,
                recipient_name=person.name,
                recipient_side=person.side,
                user_id=person.user.id if person.user else None,
                contact_id=person.contact_id,
                order_id=order.id,
                supplier_id=order.supplier_id,
                buyer_id=order.buyer_id,
                supplier_only=supplier_only,
                fallback_email=person.email if channel is Channel.SMS else None,
                payload=payload,
            ))
            if new_id is not None:
                created.append(new_id)
    return created
