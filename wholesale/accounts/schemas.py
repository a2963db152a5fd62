"""API schemas for accounts, tokens and invitations."""

from marshmallow import Schema, fields, validate

from wholesale.accounts.models import OrgKind
from wholesale.api.fields import name_field


class OrganizationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(attribute="kind.value")
    name = fields.String()
    created_at = fields.DateTime()


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    phone = fields.String(allow_none=True)
    role = fields.String(attribute="role.value")
    organization_id = fields.Integer()
    created_at = fields.DateTime()


class SignupRequest(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in OrgKind]))
    organization = fields.String(load_default="", validate=validate.Length(max=200))
    name = name_field()
    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, validate=validate.Length(1, 1024))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    invitation = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )


class SignupResponse(Schema):
    token = fields.String()
    user = fields.Nested(UserSchema)
    organization = fields.Nested(OrganizationSchema)


class TokenRequest(Schema):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, validate=validate.Length(1, 1024))
    name = fields.String(load_default="API token", validate=validate.Length(1, 100))


class TokenResponse(Schema):
    token = fields.String()
    id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()


class MeResponse(Schema):
    user = fields.Nested(UserSchema)
    organization = fields.Nested(OrganizationSchema)


class InvitationRequest(Schema):
    email = fields.String(required=True, validate=validate.Length(1, 254))


class InvitationResponse(Schema):
    id = fields.Integer()
    token = fields.String()
    url = fields.String()
    email = fields.String()
    kind = fields.String()
    expires_at = fields.DateTime()
