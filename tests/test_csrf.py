"""The API and the portal's session cookie (CONTRACT.md §3): a cookie alone is not enough, it
must come with the CSRF token of its session in `X-CSRFToken` (wholesale/api/auth.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import session
from flask_wtf.csrf import generate_csrf

from tests.api.util import assert_error, commit, forget_request_state
from tests.conftest import login
from wholesale.accounts.models import User
from wholesale.extensions import db

_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture
def signed_in(client, factory) -> tuple[Any, int]:
    """A test client signed in through the login form, and the user's id."""
    user_id = factory.owner(factory.supplier()).id
    commit()
    login(client, db.session.get(User, user_id))
    forget_request_state()
    return client, user_id


def token_from_page(client: Any) -> str:
    """The token the portal's pages hand to their JavaScript."""
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200, page.status_code
    match = _META.search(page.get_data(as_text=True))
    assert match, "no <meta name='csrf-token'> on the dashboard"
    forget_request_state()
    return match.group(1)


def token_for_session(app: Any, client: Any) -> str:
    """A token signed for the raw CSRF secret kept in this client's session."""
    with client.session_transaction() as stored:
        raw = stored.get("csrf_token")
    with app.test_request_context():
        if raw is not None:
            session["csrf_token"] = raw
        token = generate_csrf()
        raw_after = session["csrf_token"]
    if raw is None:
        with client.session_transaction() as stored:
            stored["csrf_token"] = raw_after
    return token


def api_get(client: Any, path: str = "/api/v1/me", **headers: str) -> Any:
    forget_request_state()
    return client.get(path, headers=headers)


def test_a_session_cookie_without_a_csrf_header_is_refused(signed_in):
    client, _ = signed_in
    assert_error(api_get(client), 401, "csrf_failed")
    assert_error(
        client.post("/api/v1/warehouses", json={"name": "x", "address": "y", "latitude": 1,
                                                "longitude": 2}),
        401,
        "csrf_failed",
    )
    assert_error(api_get(client, "/api/v1/warehouses"), 401, "csrf_failed")


@pytest.mark.parametrize("bad", ["", "nope", "IjEyMyI.abc.def", "x" * 500])
def test_a_wrong_csrf_header_is_refused(signed_in, bad):
    client, _ = signed_in
    assert_error(api_get(client, **{"X-CSRFToken": bad}), 401, "csrf_failed")


def test_the_pages_csrf_token_makes_the_cookie_work(signed_in):
    client, user_id = signed_in
    token = token_from_page(client)
    response = api_get(client, **{"X-CSRFToken": token})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.json["user"]["id"] == user_id
    created = client.post(
        "/api/v1/warehouses",
        json={"name": "Cookie depot", "address": "1 Road", "latitude": 1, "longitude": 2},
        headers={"X-CSRFToken": token},
    )
    assert created.status_code == 201, created.get_data(as_text=True)[:300]


def test_a_token_generated_for_the_session_works(app, signed_in):
    client, user_id = signed_in
    token = token_for_session(app, client)
    response = api_get(client, **{"X-CSRFToken": token})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.json["user"]["id"] == user_id


def test_the_check_does_not_depend_on_the_forms_csrf_switch(app, signed_in):
    """The suite turns form CSRF off; the API's own check must hold either way."""
    client, _ = signed_in
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert_error(api_get(client), 401, "csrf_failed")
        token = token_for_session(app, client)
        assert api_get(client, **{"X-CSRFToken": token}).status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_another_sessions_token_is_refused(app, client, factory, signed_in):
    client_a, _ = signed_in
    other_id = factory.owner(factory.buyer()).id
    commit()
    client_b = app.test_client()
    login(client_b, db.session.get(User, other_id))
    forget_request_state()
    token_b = token_for_session(app, client_b)
    assert api_get(client_b, **{"X-CSRFToken": token_b}).status_code == 200
    assert_error(api_get(client_a, **{"X-CSRFToken": token_b}), 401, "csrf_failed")


def test_a_bearer_token_needs_no_csrf_header_even_with_a_cookie(api_as, factory, signed_in):
    client, signed_in_id = signed_in
    other = factory.owner(factory.buyer())
    other_id, bearer = other.id, api_as(other).token
    commit()
    response = api_get(client, Authorization=f"Bearer {bearer}")
    assert response.status_code == 200
    assert response.json["user"]["id"] == other_id != signed_in_id


def test_after_signing_out_the_cookie_and_token_are_refused(signed_in):
    client, _ = signed_in
    token = token_from_page(client)
    assert api_get(client, **{"X-CSRFToken": token}).status_code == 200
    forget_request_state()
    client.post("/logout", headers={"X-CSRFToken": token}, data={"csrf_token": token})
    response = api_get(client, **{"X-CSRFToken": token})
    assert response.status_code == 401
    assert response.json["error"]["code"] in ("unauthorized", "csrf_failed")


def test_without_a_cookie_or_token_it_is_plain_401(client):
    assert_error(api_get(client), 401, "unauthorized")
