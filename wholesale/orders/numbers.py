"""Human-friendly order numbers: per supplier, from 1, shown as `GG-00042`.

The number comes from the supplier's `OrderCounter` row with one
`UPDATE … SET last_number = last_number + 1 … RETURNING`, so two placements never get the
same number. Where that UPDATE runs decides how long the row stays locked:

- **PostgreSQL**: on a connection of its own that commits at once, so the lock lasts one
  statement and placements for one supplier do not queue behind each other's listeners
  and commit. The price is a gap in the numbers when a placement fails after taking its
  number (its listeners or its commit fail) — rare, and the numbers stay unique and
  increasing.
- **SQLite**, a supplier's first order (the counter row is created in the placement's
  transaction), and a transaction that already holds the counter's lock: inside the
  placement's transaction, where a rollback gives the number back. (SQLite has one
  writer at a time anyway.)

The prefix is the initials of the first two words of the supplier's name
("Golden Gate Provisions" → `GG`); a one-word name gives its first two letters
("Acme" → `AC`), a name without letters `OR`. Digits are zero-padded to five.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from psycopg.errors import LockNotAvailable
from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from wholesale import autocommit
from wholesale.extensions import db
from wholesale.orders.models import OrderCounter
from wholesale.transaction_state import lasts_one_transaction

_LOCKED = "ordertalk.counters_locked"  # session.info: suppliers whose counter we lock


def next_numbers(supplier_id: int, count: int = 1) -> list[int]:
    """Take the supplier's next `count` order numbers (the counter row is created on first
    use)."""
    last = _increment_apart(supplier_id, count)
    if last is None:
        last = _increment(supplier_id, count)
        if last is None:
            _create_counter(supplier_id)
            last = _increment(supplier_id, count)
        db.session.info.setdefault(_LOCKED, set()).add(supplier_id)
    assert last is not None
    return list(range(last - count + 1, last + 1))


def _increment_stmt(supplier_id: int, count: int) -> Any:
    table = OrderCounter.__table__
    return (
        update(table)
        .where(table.c.supplier_id == supplier_id)
        .values(last_number=table.c.last_number + count)
        .returning(table.c.last_number)
    )


def _increment(supplier_id: int, count: int) -> int | None:
    return db.session.execute(_increment_stmt(supplier_id, count)).scalar()


def _increment_apart(supplier_id: int, count: int) -> int | None:
    """The increment, committed at once on a connection of its own (PostgreSQL); None when
    it must run in the current transaction instead: on SQLite, when the counter row is not
    committed yet, or when this transaction holds its lock (waiting for it would wait for
    ourselves)."""
    if not autocommit.available() or supplier_id in db.session.info.get(_LOCKED, ()):
        return None
    try:
        with autocommit.engine().connect() as connection:
            return connection.execute(_increment_stmt(supplier_id, count)).scalar()
    except OperationalError as exc:
        if isinstance(exc.orig, LockNotAvailable):  # held long (autocommit.LOCK_TIMEOUT_MS):
            # wait for it in our own transaction instead
            return None
        raise


lasts_one_transaction(_LOCKED)  # the locks last until the transaction's end


def _create_counter(supplier_id: int) -> None:
    """INSERT … ON CONFLICT DO NOTHING: a concurrent first order does not fail."""
    table = OrderCounter.__table__
    dialect = db.session.get_bind().dialect.name
    values = {"supplier_id": supplier_id, "last_number": 0}
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover - other databases are not supported
        stmt = insert(table).values(values)
    db.session.execute(stmt)


def prefix_for(supplier_name: str) -> str:
    letters = [
        "".join(c for c in _ascii(word) if c.isalpha()) for word in supplier_name.split()
    ]
    words = [word for word in letters if word]
    if len(words) >= 2:
        return (words[0][0] + words[1][0]).upper()
    if words:
        return (words[0][:2]).upper().ljust(2, "X")
    return "OR"


def format_number(supplier_name: str, number: int | None) -> str:
    """`GG-00042`; an order whose number is not taken yet shows as `GG-…`."""
    if number is None:
        return f"{prefix_for(supplier_name)}-…"
    return f"{prefix_for(supplier_name)}-{number:05d}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
