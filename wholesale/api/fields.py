"""marshmallow fields shared by the API schemas."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields


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


def name_field(**kwargs: Any) -> fields.String:
    from marshmallow import validate

    return fields.String(required=True, validate=validate.Length(1, 200), **kwargs)
