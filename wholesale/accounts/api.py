"""API: sign-up, tokens, the current user, invitations."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from wholesale.accounts import services
from wholesale.accounts.models import InvitationKind
from wholesale.accounts.schemas import (
    InvitationRequest,
    InvitationResponse,
    MeResponse,
    SignupRequest,
    SignupResponse,
    TokenRequest,
    TokenResponse,
)
from wholesale.api.rate_limits import guard_credentials
from wholesale.api.registry import route
from wholesale.errors import Unauthorized
from wholesale.urls import public_url


@route(
    "/signup",
    "POST",
    summary="Create an organization and its owner",
    body=SignupRequest,
    response=SignupResponse,
    status=201,
    public=True,
)
def signup(data: dict[str, Any]) -> services.SignupResult:
    return services.signup(**data)


@route(
    "/auth/tokens",
    "POST",
    summary="Exchange email and password for an API token",
    body=TokenRequest,
    response=TokenResponse,
    status=201,
    public=True,
    decorators=[guard_credentials],
    extra_responses={401: "Wrong email or password", 429: "Too many failed attempts"},
)
def create_token(data: dict[str, Any]) -> dict[str, Any]:
    user = services.authenticate(data["email"], data["password"])
    if user is None:
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    token, api_token = services.create_api_token(user, data["name"])
    return {
        "token": token,
        "id": api_token.id,
        "name": api_token.name,
        "created_at": api_token.created_at,
    }


@route("/me", summary="The calling user and their organization", response=MeResponse)
def me() -> dict[str, Any]:
    return {"user": current_user, "organization": current_user.organization}


@route(
    "/invitations",
    "POST",
    summary="Invite a buyer organization by email (emailed to them)",
    body=InvitationRequest,
    response=InvitationResponse,
    status=201,
    kinds=["supplier"],
)
def create_invitation(data: dict[str, Any]) -> dict[str, Any]:
    token, invitation = services.invite(current_user, data["email"], InvitationKind.BUYER)
    return {
        "id": invitation.id,
        "token": token,
        "email": invitation.email,
        "kind": invitation.kind.value,
        "expires_at": invitation.expires_at,
        "url": public_url("accounts.accept_invitation", token=token),
    }
