"""marshmallow fields shared by the API schemas."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields

from wholesale.db import MAX_ID


class Coordinate(fields.Field):
    """A latitude or longitude: accepts a number or numeric string, answers a number."""

    def __init__(self, limit: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limit = limit

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError("Must be a number.")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError("Must be a number.") from None
        if not number.is_finite() or not -self.limit <= number <= self.limit:
            raise ValidationError(f"Must be between -{self.limit} and {self.limit}.")
        return number.quantize(Decimal("0.000001"))

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> float | None:
        return None if value is None else float(value)


class WholeNumber(fields.Integer):
    """A JSON integer (no strings, floats or booleans) within [minimum, maximum]; with
    `text=True` (query strings) a string of digits. Every integer the API reads is one of
    these (or catalog's `Whole`): an unbounded one would reach the database and overflow."""

    def __init__(self, minimum: int, maximum: int, what: str, *, text: bool = False,
                 **kwargs: Any) -> None:
        # The bounds in the OpenAPI document too (apispec copies these metadata keys).
        kwargs["metadata"] = {"minimum": minimum, "maximum": maximum, **kwargs.get("metadata", {})}
        super().__init__(strict=True, **kwargs)
        self.minimum, self.maximum, self.what, self.text = minimum, maximum, what, text

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if self.text and isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value) if len(value) <= 12 else self.maximum + 1
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"Must be {self.what} (a whole number).")
        if not self.minimum <= value <= self.maximum:
            raise ValidationError(
                f"Must be {self.what} between {self.minimum} and {self.maximum:,}."
            )
        return value


def Id(what: str = "an id", **kwargs: Any) -> WholeNumber:  # noqa: N802 - a field factory
    """A row id (1..MAX_ID); `text=True` in query strings."""
    return WholeNumber(1, MAX_ID, what, **kwargs)


def name_field(**kwargs: Any) -> fields.String:
    from marshmallow import validate

    return fields.String(required=True, validate=validate.Length(1, 200), **kwargs)
