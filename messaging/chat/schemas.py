"""What the socket events and the API take and give (marshmallow)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from messaging.chat.models import Message
from messaging.chat.payloads import message_payload
from wholesale.api.pagination import PageQuery
from wholesale.db import MAX_ID

_id = {"validate": validate.Range(1, MAX_ID)}


class ThreadTarget(Schema):
    """A socket event names its thread by `order_id` (an order's thread) or `thread_id` (any
    thread, account threads included): exactly one of the two."""

    order_id = fields.Integer(load_default=None, **_id)
    thread_id = fields.Integer(load_default=None, **_id)

    @validates_schema
    def _one_target(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data.get("order_id") is None) == (data.get("thread_id") is None):
            raise ValidationError("Give either order_id or thread_id.", "order_id")


def _client_id(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(1, 64), **kwargs)


class JoinSchema(ThreadTarget):
    after_id = fields.Integer(load_default=None, allow_none=True,
                              validate=validate.Range(0, MAX_ID))


class SendSchema(ThreadTarget):
    body = fields.String(required=True, validate=validate.Length(max=20_000))
    client_id = _client_id(required=True)
    internal = fields.Boolean(load_default=False)


class TypingSchema(ThreadTarget):
    internal = fields.Boolean(load_default=False)


class ReadSchema(ThreadTarget):
    message_id = fields.Integer(required=True, **_id)


class MessagesQuery(PageQuery):
    after_id = fields.Integer(load_default=None, validate=validate.Range(0, MAX_ID))


class SearchQuery(PageQuery):
    q = fields.String(required=True, validate=validate.Length(1, 200))


class PostMessageSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(max=20_000))
    internal = fields.Boolean(load_default=False)
    client_id = _client_id(load_default=None, allow_none=True)


class AuthorSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    organization_id = fields.Integer()
    side = fields.String(metadata={"enum": ["supplier", "buyer"]})


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    is_image = fields.Boolean()
    url = fields.String()


class MessageSchema(Schema):
    """A message as every channel shows it (the socket's `message` event too)."""

    id = fields.Integer()
    thread_id = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    seq = fields.Integer()
    kind = fields.String(metadata={"enum": ["text", "event", "note"]})
    author = fields.Nested(AuthorSchema, allow_none=True)
    body = fields.String()
    client_id = fields.String(allow_none=True)
    created_at = fields.String()
    event = fields.Dict(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentSchema))

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:  # type: ignore[override]
        many = self.many if many is None else many
        if many:
            return [self._one(item) for item in obj]
        return self._one(obj)

    @staticmethod
    def _one(obj: Any) -> dict[str, Any]:
        if isinstance(obj, Message):
            return message_payload(obj)
        return obj


class ThreadsQuery(PageQuery):
    kind = fields.String(load_default=None, validate=validate.OneOf(["order", "account"]))


class ThreadSchema(Schema):
    """A thread as the API lists it (messaging/chat/threads.py builds the dicts)."""

    id = fields.Integer()
    kind = fields.String(metadata={"enum": ["order", "account"]})
    order_id = fields.Integer(allow_none=True)
    supplier_id = fields.Integer()
    buyer_id = fields.Integer()
    unread = fields.Integer()
    last_message_at = fields.String(allow_none=True)
