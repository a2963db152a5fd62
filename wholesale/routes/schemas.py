"""API schemas for vehicles, runs and stops (CONTRACT.md §3 "Delivery runs")."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate

from wholesale.api.fields import Id, WholeNumber
from wholesale.orders.rules_api import ClockTime
from wholesale.routes.models import ProblemKind


def _kilograms(value: Decimal) -> None:
    if not Decimal("0") < value <= Decimal("1000000"):
        raise ValidationError("Must be a weight in kg above 0 and at most 1,000,000.")


class VehicleSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 100))
    warehouse_id = Id("a warehouse id", required=True)
    capacity_cases = WholeNumber(1, 100_000, "a number of cases", required=True)
    capacity_kg = fields.Decimal(as_string=True, load_default=None, allow_none=True,
                                 validate=_kilograms)
    shift_start = ClockTime(required=True)  # "HH:MM", documented as such in OpenAPI
    shift_end = ClockTime(required=True)
    driver_id = Id("a user id", load_default=None, allow_none=True)


class PlanSchema(Schema):
    warehouse_id = Id("a warehouse id", required=True)
    date = fields.Date(required=True)


class LockSchema(Schema):
    locked = fields.Boolean(required=True)


class MoveSchema(Schema):
    route_id = Id("a route id of this run", required=True)
    position = WholeNumber(1, 10_000, "a position on the route (1 = first)", required=True)


class RunQuery(Schema):
    date = fields.Date(load_default=None)


class StopSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    sequence = fields.Integer()
    eta = fields.DateTime(allow_none=True)
    window_start = fields.DateTime(allow_none=True)
    window_end = fields.DateTime(allow_none=True)
    status = fields.String()
    locked = fields.Boolean()
    missed_window = fields.Boolean()
    cases = fields.Integer()
    weight_kg = fields.Decimal(as_string=True, places=3)
    recipient = fields.String(allow_none=True)


class RouteSchema(Schema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    driver_id = fields.Integer(allow_none=True)
    stops = fields.List(fields.Nested(StopSchema))
    distance_m = fields.Integer()
    duration_s = fields.Integer()


class UnassignedSchema(Schema):
    order_id = fields.Integer()
    reason = fields.String(metadata={"enum": ["no_coordinates", "closed", "capacity", "window",
                                              "shift", "no_vehicle", "fleet_full"]})
    message = fields.String()


class RunSchema(Schema):
    id = fields.Integer()
    date = fields.Date()
    warehouse_id = fields.Integer()
    status = fields.String(metadata={"enum": ["planned", "dispatched", "completed"]})
    routes = fields.List(fields.Nested(RouteSchema))
    unassigned = fields.List(fields.Nested(UnassignedSchema))


class RunListSchema(Schema):
    items = fields.List(fields.Nested(RunSchema))


_IMAGE = "a data URL (PNG, JPEG or WebP, at most 5 MB); shown in the order thread"


class DeliveredSchema(Schema):
    recipient = fields.String(required=True, validate=validate.Length(1, 200))
    signature = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=8 * 1024 * 1024),
                              metadata={"description": _IMAGE})
    photo = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=8 * 1024 * 1024),
                          metadata={"description": _IMAGE})


class ProblemSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ProblemKind]))
    note = fields.String(required=True, validate=validate.Length(1, 2000))
    photo = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=8 * 1024 * 1024),
                          metadata={"description": _IMAGE})


class WindowSchema(Schema):
    weekday = WholeNumber(1, 7, "a weekday (1 = Monday … 7 = Sunday)", required=True)
    opens = ClockTime(required=True)
    closes = ClockTime(required=True)


class ReceivingSchema(Schema):
    """When and how a delivery location takes deliveries."""

    location_id = fields.Integer(dump_only=True)
    windows = fields.List(fields.Nested(WindowSchema), required=True,
                          validate=validate.Length(max=21))
    service_minutes = WholeNumber(0, 240, "minutes at the stop", load_default=None,
                                  allow_none=True)
    receiving_notes = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=500))
