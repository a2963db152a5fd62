"""Invoice and credit-note numbers: per supplier, each its own sequence from 1, no gaps.

The next number is `UPDATE invoice_counters SET last_number = last_number + 1 … RETURNING`
in the transaction that writes the document: the row lock that UPDATE takes (PostgreSQL;
on SQLite the transaction already holds the write lock, BEGIN IMMEDIATE) is held until the
commit, so two issues never get the same number, and a rolled-back issue gives its number
back. Services take the number as their last write, which keeps the lock short. A void
invoice keeps its number: numbers are never reused.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from wholesale.extensions import db
from wholesale.invoicing.models import CounterKind, DocumentCounter


def next_number(supplier_id: int, kind: CounterKind) -> int:
    number = _increment(supplier_id, kind)
    if number is None:
        _create(supplier_id, kind)
        number = _increment(supplier_id, kind)
    assert number is not None
    return number


def _increment(supplier_id: int, kind: CounterKind) -> int | None:
    table = DocumentCounter.__table__
    stmt = (
        update(table)
        .where(table.c.supplier_id == supplier_id, table.c.kind == kind)
        .values(last_number=table.c.last_number + 1)
        .returning(table.c.last_number)
    )
    return db.session.execute(stmt).scalar()


def _create(supplier_id: int, kind: CounterKind) -> None:
    """INSERT … ON CONFLICT DO NOTHING: a concurrent first document does not fail."""
    table = DocumentCounter.__table__
    values = {"supplier_id": supplier_id, "kind": kind, "last_number": 0}
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    db.session.execute(insert(table).values(values).on_conflict_do_nothing())
