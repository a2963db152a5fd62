"""Who is calling the API: a bearer token, or the portal's session cookie with its CSRF token."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user
from flask_wtf.csrf import ValidationError as CSRFError
from flask_wtf.csrf import validate_csrf

from wholesale.accounts.models import User
from wholesale.accounts.services import user_for_token
from wholesale.errors import Unauthorized
from wholesale.tenancy import set_tenant


def authenticate() -> User:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Send the token as 'Authorization: Bearer <token>'.")
        user = user_for_token(token.strip())
        if user is None:
            raise Unauthorized("The token is not valid or has been revoked.")
    elif current_user.is_authenticated:
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
        except CSRFError:
            raise Unauthorized(
                "A session cookie is accepted only with a valid X-CSRFToken header.",
                code="csrf_failed",
            ) from None
        user = current_user._get_current_object()
    else:
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'.")
    g._login_user = user  # Flask-Login's per-request user: `current_user` works as in pages.
    set_tenant(user.organization_id)
    return user
