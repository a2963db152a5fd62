"""Delivery confirmed: by the supplier (with an optional proof-of-delivery note and photo)
or by the buyer. The photo is checked by its bytes (PNG, JPEG or WebP, at most 5 MB), kept
under `<instance>/uploads/pod/` and shown only to the two sides of the order."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import select

from wholesale.accounts.models import User
from wholesale.catalog.images import sniff
from wholesale.db import is_id
from wholesale.errors import NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment import machine
from wholesale.fulfilment.models import EventKind, OrderEvent
from wholesale.orders.models import Order, OrderStatus

MAX_PHOTO_BYTES = 5 * 1024 * 1024
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def read_photo(stream: IO[bytes] | None, field: str = "photo") -> tuple[bytes, str] | None:
    """The uploaded photo's bytes and type, None when no file was sent; 422 otherwise."""
    if stream is None:
        return None
    data = stream.read(MAX_PHOTO_BYTES + 1)
    if not data:
        return None
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationFailed.one(field, "The photo is larger than 5 MB.")
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationFailed.one(field, "Only PNG, JPEG and WebP photos are accepted.")
    return data, content_type


def pod_root() -> Path:
    return Path(current_app.instance_path) / "uploads" / "pod"


def deliver(order: Order | int, actor: User | None, note: str | None = "",
            photo: tuple[bytes, str] | None = None) -> Order:
    """Mark a shipped order delivered (supplier or buyer), keeping the proof of delivery on
    the timeline's event. The photo is written only once the move is known to be legal."""
    delivered = machine.transition(order, OrderStatus.DELIVERED, actor, note)
    if photo is not None:
        data, content_type = photo
        name = f"{delivered.id}-{secrets.token_hex(12)}.{_EXTENSIONS[content_type]}"
        event = delivered.events[-1]
        event.data = {**(event.data or {}), "pod_photo": name, "pod_content_type": content_type}
        db.session.flush()
        target = pod_root() / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return delivered


def pod_photo(event_id: int) -> tuple[Path, str]:
    """The proof-of-delivery photo of a timeline event the current tenant may see."""
    event = None
    if is_id(event_id):  # the tenant filter hides other organizations' events
        event = db.session.scalars(select(OrderEvent).where(OrderEvent.id == event_id)).first()
    name = (event.data or {}).get("pod_photo") if event is not None else None
    if event is None or event.kind is not EventKind.STATUS or not isinstance(name, str):
        raise NotFound("Photo not found.")
    root = pod_root().resolve()
    path = (root / name).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound("Photo not found.")
    return path, str(event.data.get("pod_content_type") or "application/octet-stream")
