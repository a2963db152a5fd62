"""Limits on guessing passwords: per account (the email tried, whether or not it exists)
and per client address. Only failed attempts count."""

from __future__ import annotations

from flask import request
from flask.wrappers import Response
from flask_limiter.util import get_remote_address

from wholesale.extensions import limiter

PER_ACCOUNT = "5 per minute; 20 per hour"
PER_ADDRESS = "20 per minute; 200 per hour"


def _account_key() -> str:
    # The API reads a JSON body whatever its Content-Type, so the key must too.
    payload = None if request.form else request.get_json(force=True, silent=True)
    email = payload.get("email") if isinstance(payload, dict) else request.form.get("email")
    return "account:" + (email if isinstance(email, str) else "").strip().lower()


def _failed(response: Response) -> bool:
    return response.status_code in (400, 401, 422)


def guard_credentials(view):
    """Decorate a view that checks a password. Shared limits: the API and the login form
    draw on one budget per account and one per address."""
    view = limiter.shared_limit(
        PER_ACCOUNT, scope="credentials-account", key_func=_account_key, deduct_when=_failed
    )(view)
    return limiter.shared_limit(
        PER_ADDRESS, scope="credentials-address", key_func=get_remote_address,
        deduct_when=_failed,
    )(view)
