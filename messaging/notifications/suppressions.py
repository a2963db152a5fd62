"""Addresses we no longer send to on a channel (STOP by SMS; bounces, spam reports and
unsubscribes by email), and lifting them (START)."""

from __future__ import annotations

from sqlalchemy import select

from messaging.notifications.models import Suppression
from wholesale.db import utcnow
from wholesale.extensions import db


def is_suppressed(channel: str, address: str) -> bool:
    stmt = select(Suppression.id).where(
        Suppression.channel == channel,
        Suppression.address == address,
        Suppression.lifted_at.is_(None),
    )
    return db.session.scalar(stmt) is not None


def suppress(channel: str, address: str, reason: str, source: str) -> Suppression:
    row = db.session.scalars(
        select(Suppression).where(Suppression.channel == channel,
                                  Suppression.address == address)
    ).first()
    now = utcnow()
    if row is None:
        row = Suppression(channel=channel, address=address, reason=reason, source=source,
                          created_at=now, updated_at=now)
        db.session.add(row)
    else:
        row.reason, row.source, row.updated_at, row.lifted_at = reason, source, now, None
    db.session.flush()
    return row


def lift(channel: str, address: str, source: str) -> bool:
    row = db.session.scalars(
        select(Suppression).where(Suppression.channel == channel,
                                  Suppression.address == address,
                                  Suppression.lifted_at.is_(None))
    ).first()
    if row is None:
        return False
    row.lifted_at = row.updated_at = utcnow()
    row.source = source
    db.session.flush()
    return True
