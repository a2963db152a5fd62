"""`seed-demo` leaves conversations in the demo threads (text and an internal note), once."""

from __future__ import annotations

from sqlalchemy import func, select

from messaging.chat.models import Message, MessageKind
from wholesale.demo import seed_demo
from wholesale.extensions import db


def _counts() -> dict[MessageKind, int]:
    stmt = select(Message.kind, func.count()).group_by(Message.kind)
    return dict(db.session.execute(stmt.execution_options(all_tenants=True)).all())


def test_the_demo_has_conversations_and_seeding_again_adds_none(db_session) -> None:
    seed_demo()
    first = _counts()
    assert first[MessageKind.TEXT] == 7 and first[MessageKind.NOTE] == 1
    seed_demo()
    assert _counts() == first
