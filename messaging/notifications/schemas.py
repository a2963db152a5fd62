"""The JSON of the delivery log (GET /api/v1/orders/{id}/notifications)."""

from __future__ import annotations

from marshmallow import Schema, fields


class HistorySchema(Schema):
    status = fields.String()
    detail = fields.String()
    source = fields.String()
    at = fields.DateTime()


class RecipientSchema(Schema):
    kind = fields.String(metadata={"description": "user, contact or address"})
    name = fields.String()
    side = fields.String(metadata={"description": "supplier, buyer, contact or invitee"})
    address = fields.String(metadata={"description": "masked for the other organization's "
                                                     "people"})


class NotificationSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    event = fields.String()
    channel = fields.String(metadata={"description": "email or sms"})
    status = fields.String(metadata={"description": "pending, sent, delivered, failed or "
                                                    "suppressed"})
    recipient = fields.Nested(RecipientSchema)
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    fallback_of_id = fields.Integer(allow_none=True)
    history = fields.List(fields.Nested(HistorySchema))
