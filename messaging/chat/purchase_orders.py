"""A purchase order's page follows its thread live: each message added to it (a staff
member's, the vendor's reply by email or SMS, an event such as a new date) is announced to
the buying supplier's connections after the commit, as `purchase_order {purchase_order_id}`;
static/js/live-parts.js on that PO's page fetches the page again and swaps its thread in."""

from __future__ import annotations

from typing import Any

from messaging.chat import outbox
from messaging.chat.rooms import org_room
from wholesale import signals


def _on_thread_changed(_supplier: Any, *, purchase_order: Any, **_: Any) -> None:
    outbox.queue("purchase_order", {"purchase_order_id": purchase_order.id},
                 (org_room(purchase_order.supplier_id),))


def subscribe() -> None:
    signals.purchase_order_thread_changed.connect(_on_thread_changed, weak=False)
