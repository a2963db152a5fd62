"""`GET /api/v1/orders/{id}/notifications` (CONTRACT.md §3): the order's delivery log."""

from __future__ import annotations

from typing import Any

from flask import g

from messaging.notifications import log
from messaging.notifications.schemas import NotificationSchema
from wholesale.api.pagination import Page
from wholesale.api.registry import route


@route(
    "/orders/<int:order_id>/notifications",
    summary="Every notification of the order (both sides): channel, recipient, event, "
    "status (pending, sent, delivered, failed, suppressed), attempts and status history.",
    response=NotificationSchema,
    paginated=True,
)
def list_order_notifications(order_id: int, query: dict[str, Any]) -> Page:
    return log.order_log(g._login_user, order_id, query)
