"""Demo accounts: every one signs in with the same password (CONTRACT.md §1), hashed once
per seed run — a password hash is made deliberately slow, and the demo has two dozen
people."""

from __future__ import annotations

from functools import cache

from wholesale.accounts.models import Organization, Role, User
from wholesale.accounts.passwords import hash_password
from wholesale.extensions import db

DEMO_PASSWORD = "ordertalk-demo"


@cache
def _hash(method_key: str) -> str:  # noqa: ARG001 - the cache key: the app's hash method
    return hash_password(DEMO_PASSWORD)


def demo_user(org: Organization, *, name: str, email: str, phone: str | None,
              role: Role) -> User:
    """A new member of `org` with the demo password."""
    from flask import current_app

    user = User(organization=org, email=email, name=name, phone=phone, role=role,
                password_hash=_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")))
    db.session.add(user)
    return user
