"""API: the supplier's ordering rules (delivery days, cut-off, lead time, minimum order)."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from wholesale.api.registry import route
from wholesale.catalog.fields import Currency, Money, Whole
from wholesale.db import utcnow
from wholesale.orders import rules as ordering
from wholesale.orders.models import OrderingRules


class ClockTime(fields.Field):
    """"HH:MM" (24 hours)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {"type": "string", "example": "14:00",
                                       "pattern": "^[0-2][0-9]:[0-5][0-9]$"})
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> time:
        if isinstance(value, str) and len(value.strip()) == 5 and value.strip()[2] == ":":
            hours, minutes = value.strip().split(":")
            if hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60:
                return time(int(hours), int(minutes))
        raise ValidationError("Use the 24-hour form HH:MM, e.g. 14:00.")

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.strftime("%H:%M")


class OrderingRulesSchema(Schema):
    delivery_days = fields.List(
        Whole(minimum=1, maximum=7), required=True, validate=validate.Length(1, 7),
        metadata={"description": "ISO weekdays the supplier delivers on: 1 = Monday … 7 = Sunday"},
    )
    cutoff_time = ClockTime(required=True)
    timezone = fields.String(required=True, validate=validate.Length(1, 64))
    lead_days = Whole(required=True, minimum=0, maximum=60)
    min_order_value = Money(required=True)
    currency = Currency(load_default=None)
    earliest_delivery_date = fields.Date(dump_only=True)
    next_delivery_dates = fields.List(fields.Date(), dump_only=True)


def _present(rules: OrderingRules) -> dict[str, Any]:
    now = utcnow()
    return {
        "delivery_days": sorted(ordering.delivery_weekdays(rules)),
        "cutoff_time": rules.cutoff_time,
        "timezone": rules.timezone,
        "lead_days": rules.lead_days,
        "min_order_value": rules.min_order_value,
        "currency": rules.currency,
        "earliest_delivery_date": ordering.earliest_delivery_date(rules, now),
        "next_delivery_dates": ordering.valid_delivery_dates(rules, now, 10),
    }


@route(
    "/ordering-rules",
    summary="The supplier's ordering rules, with the delivery dates an order placed now may get",
    response=OrderingRulesSchema,
    kinds=["supplier"],
)
def get_ordering_rules() -> dict[str, Any]:
    return _present(ordering.rules_for(current_user.organization_id))


@route(
    "/ordering-rules",
    "PUT",
    summary="Set the ordering rules",
    body=OrderingRulesSchema,
    response=OrderingRulesSchema,
    kinds=["supplier"],
)
def put_ordering_rules(data: dict[str, Any]) -> dict[str, Any]:
    return _present(ordering.save_rules(current_user.organization_id, data))
