"""Socket.IO room names.

Every connection is in its organization's room and its user's room from the moment it
connects. New messages and order updates go to the two organizations' rooms (an internal
note to the supplier's only), so each connection hears each message once, whether it shows
the thread, the inbox or a badge. A `join`ed thread adds its side's thread room, which
carries what only the thread's viewers need: typing and read receipts."""

from __future__ import annotations

from messaging.chat.models import Side


def thread_room(thread_id: int, side: Side) -> str:
    return f"thread:{thread_id}:{side.value}"


def thread_rooms(thread_id: int, *, internal: bool = False) -> tuple[str, ...]:
    """Who hears what is said in this thread: both sides, or the supplier's alone."""
    if internal:
        return (thread_room(thread_id, Side.SUPPLIER),)
    return (thread_room(thread_id, Side.SUPPLIER), thread_room(thread_id, Side.BUYER))


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def org_room(org_id: int) -> str:
    return f"org:{org_id}"


def org_rooms(supplier_id: int, buyer_id: int, *, internal: bool = False) -> tuple[str, ...]:
    return (org_room(supplier_id),) if internal else (org_room(supplier_id), org_room(buyer_id))
