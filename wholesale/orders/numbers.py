"""Human-friendly order numbers: per supplier, from 1, without gaps, shown as `GG-00042`.

The number comes from the supplier's `OrderCounter` row with one
`UPDATE … SET last_number = last_number + 1 … RETURNING`; the row lock that UPDATE takes is
held until the transaction commits, so two placements never get the same number and a
rolled-back placement gives its number back. Placement takes the number as its very last
write, which keeps that per-supplier lock short.

The prefix is the initials of the first two words of the supplier's name
("Golden Gate Provisions" → `GG`); a one-word name gives its first two letters
("Acme" → `AC`), a name without letters `OR`. Digits are zero-padded to five.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite

from wholesale.extensions import db
from wholesale.orders.models import OrderCounter


def next_numbers(supplier_id: int, count: int = 1) -> list[int]:
    """Take the supplier's next `count` order numbers (the counter row is created on first
    use)."""
    last = _increment(supplier_id, count)
    if last is None:
        _create_counter(supplier_id)
        last = _increment(supplier_id, count)
    assert last is not None
    return list(range(last - count + 1, last + 1))


def _increment(supplier_id: int, count: int) -> int | None:
    table = OrderCounter.__table__
    stmt = (
        update(table)
        .where(table.c.supplier_id == supplier_id)
        .values(last_number=table.c.last_number + count)
        .returning(table.c.last_number)
    )
    return db.session.execute(stmt).scalar()


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
