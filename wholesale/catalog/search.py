"""Product search by name or SKU: PostgreSQL full-text with prefix matching on a GIN
expression index, a LIKE fallback elsewhere (SQLite). Both answer the same way: every word
typed must match the start of a word of the SKU or name (PostgreSQL) / appear in it (SQLite).
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, and_, func, literal_column, or_

from wholesale.catalog.models import Product
from wholesale.extensions import db

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8

# Must be written exactly like the index of the migration, so the planner uses it.
_CONFIG = literal_column("'simple'::regconfig")


def search_document() -> ColumnElement[object]:
    return func.to_tsvector(_CONFIG, Product.sku.concat(literal_column("' '")).concat(Product.name))


def terms_of(text: str) -> list[str]:
    return [t.lower() for t in _WORD.findall(text or "")][:MAX_TERMS]


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matches(text: str) -> ColumnElement[bool] | None:
    """A WHERE condition for the search `text`, or None when there is nothing to search."""
    terms = terms_of(text)
    if not terms:
        return None
    sku_prefix = func.lower(Product.sku).like(_like_escape(text.strip().lower()) + "%",
                                               escape="\\")
    if db.session.get_bind().dialect.name == "postgresql":
        query = " & ".join(f"'{term}':*" for term in terms)
        return or_(search_document().op("@@")(func.to_tsquery(_CONFIG, query)), sku_prefix)
    haystack = func.lower(Product.sku.concat(" ").concat(Product.name))
    return or_(
        and_(*(haystack.like(f"%{_like_escape(term)}%", escape="\\") for term in terms)),
        sku_prefix,
    )
