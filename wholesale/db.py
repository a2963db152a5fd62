"""Declarative base, naming convention and the column helpers every model shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Primary keys are 32-bit integers on PostgreSQL: a larger number is no row's id, and must
# not reach the driver (it would overflow there).
MAX_ID = 2**31 - 1


def is_id(value: object) -> bool:
    """Could `value` be a row's id (a positive int within the key range, not a bool)?"""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def parse_id(text: str | None) -> int | None:
    """A positive number typed in a query string or form field ("42") that fits a key column
    (row ids, page numbers), else None. ASCII digits only: str.isdigit() also accepts "²",
    which int() refuses."""
    text = (text or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)):
        value = int(text)
        return value if 0 < value <= MAX_ID else None
    return None


def storable(value: object) -> bool:
    """Could the database keep `value` (text, or JSON made of it)? Not with a NUL character
    or a lone surrogate ("\\ud800"), both of which JSON can escape."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable(k) and storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable(item) for item in value)
    return True


# Set while history is written as of a past moment (the demo's three months of orders).
_replay_at: ContextVar[datetime | None] = ContextVar("replay_at", default=None)


def utcnow() -> datetime:
    """Now, or the moment `replay_at()` set."""
    return _replay_at.get() or datetime.now(UTC)


@contextmanager
def replay_at(moment: datetime) -> Iterator[None]:
    """Run the block as of `moment` (aware UTC): every `utcnow()` answers it, so services
    write a consistent past. Only seeding uses it; nothing is sent about a replayed past
    (see `replaying()`)."""
    token = _replay_at.set(moment)
    try:
        yield
    finally:
        _replay_at.reset(token)


def replaying() -> bool:
    """Is history being written as of a past moment? Notifications, webhooks and live
    pushes about it would reach no one who cares: their senders stay quiet."""
    return _replay_at.get() is not None


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
