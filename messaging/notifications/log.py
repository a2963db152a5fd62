"""The delivery log: what was sent to whom, on which channel, its status history and
attempts — per order (both sides of it) and across a supplier's organization.

A buyer sees the order's notifications except those built from the supplier's internal
side (the tenant filter hides `supplier_only` rows), and the addresses of the supplier's
people masked; the supplier sees everything."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from messaging.notifications.addresses import mask
from messaging.notifications.models import Notification, Status
from wholesale.accounts.models import User
from wholesale.api.pagination import Page, paginate
from wholesale.errors import ValidationFailed
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant, get_or_404


def entry(n: Notification, viewer_org_id: int) -> dict[str, Any]:
    own = viewer_org_id == n.supplier_id or viewer_org_id == n.organization_id or (
        viewer_org_id == n.buyer_id and n.recipient_side in ("buyer", "contact"))
    return {
        "id": n.id,
        "order_id": n.order_id,
        "event": n.event,
        "channel": n.channel.value,
        "status": n.status.value,
        "recipient": {"kind": n.recipient_kind.value, "name": n.recipient_name,
                      "side": n.recipient_side,
                      "address": n.address if own else mask(n.address)},
        "attempts": n.attempts,
        "max_attempts": n.max_attempts,
        "last_error": n.last_error,
        "provider": n.provider,
        "subject": n.subject,
        "created_at": n.created_at,
        "sent_at": n.sent_at,
        "delivered_at": n.delivered_at,
        "next_attempt_at": n.next_attempt_at if n.status is Status.PENDING else None,
        "fallback_of_id": n.fallback_of_id,
        "attachments": [{"filename": a.get("filename"), "content_type": a.get("content_type"),
                         "size": a.get("size")}
                        for a in (n.payload or {}).get("attachments") or []],
        "history": [{"status": h.status, "detail": h.detail, "source": h.source,
                     "at": h.created_at} for h in n.history],
    }


def _viewer_stmt(user: User) -> Select[Any]:
    return select(Notification)


def order_log(user: User, order_id: int, query: dict[str, Any]) -> Page:
    """The order's notifications, oldest first (404 for an order the user may not see)."""
    org_id = user.organization_id
    with as_tenant(org_id):
        get_or_404(Order, order_id)
        page = paginate(_viewer_stmt(user).where(Notification.order_id == order_id),
                        Notification.id, query)
        return Page([entry(n, org_id) for n in page.items], page.next_cursor)


def organization_log(user: User, *, status: str | None = None, channel: str | None = None,
                     limit: int = 100, before_id: int | None = None) -> list[Notification]:
    """The organization's notifications, newest first (suppliers' delivery log page)."""
    stmt = select(Notification).where(Notification.organization_id == user.organization_id)
    if status:
        try:
            stmt = stmt.where(Notification.status == Status(status))
        except ValueError:
            raise ValidationFailed.one("status", "Unknown status.") from None
    if channel in ("email", "sms"):
        stmt = stmt.where(Notification.channel == channel)
    if before_id:
        stmt = stmt.where(Notification.id < before_id)
    from wholesale.extensions import db

    with as_tenant(user.organization_id):
        return list(db.session.scalars(stmt.order_by(Notification.id.desc()).limit(limit)))
