"""Password hashing and the rules a new password must meet."""

from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from wholesale.errors import ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 128

# Checked against when no user matches, so a login takes as long either way.
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(
        password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    )


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        dummy = _DUMMY_HASH.setdefault(method, generate_password_hash("x", method=method))
        check_password_hash(dummy, password)
        return False
    return check_password_hash(password_hash, password)


def check_new_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.one(field, f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed.one(field, f"Use at most {MAX_LENGTH} characters.")
