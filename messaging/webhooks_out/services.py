"""Managing endpoints (the organization's owner), the delivery log, redelivery, and
disabling an endpoint that keeps failing. Services flush; the request commits."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update

from messaging.notifications.models import Channel, RecipientKind
from messaging.notifications.outbox import Draft, enqueue
from messaging.webhooks_out import outbox
from messaging.webhooks_out.addresses import url_problem
from messaging.webhooks_out.catalog import EVENT_TYPES, PATTERNS
from messaging.webhooks_out.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from messaging.webhooks_out.settings import webhook_settings
from messaging.webhooks_out.signing import new_secret
from wholesale.accounts.models import Organization, Role, User
from wholesale.api.pagination import Page, paginate
from wholesale.db import utcnow
from wholesale.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wholesale.extensions import db

MAX_ENDPOINTS = 20
_UNSCOPED = {"all_tenants": True}


def _require_owner(user: User) -> None:
    if not user.is_owner:
        raise Forbidden("Only the organization's owner manages webhook endpoints.",
                        code="forbidden_role")


def _events(requested: list[str]) -> list[str]:
    unknown = [e for e in requested if e not in EVENT_TYPES and e not in PATTERNS]
    if unknown:
        raise ValidationFailed.one("events", f"Unknown event {unknown[0]!r}; known: "
                                             f"{', '.join(EVENT_TYPES + PATTERNS)}.")
    return list(dict.fromkeys(requested))


def create_endpoint(user: User, url: str, events: list[str]) -> WebhookEndpoint:
    """Register an endpoint; its `secret` is readable on the returned object only now."""
    _require_owner(user)
    url = url.strip()
    problem = url_problem(url, webhook_settings(current_app).allow_private)
    if problem:
        raise ValidationFailed.one("url", problem)
    wanted = _events(events)
    count = db.session.scalar(select(func.count()).select_from(WebhookEndpoint).where(
        WebhookEndpoint.organization_id == user.organization_id))
    if (count or 0) >= MAX_ENDPOINTS:
        raise Conflict(f"An organization may have at most {MAX_ENDPOINTS} endpoints.",
                       code="too_many_endpoints")
    endpoint = WebhookEndpoint(organization_id=user.organization_id, created_by_id=user.id,
                               url=url, events=wanted, secret=new_secret(),
                               consecutive_failures=0)
    db.session.add(endpoint)
    db.session.flush()
    outbox.forget_endpoints()
    return endpoint


def endpoints(user: User, query: dict[str, Any]) -> Page:
    _require_owner(user)
    return paginate(select(WebhookEndpoint), WebhookEndpoint.id, query)


def endpoint(user: User, endpoint_id: int) -> WebhookEndpoint:
    """One of the organization's endpoints (another's is not found: the tenant filter)."""
    _require_owner(user)
    found = db.session.get(WebhookEndpoint, endpoint_id)
    if found is None:
        raise NotFound("Webhook endpoint not found.")
    return found


def delete_endpoint(user: User, endpoint_id: int) -> None:
    """Deletes it with its delivery log; a request already out is not recalled."""
    found = endpoint(user, endpoint_id)
    db.session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == found.id)
                       .execution_options(synchronize_session=False))
    db.session.expunge(found)


def enable_endpoint(user: User, endpoint_id: int) -> WebhookEndpoint:
    """Turn a disabled endpoint back on (new events reach it again; failed deliveries can
    be redelivered)."""
    found = endpoint(user, endpoint_id)
    if found.disabled_at is not None:
        found.disabled_at = None
        found.disabled_reason = None
        found.consecutive_failures = 0
        db.session.flush()
        outbox.forget_endpoints()
    return found


def deliveries(user: User, endpoint_id: int, query: dict[str, Any]) -> Page:
    found = endpoint(user, endpoint_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == found.id)
    if query.get("status"):
        stmt = stmt.where(WebhookDelivery.status == DeliveryStatus(query["status"]))
    return paginate(stmt, WebhookDelivery.id, query)


def recent_deliveries(user: User, endpoint_id: int, limit: int = 50) -> list[WebhookDelivery]:
    """The newest first (the settings page)."""
    found = endpoint(user, endpoint_id)
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == found.id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)))


def redeliver(user: User, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    """Send an event again (the same body and event id) as a new delivery."""
    found = endpoint(user, endpoint_id)
    original = db.session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == found.id))
    if original is None:
        raise NotFound("Delivery not found.")
    if found.disabled_at is not None:
        raise Conflict("The endpoint is disabled; enable it first.", code="endpoint_disabled")
    now = utcnow()
    again = WebhookDelivery(
        endpoint_id=found.id, organization_id=found.organization_id,
        event_id=original.event_id, event_type=original.event_type, body=original.body,
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now,
        redelivery_of_id=original.id)
    db.session.add(again)
    db.session.flush()
    outbox.wake_after_commit()
    return again


def disable(endpoint_id: int, reason: str) -> bool:
    """Disable a failing endpoint (the sender, in its transaction): its pending deliveries
    fail, and the organization's owners get an email. False if it already was."""
    now = utcnow()
    e = WebhookEndpoint.__table__.c
    row = db.session.execute(
        update(WebhookEndpoint.__table__)
        .where(e.id == endpoint_id, e.disabled_at.is_(None))
        .values(disabled_at=now, disabled_reason=reason[:500], updated_at=now)
        .returning(e.organization_id, e.url, e.consecutive_failures)).first()
    if row is None:
        return False
    d = WebhookDelivery.__table__.c
    db.session.execute(
        update(WebhookDelivery.__table__)
        .where(d.endpoint_id == endpoint_id, d.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.FAILED, claimed_by=None, lease_until=None,
                last_error="not sent: the endpoint was disabled"))
    _email_owners(endpoint_id, row.organization_id, row.url, reason, now.isoformat())
    return True


def _email_owners(endpoint_id: int, org_id: int, url: str, reason: str, when: str) -> None:
    from messaging.notifications.links import base_url

    org = db.session.execute(select(Organization).where(Organization.id == org_id),
                             execution_options=_UNSCOPED).scalar_one()
    owners = db.session.scalars(
        select(User).where(User.organization_id == org_id, User.role == Role.OWNER,
                           User.deactivated_at.is_(None)).order_by(User.id),
        execution_options=_UNSCOPED).all()
    for owner in owners:
        enqueue(Draft(
            event="webhook_disabled",
            event_key=f"webhook_disabled:{endpoint_id}:{when}",
            channel=Channel.EMAIL,
            address=owner.email,
            organization_id=org_id,
            recipient_kind=RecipientKind.USER,
            recipient_name=owner.name,
            recipient_side=org.kind.value,
            user_id=owner.id,
            payload={
                "event": "webhook_disabled",
                "recipient": {"name": owner.name, "side": org.kind.value},
                "detail": {"organization": org.name, "url": url, "reason": reason,
                           "settings_url": f"{base_url()}/settings/webhooks"},
                "links": {},
                "reply_enabled": False,
            },
        ))
