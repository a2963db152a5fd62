"""Helpers for the portal page tests.

The suite's `db_session` fixture keeps one app context open for the whole test, and Flask
reuses it for every test-client request, so `g` (Flask-Login's cached user, Flask-WTF's
CSRF token, the tenant) would leak from one request, or one client, into the next. Here
each request starts and ends with an empty `g`, as it does in a real server.

Fixtures commit what they create: an error page rolls the request's session back, which in
these tests is the test's own session (commits only release a savepoint; all is undone at
the end of the test).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from tests.factories import Factory
from wholesale.accounts import services as accounts
from wholesale.accounts.models import InvitationKind, Organization, User


def _forget_request_state() -> None:
    for key in list(g):
        g.pop(key)


class PageClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> Any:
        _forget_request_state()
        try:
            return super().open(*args, **kwargs)
        finally:
            _forget_request_state()


@pytest.fixture
def client(app: Flask, db_session: Any) -> FlaskClient:
    return PageClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def new_client(app: Flask, db_session: Any):
    """`new_client()`: another browser, with its own cookies."""
    return lambda: PageClient(app, app.response_class, use_cookies=True)


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
