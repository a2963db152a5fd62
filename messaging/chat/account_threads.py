"""Every trading relationship has its account thread from the moment it exists (the
migration made them for the relationships before it)."""

from __future__ import annotations

from typing import Any

from messaging.chat.access import ensure_account_thread
from wholesale import signals


def _on_customer_connected(_sender: Any, relationship: Any = None, **_kwargs: Any) -> None:
    if relationship is not None:
        ensure_account_thread(relationship.supplier_id, relationship.buyer_id)


def subscribe() -> None:
    signals.customer_connected.connect(_on_customer_connected, weak=False)
