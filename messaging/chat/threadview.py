"""What `templates/chat/_thread.html` needs to show one thread to the signed-in user: an
order's thread (the order page includes it; the inbox shows it beside the list) or an
account thread, with the drafts its draft cards show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from messaging.chat import attention, services
from messaging.chat.access import Access, open_thread
from messaging.chat.models import Message, Side
from wholesale.accounts.models import Organization
from wholesale.drafts.models import OrderDraft
from wholesale.drafts.payloads import draft_payload
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant

PAGE_MESSAGES = 200
DRAFT_EVENT = "draft"


@dataclass(frozen=True)
class ThreadView:
    access: Access
    messages: list[Message]
    other_read: dict[str, Any] | None
    unread: int
    counterpart: Organization
    drafts: dict[int, dict[str, Any]] = field(default_factory=dict)  # the cards' drafts

    @property
    def order(self) -> Order | None:
        return self.access.order

    @property
    def is_account(self) -> bool:
        return self.access.order_id is None

    @property
    def thread_id(self) -> int:
        return self.access.thread_id

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
        return self.counterpart.name

    @property
    def title(self) -> str:
        if self.order is None:
            return f"Account: {self.counterpart.name}"
        return f"Order {self.order.display_number} · {self.counterpart.name}"

    @property
    def post_url(self) -> str:
        if self.order is None:
            return url_for("inbox.post_to_thread", thread_id=self.thread_id)
        return url_for("inbox.post", order_id=self.order.id)


def thread_view(access: Access) -> ThreadView:
    messages = services.recent_messages(access, PAGE_MESSAGES)
    return ThreadView(
        access=access,
        messages=messages,
        other_read=services.other_side_read(access),
        unread=services.unread_by_thread(access.actor, [access.thread_id]).get(
            access.thread_id, 0),
        counterpart=_counterpart(access),
        drafts=_drafts(access, messages),
    )


def _counterpart(access: Access) -> Organization:
    if access.order is not None:
        order = access.order
        return order.buyer if access.side is Side.SUPPLIER else order.supplier
    with as_tenant(access.actor.organization_id):
        found = db.session.get(Organization, access.other_org_id)
    assert found is not None  # a trading partner: the tenant filter lets it through
    return found


def _drafts(access: Access, messages: list[Message]) -> dict[int, dict[str, Any]]:
    """The drafts the thread's draft cards show, as the API gives them to this person."""
    ids = {m.data["draft_id"] for m in messages
           if m.event_type == DRAFT_EVENT and m.data and m.data.get("draft_id")}
    if not ids:
        return {}
    viewer = current_user._get_current_object()
    with as_tenant(access.actor.organization_id):
        drafts = list(db.session.scalars(select(OrderDraft).where(OrderDraft.id.in_(ids))))
    return {d.id: draft_payload(d, viewer) for d in drafts}


def chat_thread(order: Order | int) -> ThreadView:
    """Template global: `{% set thread = chat_thread(order) %}` (the order page)."""
    order_id = order if isinstance(order, int) else order.id
    return thread_view(open_thread(current_user._get_current_object(), order_id))


def chat_unread_total() -> int:
    """Template global for the navigation badge."""
    if not current_user.is_authenticated:
        return 0
    return services.unread_total(current_user._get_current_object())


def chat_attention() -> dict[str, Any]:
    """Template global: what the signed-in person's side counts as unread (chat-inbox.js)."""
    if not current_user.is_authenticated:
        return {}
    supplier = current_user.organization.kind.value == "supplier"
    return attention.rules_for(Side.SUPPLIER if supplier else Side.BUYER)


def chat_unread_counts(order_ids: list[int] | None = None) -> dict[int, int]:
    """Template global for the orders list: {order_id: unread}."""
    if not current_user.is_authenticated:
        return {}
    return services.unread_by_order(current_user._get_current_object(), order_ids)
