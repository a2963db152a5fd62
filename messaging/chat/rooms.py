"""Socket.IO room names. A thread has one room per side, so an internal note can be sent to
the supplier's side alone; every connection is also in its user's and organization's room
(unread counts, inbox updates)."""

from __future__ import annotations

from messaging.chat.models import Side


def thread_room(order_id: int, side: Side) -> str:
    return f"order:{order_id}:{side.value}"


def thread_rooms(order_id: int, *, internal: bool = False) -> tuple[str, ...]:
    """Who hears a message of this order: both sides, or the supplier's alone."""
    if internal:
        return (thread_room(order_id, Side.SUPPLIER),)
    return (thread_room(order_id, Side.SUPPLIER), thread_room(order_id, Side.BUYER))


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def org_room(org_id: int) -> str:
    return f"org:{org_id}"


def org_rooms(supplier_id: int, buyer_id: int, *, internal: bool = False) -> tuple[str, ...]:
    return (org_room(supplier_id),) if internal else (org_room(supplier_id), org_room(buyer_id))
