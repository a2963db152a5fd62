"""What the standing-orders API takes and gives (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wholesale.api.fields import Id, WholeNumber
from wholesale.orders.rules import MAX_QUANTITY
from wholesale.standing.models import OccurrenceStatus
from wholesale.standing.services import MAX_EVERY_WEEKS

MAX_LINES = 100


class StandingLine(Schema):
    product_id = Id("a product id", required=True)
    quantity = WholeNumber(1, MAX_QUANTITY, "a quantity", required=True)


def _weekdays(**kwargs: object) -> fields.List:
    return fields.List(WholeNumber(1, 7, "an ISO weekday (1 = Monday … 7 = Sunday)"),
                       validate=validate.Length(1, 7), **kwargs)  # type: ignore[arg-type]


class StandingOrderCreate(Schema):
    supplier_id = Id("a supplier id", metadata={"description": "a buyer names its supplier"})
    buyer_id = Id("a buyer id", metadata={"description": "a supplier names its customer"})
    delivery_location_id = Id("a delivery location id", required=True)
    lines = fields.List(fields.Nested(StandingLine), required=True,
                        validate=validate.Length(1, MAX_LINES))
    weekdays = _weekdays(required=True)
    every_weeks = WholeNumber(1, MAX_EVERY_WEEKS, "a number of weeks", load_default=1)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    paused = fields.Boolean(load_default=False)


class StandingOrderUpdate(Schema):
    delivery_location_id = Id("a delivery location id")
    lines = fields.List(fields.Nested(StandingLine), validate=validate.Length(1, MAX_LINES))
    weekdays = _weekdays()
    every_weeks = WholeNumber(1, MAX_EVERY_WEEKS, "a number of weeks")
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    paused = fields.Boolean(metadata={"description": "pause (true) or resume (false)"})


class StandingLineOut(Schema):
    product_id = fields.Integer()
    quantity = fields.Integer()


class StandingOrderSchema(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    buyer_id = fields.Integer()
    delivery_location_id = fields.Integer()
    lines = fields.List(fields.Nested(StandingLineOut))
    weekdays = fields.List(fields.Integer(), attribute="weekday_list")
    every_weeks = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    paused = fields.Boolean()
    created_at = fields.DateTime()


class SkipBody(Schema):
    date = fields.Date(required=True, metadata={"description": "a day of the schedule"})


class OccurrenceSchema(Schema):
    date = fields.Date(metadata={"description": "the schedule's day"})
    delivery_date = fields.Date(allow_none=True, metadata={
        "description": "the delivery day (later when a closed day moved it)"})
    status = fields.String(attribute="status.value",
                           metadata={"enum": [s.value for s in OccurrenceStatus]})
    order_id = fields.Integer(allow_none=True)
    reason = fields.String()
    lines = fields.List(fields.Nested(StandingLineOut))
    cutoff_at = fields.DateTime(allow_none=True, metadata={
        "description": "when it is placed (the supplier's cut-off for the delivery day)"})


class OccurrencesQuery(Schema):
    ahead = WholeNumber(1, 52, "a number of occurrences", text=True, load_default=8)


class OccurrencesSchema(Schema):
    items = fields.List(fields.Nested(OccurrenceSchema))
