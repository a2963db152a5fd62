"""The JSON of the delivery log (GET /api/v1/orders/{id}/notifications)."""

from __future__ import annotations

from marshmallow import Schema, fields


class HistorySchema(Schema):
    status = fields.String()
    detail = fields.String()
    source = fields.String()
    at = fields.DateTime()


class NotificationAttachmentSchema(Schema):
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer(metadata={"description": "bytes"})


class RecipientSchema(Schema):
    kind = fields.String(metadata={"description": "user, contact or address"})
    name = fields.String()
    side = fields.String(metadata={"description": "supplier, buyer (billing contacts too), "
                                                  "contact or invitee"})
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
    attachments = fields.List(fields.Nested(NotificationAttachmentSchema), metadata={
        "description": "files sent with the email (e.g. the invoice PDF); SMS has none"})
    history = fields.List(fields.Nested(HistorySchema))
