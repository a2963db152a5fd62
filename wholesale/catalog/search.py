"""Product search by name or SKU: PostgreSQL full-text with prefix matching on a GIN
expression index, a LIKE fallback elsewhere (SQLite). Both answer the same way: every word
typed (letters and digits) must match the start of a word of the SKU or name (PostgreSQL) /
appear in them (SQLite).
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, and_, false, func, literal_column

from wholesale.catalog.models import Product
from wholesale.extensions import db

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8

# Must be written exactly like the index of the migration, so the planner uses it.
_CONFIG = literal_column("'simple'::regconfig")


def search_document() -> ColumnElement[object]:
    """to_tsvector('simple', regexp_replace(sku || ' ' || name, '[^[:alnum:]]+', ' ', 'g')):
    punctuation becomes a space, so "TOM-001" is the words tom and 001."""
    text = Product.sku.concat(literal_column("' '")).concat(Product.name)
    words = func.regexp_replace(text, literal_column("'[^[:alnum:]]+'"),
                                literal_column("' '"), literal_column("'g'"))
    return func.to_tsvector(_CONFIG, words)


def terms_of(text: str) -> list[str]:
    return [t.lower() for t in _WORD.findall(text or "")][:MAX_TERMS]


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matches(text: str) -> ColumnElement[bool] | None:
    """A WHERE condition for the search `text`; None when `text` is blank (no filter). Text
    with no letters or digits at all matches nothing."""
    if not (text or "").strip():
        return None
    terms = terms_of(text)
    if not terms:
        return false()
    if db.session.get_bind().dialect.name == "postgresql":
        # the SKU is in the document too: "TOM-00" finds TOM-001 ('tom':* & '00':*)
        # (the terms are letters and digits only, so the query needs no further escaping)
        query = " & ".join(f"'{term}':*" for term in terms)
        return search_document().op("@@")(func.to_tsquery(_CONFIG, query))
    haystack = func.lower(Product.sku.concat(" ").concat(Product.name))
    return and_(*(haystack.like(f"%{_like_escape(term)}%", escape="\\") for term in terms))
