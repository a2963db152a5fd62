"""Helpers for the portal page tests.

The suite's test client (tests/conftest.py `IsolatedClient`) starts every request with an
empty `g`, as a real server does.

Fixtures commit what they create: an error page rolls the request's session back, which in
these tests is the test's own session (commits only release a savepoint; all is undone at
the end of the test).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.factories import Factory
from wholesale.accounts import services as accounts
from wholesale.accounts.models import InvitationKind, Organization, User


@pytest.fixture
def new_client(app: Flask, db_session: Any):
    """`new_client()`: another browser, with its own cookies."""
    return lambda: app.test_client()


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def csrf_meta(response: Any) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', text(response))
    assert match, "no csrf-token meta tag"
    return match.group(1)


def nav_labels(response: Any) -> list[str]:
    """The labels of the main navigation, in order."""
    return re.findall(r'class="nav__link"[^>]*>.*?<span>([^<]+)</span>', text(response), re.S)


def active_nav(response: Any) -> list[str]:
    """The labels of the main navigation items marked as the current page."""
    return re.findall(r'class="nav__link"[^>]*aria-current="page">.*?<span>([^<]+)</span>',
                      text(response), re.S)


def invitation_token(inviter: User, email: str, kind: InvitationKind) -> str:
    token, _ = accounts.invite(inviter, email, kind)
    return token


@pytest.fixture
def supplier(factory: Factory, db_session: Any) -> Organization:
    org = factory.supplier("Harbor Foods")
    db_session.commit()
    return org


@pytest.fixture
def buyer(factory: Factory, db_session: Any, supplier: Organization) -> Organization:
    org = factory.buyer("Corner Bistro")
    factory.connect(supplier, org)
    db_session.commit()
    return org
