"""What the lifecycle endpoints take (their answers are in `serialize`)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wholesale.fulfilment.shipments import MAX_CARRIER, MAX_TRACKING, MAX_URL
from wholesale.fulfilment.timeline import MAX_NOTE
from wholesale.orders.models import OrderStatus
from wholesale.orders.rules import MAX_QUANTITY
from wholesale.orders.schemas import Id, WholeNumber

# -- requests -----------------------------------------------------------------------------------


class StatusRequest(Schema):
    status = fields.String(required=True,
                           validate=validate.OneOf([s.value for s in OrderStatus]))
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE),
                         metadata={"description": "required when cancelling: the reason"})


class ShipmentLineRequest(Schema):
    line_id = Id("an order line id", required=True)
    quantity = WholeNumber(1, MAX_QUANTITY, "a quantity", required=True)


class ShipmentRequest(Schema):
    carrier = fields.String(required=True, validate=validate.Length(1, MAX_CARRIER))
    tracking_number = fields.String(load_default="", validate=validate.Length(max=MAX_TRACKING))
    tracking_url = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=MAX_URL),
                                 metadata={"description": "derived for UPS, FedEx, USPS and "
                                                          "DHL when not given"})
    lines = fields.List(fields.Nested(ShipmentLineRequest), load_default=None,
                        validate=validate.Length(min=1, max=500),
                        metadata={"description": "default: everything reserved and not "
                                                 "shipped yet"})


class DelayRequest(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, MAX_NOTE))
    new_eta = fields.Date(required=True)


class DeliveryChangeRequest(Schema):
    delivery_date = fields.Date(load_default=None, allow_none=True)
    delivery_location_id = Id("a delivery location id", load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(1, MAX_NOTE))


class AnswerRequest(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE),
                         metadata={"description": "required when declining"})


class ExpediteRequest(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 500))


class ParcelRequest(Schema):
    weight_kg = fields.Float(required=True, validate=validate.Range(min=0.001, max=1000))
    length_cm = fields.Float(required=True, validate=validate.Range(min=0.1, max=1000))
    width_cm = fields.Float(required=True, validate=validate.Range(min=0.1, max=1000))
    height_cm = fields.Float(required=True, validate=validate.Range(min=0.1, max=1000))


class ShippingRatesRequest(Schema):
    parcels = fields.List(fields.Nested(ParcelRequest), load_default=None,
                          validate=validate.Length(min=1, max=50),
                          metadata={"description": "default: one per case of what would ship, "
                                                   "from the catalog's weights and case sizes"})
    lines = fields.List(fields.Nested(ShipmentLineRequest), load_default=None,
                        validate=validate.Length(min=1, max=500),
                        metadata={"description": "a partial shipment: the quantities in the "
                                                 "parcel (its label then ships those); "
                                                 "default: everything reserved and not shipped"})


class LabelRequest(Schema):
    rate_id = fields.String(required=True, validate=validate.Length(1, 64),
                            metadata={"description": "one of the order's quoted rates"})
    lines = fields.List(fields.Nested(ShipmentLineRequest), load_default=None,
                        validate=validate.Length(min=1, max=500),
                        metadata={"description": "default: what the rate was quoted for "
                                                 "(else everything reserved and not shipped); "
                                                 "a rate quoted for some lines ships exactly "
                                                 "those (other lines: 422)"})


class LabelRefundRequest(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE),
                         metadata={"description": "why (the order's timeline shows it)"})
