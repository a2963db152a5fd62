"""Signing in and out: generic failures, session rotation, safe redirects, CSRF, limits."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.factories import PASSWORD
from tests.web.conftest import csrf_meta, text
from wholesale.accounts import services


def test_login_lands_on_the_dashboard(client, factory, supplier):
    owner = factory.owner(supplier)
    response = client.post("/login", data={"email": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Harbor Foods" in text(page)


def test_login_email_is_case_insensitive(client, factory, supplier):
    owner = factory.owner(supplier)
    response = client.post("/login", data={"email": owner.email.upper(), "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("wrong", ["password", "email"])
def test_a_failed_login_is_401_with_one_generic_message(client, factory, supplier, wrong):
    owner = factory.owner(supplier)
    data = {"email": owner.email, "password": PASSWORD}
    data[wrong] = "nobody@example.test" if wrong == "email" else "not the password"
    response = client.post("/login", data=data)
    assert response.status_code == 401
    body = text(response)
    assert "Wrong email or password." in body
    assert "exist" not in body.lower()
    assert client.get("/").status_code == 302


def test_a_deactivated_user_cannot_sign_in(client, factory, supplier, db_session):
    owner = factory.owner(supplier)
    staff = factory.user(supplier)
    services.remove_member(owner, staff.id)
    db_session.commit()
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 401


def test_an_empty_login_form_shows_field_errors(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert "Enter an email address." in text(response)
    assert "Enter your password." in text(response)


def test_signing_in_rotates_the_session(client, factory, supplier):
    owner = factory.owner(supplier)
    before = csrf_meta(client.get("/login"))
    with client.session_transaction() as session:
        session["left_over"] = "from before"
    login(client, owner)
    with client.session_transaction() as session:
        assert "left_over" not in session
        assert "csrf_token" not in session
    after = csrf_meta(client.get("/"))
    assert after != before


@pytest.mark.parametrize("target", ["/settings/profile", "/customers?x=1"])
def test_login_follows_a_safe_next(client, factory, supplier, target):
    owner = factory.owner(supplier)
    response = client.post("/login", query_string={"next": target},
                           data={"email": owner.email, "password": PASSWORD})
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/",
                                    "/\\evil.example", "javascript:alert(1)", "/\t/evil.example"])
def test_login_ignores_an_unsafe_next(client, factory, supplier, target):
    owner = factory.owner(supplier)
    response = client.post("/login", query_string={"next": target},
                           data={"email": owner.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_a_protected_page_sends_to_login_and_back(client, factory, supplier):
    owner = factory.owner(supplier)
    response = client.get("/settings/team")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    follow = client.post(response.headers["Location"],
                         data={"email": owner.email, "password": PASSWORD})
    assert follow.headers["Location"] == "/settings/team"


def test_signed_in_users_skip_the_login_page(client, factory, supplier):
    login(client, factory.owner(supplier))
    assert client.get("/login").headers["Location"] == "/"


def test_logout_is_post_only(client, factory, supplier):
    login(client, factory.owner(supplier))
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    response = client.post("/logout")
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


@pytest.mark.usefixtures("csrf_enabled")
def test_forms_without_a_csrf_token_are_refused(client, factory, supplier):
    owner = factory.owner(supplier)
    refused = client.post("/login", data={"email": owner.email, "password": PASSWORD})
    assert refused.status_code == 400
    assert "This form has expired" in text(refused)

    token = csrf_meta(client.get("/login"))
    signed_in = client.post("/login", data={"email": owner.email, "password": PASSWORD,
                                            "csrf_token": token})
    assert signed_in.status_code == 302

    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    old_token_refused = client.post("/logout", data={"csrf_token": token})
    assert old_token_refused.status_code == 400, "the pre-login token must not survive"
    fresh = csrf_meta(client.get("/"))
    assert client.post("/logout", data={"csrf_token": fresh}).status_code == 302
    assert client.get("/").status_code == 302


def test_repeated_failures_are_rate_limited(client, factory, supplier):
    owner = factory.owner(supplier)
    for _ in range(5):
        response = client.post("/login", data={"email": owner.email, "password": "wrong!"})
        assert response.status_code == 401
    limited = client.post("/login", data={"email": owner.email, "password": PASSWORD})
    assert limited.status_code == 429
    assert "Slow down" in text(limited)
    assert client.get("/login").status_code == 200, "the page itself stays reachable"
