"""INSERT … ON CONFLICT for the two databases Ordertalk runs on."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from wholesale.extensions import db


def insert(model: Any, *, orm: bool = False) -> Any:
    """The dialect's Core INSERT into the model's table (with `.on_conflict_do_nothing`,
    `.on_conflict_do_update` and `.excluded`); with `orm=True` an ORM INSERT of the model,
    whose `.returning(Model)` gives objects."""
    target = model if orm else model.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(target)
    return sqlite.insert(target)
