"""Random tokens that are shown once and stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str = "") -> tuple[str, str]:
    """A fresh token and its hash."""
    token = prefix + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
