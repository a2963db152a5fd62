"""What clients receive: the JSON form of a message (socket events, join replays, the API
and the page's data attributes all use this one shape)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from messaging.chat.models import Attachment, Message, Side

ATTACHMENT_PATH = "/inbox/attachments"


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def attachment_url(attachment: Attachment) -> str:
    return f"{ATTACHMENT_PATH}/{attachment.id}/{attachment.filename}"


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "is_image": attachment.is_image,
        "url": attachment_url(attachment),
    }


def author_side(message: Message) -> Side | None:
    if message.author_org_id is None:
        return None
    return Side.SUPPLIER if message.author_org_id == message.supplier_id else Side.BUYER


def message_payload(message: Message) -> dict[str, Any]:
    author = message.author
    side = author_side(message)
    event = None
    if message.event_type:
        event = {"type": message.event_type, **(message.data or {})}
    return {
        "id": message.id,
        "thread_id": message.thread_id,
        "order_id": message.order_id,
        "seq": message.seq,
        "kind": message.kind.value,
        "author": None
        if author is None
        else {
            "id": author.id,
            "name": author.name,
            "organization_id": message.author_org_id,
            "side": side.value if side else None,
        },
        "body": message.body,
        "client_id": message.client_id,
        "created_at": iso(message.created_at),
        "event": event,
        "attachments": [attachment_payload(a) for a in message.attachments],
    }
