"""API schemas for warehouses and delivery locations."""

from marshmallow import Schema, fields, validate

from wholesale.api.fields import Coordinate, name_field


class SiteSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = name_field()
    address = fields.String(required=True, validate=validate.Length(1, 500))
    latitude = Coordinate(90, required=True)
    longitude = Coordinate(180, required=True)
    created_at = fields.DateTime(dump_only=True)


class WarehouseSchema(SiteSchema):
    supplier_id = fields.Integer(dump_only=True)


class LocationSchema(SiteSchema):
    buyer_id = fields.Integer(dump_only=True)
    contact_phone = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=32)
    )
    contact_email = fields.Email(load_default=None, allow_none=True)
