"""Idempotency keys: a retried placement returns the order the first attempt created.

A key belongs to the organization that sent it (two organizations may use the same key).
It is stored with the sha256 fingerprint of the canonical request in the same transaction
as the order, so a key either names a committed order or nothing at all; the unique
constraint on (organization, key) settles a race between two identical requests.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from wholesale.errors import BadRequest, Conflict
from wholesale.extensions import db
from wholesale.orders.models import IdempotencyKey, Order

MAX_KEY_LENGTH = 255


class KeyReused(Conflict):
    code = "idempotency_key_reused"


def clean_key(key: str | None) -> str | None:
    """The key as stored, or a 400 for one that cannot be a key."""
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            code="idempotency_key_invalid",
        )
    return key


def fingerprint(payload: Any) -> str:
    """sha256 of the canonical JSON of `payload` (sorted keys, no spaces, dates ISO)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return repr(value)


def find(organization_id: int, key: str) -> IdempotencyKey | None:
    stmt = select(IdempotencyKey).where(
        IdempotencyKey.organization_id == organization_id, IdempotencyKey.key == key
    )
    return db.session.scalars(stmt.execution_options(all_tenants=True)).first()


def replay(record: IdempotencyKey, fingerprint_: str) -> Order:
    """The order a used key created, if this request is the same one; else 409."""
    if record.fingerprint != fingerprint_:
        raise KeyReused(
            "This Idempotency-Key was already used with a different request. "
            "Use a new key for a new order."
        )
    order = db.session.get(Order, record.order_id, execution_options={"all_tenants": True})
    assert order is not None  # the key and its order are committed together
    return order


def claim(organization_id: int, key: str, fingerprint_: str, order_id: int, now: datetime
          ) -> bool:
    """Store the key for `order_id` (`INSERT … ON CONFLICT DO NOTHING`); False when another
    request holds it — on PostgreSQL after waiting for that request's transaction, so a
    committed winner is then there to replay."""
    dialect = db.session.get_bind().dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
        IdempotencyKey.__table__)
    table = IdempotencyKey.__table__
    return db.session.execute(
        stmt.values(organization_id=organization_id, key=key, fingerprint=fingerprint_,
                    order_id=order_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["organization_id", "key"])
        .returning(table.c.id)).first() is not None
