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
    payload = request.get_json(silent=True) if request.is_json else None
    email = payload.get("email") if isinstance(payload, dict) else request.form.get("email")
    return "account:" + (email if isinstance(email, str) else "").strip().lower()


def _failed(response: Response) -> bool:
    return response.status_code in (400, 401, 422)


def guard_credentials(view):
    """Decorate a view that checks a password."""
    view = limiter.limit(
        PER_ACCOUNT, key_func=_account_key, deduct_when=_failed, scope="credentials-account"
    )(view)
    return limiter.limit(
        PER_ADDRESS, key_func=get_remote_address, deduct_when=_failed, scope="credentials-address"
    )(view)
