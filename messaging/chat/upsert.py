"""INSERT … ON CONFLICT for the two databases Ordertalk runs on."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from wholesale.extensions import db


def insert(model: type) -> Any:
    """The dialect's INSERT (with `.on_conflict_do_nothing/_update` and `.excluded`)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
