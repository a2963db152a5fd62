"""The events an endpoint may subscribe to (CONTRACT.md §3 "Outbound webhooks")."""

from __future__ import annotations

EVENT_TYPES: tuple[str, ...] = (
    "order.placed",
    "order.status_changed",
    "order.delayed",
    "delivery_change.requested",
    "delivery_change.accepted",
    "delivery_change.declined",
    "shipment.created",
    "invoice.issued",
    "payment.received",
    "message.created",
)
# `*` (everything) and `<group>.*` (e.g. `delivery_change.*`) subscribe to several at once.
PATTERNS: tuple[str, ...] = ("*", *sorted({f"{t.split('.')[0]}.*" for t in EVENT_TYPES}))


def subscribed(events: list[str], event_type: str) -> bool:
    group = event_type.split(".", 1)[0]
    return any(e in ("*", event_type, f"{group}.*") for e in events)
