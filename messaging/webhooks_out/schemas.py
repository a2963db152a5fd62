"""The JSON of webhook endpoints and their deliveries (CONTRACT.md §3)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from messaging.webhooks_out.addresses import MAX_URL
from messaging.webhooks_out.catalog import EVENT_TYPES, PATTERNS
from messaging.webhooks_out.models import DeliveryStatus
from wholesale.api.pagination import PageQuery

_EVENTS_HELP = f"event types: {', '.join(EVENT_TYPES)}; or patterns: {', '.join(PATTERNS)}"


class EndpointCreateSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(1, MAX_URL), metadata={
        "description": "http(s) URL resolving to a public address"})
    events = fields.List(fields.String(validate=validate.Length(1, 40)), required=True,
                         validate=validate.Length(1, 20),
                         metadata={"description": _EVENTS_HELP})


class EndpointSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    status = fields.Method("_status", metadata={"type": "string",
                                                "description": "enabled or disabled"})
    consecutive_failures = fields.Integer()
    disabled_at = fields.DateTime(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()

    def _status(self, endpoint: Any) -> str:
        return "enabled" if endpoint.disabled_at is None else "disabled"


class EndpointCreatedSchema(EndpointSchema):
    secret = fields.String(metadata={
        "description": "signing secret (shown only in this answer): see docs/webhooks.md"})


class DeliveryQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(
        [s.value for s in DeliveryStatus]))


class DeliverySchema(Schema):
    id = fields.Integer()
    endpoint_id = fields.Integer()
    event_id = fields.String()
    event = fields.String(attribute="event_type")
    status = fields.String(metadata={"description": "pending, succeeded or failed"})
    attempts = fields.Integer()
    response_status = fields.Integer(allow_none=True, metadata={
        "description": "the HTTP status of the last attempt"})
    response_body = fields.String(allow_none=True, metadata={
        "description": "the start of the last answer (1000 characters)"})
    error = fields.String(attribute="last_error", allow_none=True)
    duration_ms = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    last_attempt_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.Method("_next", allow_none=True, metadata={
        "type": "string", "format": "date-time", "nullable": True,
        "description": "when the next attempt is due (pending only)"})
    delivered_at = fields.DateTime(allow_none=True)
    redelivery_of_id = fields.Integer(allow_none=True)

    def _next(self, delivery: Any) -> str | None:
        if delivery.status is not DeliveryStatus.PENDING or delivery.next_attempt_at is None:
            return None
        return fields.DateTime().serialize("next_attempt_at", delivery)
