"""API schemas for trading relationships."""

from marshmallow import Schema, fields, validate

from wholesale.accounts.schemas import OrganizationSchema


class CustomerRequest(Schema):
    buyer_email = fields.String(required=True, validate=validate.Length(1, 254))


class RelationshipSchema(Schema):
    id = fields.Integer()
    organization = fields.Nested(OrganizationSchema, metadata={"description": "the other side"})
    payment_terms = fields.String(attribute="payment_terms.value")
    notes = fields.String()
    created_at = fields.DateTime()
