"""INSERT … ON CONFLICT for the two databases Ordertalk runs on."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from wholesale.extensions import db


def insert(model: Any) -> Any:
    """The dialect's Core INSERT into the model's table (with `.on_conflict_do_nothing`,
    `.on_conflict_do_update` and `.excluded`)."""
    table = model.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
