"""The few SQL expressions that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, cast, func

from wholesale.extensions import db


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def week_start(column: Any) -> Any:
    """The Monday of the column's week, as a date."""
    if _dialect() == "postgresql":
        return cast(func.date_trunc("week", column), Date)
    return func.date(column, "weekday 0", "-6 days")


def month_key(column: Any) -> Any:
    """`YYYY-MM` of a date column."""
    if _dialect() == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def seconds_between(later: Any, earlier: Any) -> Any:
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def day_of(column: Any) -> Any:
    """The UTC calendar day of a timestamp column."""
    if _dialect() == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)
