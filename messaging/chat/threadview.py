"""What `templates/chat/_thread.html` needs to show one order's thread to the signed-in user
(the order page includes it; the inbox shows it beside the list)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_login import current_user

from messaging.chat import services
from messaging.chat.access import Access, open_thread
from messaging.chat.models import Message, Side
from wholesale.orders.models import Order

PAGE_MESSAGES = 200


@dataclass(frozen=True)
class ThreadView:
    access: Access
    messages: list[Message]
    other_read: dict[str, Any] | None
    unread: int

    @property
    def order(self) -> Order:
        assert self.access.order is not None
        return self.access.order

    @property
    def user_id(self) -> int:
        return self.access.actor.id

    @property
    def side(self) -> Side:
        return self.access.side

    @property
    def can_note(self) -> bool:
        return self.access.sees_notes

    @property
    def last_id(self) -> int:
        return self.messages[-1].id if self.messages else 0

    @property
    def counterpart_name(self) -> str:
        order = self.order
        return (order.buyer if self.side is Side.SUPPLIER else order.supplier).name


def thread_view(access: Access) -> ThreadView:
    return ThreadView(
        access=access,
        messages=services.recent_messages(access, PAGE_MESSAGES),
        other_read=services.other_side_read(access),
        unread=services.unread_by_order(access.actor, [access.order_id]).get(access.order_id, 0),
    )


def chat_thread(order: Order | int) -> ThreadView:
    """Template global: `{% set thread = chat_thread(order) %}` (the order page)."""
    order_id = order if isinstance(order, int) else order.id
    return thread_view(open_thread(current_user._get_current_object(), order_id))


def chat_unread_total() -> int:
    """Template global for the navigation badge."""
    if not current_user.is_authenticated:
        return 0
    return services.unread_total(current_user._get_current_object())


def chat_unread_counts(order_ids: list[int] | None = None) -> dict[int, int]:
    """Template global for the orders list: {order_id: unread}."""
    if not current_user.is_authenticated:
        return {}
    return services.unread_by_order(current_user._get_current_object(), order_ids)
