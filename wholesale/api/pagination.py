"""Keyset pagination for list endpoints: `?limit=` and an opaque `?cursor=`."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select

from wholesale.db import MAX_ID
from wholesale.errors import ValidationFailed
from wholesale.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageQuery(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.String(load_default=None)


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ValidationFailed.one("cursor", "Not a cursor this API returned.") from None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise ValidationFailed.one("cursor", "Not a cursor this API returned.")
    return value


def paginate(stmt: Select[Any], id_column: Any, query: dict[str, Any]) -> Page:
    """One page of `stmt` ordered by `id_column` ascending, after the cursor."""
    limit: int = query.get("limit", DEFAULT_LIMIT)
    if query.get("cursor"):
        stmt = stmt.where(id_column > decode_cursor(query["cursor"]))
    rows = list(db.session.scalars(stmt.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].id) if more and rows else None)
