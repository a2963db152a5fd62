"""Portal sessions: signing out ends exactly this session (a copy of its cookie included,
for pages, the API and sockets); "sign out everywhere" ends them all; "revoke all API
tokens" ends every token (docs/architecture.md, "Accounts and sessions")."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from messaging.chat import recheck
from tests.conftest import _forget_request_state, login
from tests.factories import PASSWORD
from tests.web.conftest import csrf_meta, text
from wholesale.accounts import services
from wholesale.extensions import socketio


@pytest.fixture
def copy_of(new_client):
    """`copy_of(client)`: another browser holding a copy of `client`'s session cookie."""
    def copy(client):
        other = new_client()
        other.set_cookie("session", client.get_cookie("session").value)
        return other
    return copy


@pytest.fixture
def socket_for(app: Flask, monkeypatch: pytest.MonkeyPatch):
    """`socket_for(client)`: a Socket.IO connection with `client`'s cookies, in process
    (the periodic re-check is run by hand with `recheck.recheck_all()`)."""
    monkeypatch.setattr(recheck, "ensure_running", lambda _app: None)
    opened = []

    def connect(client):
        _forget_request_state()  # the test's app context outlives a connect: no cached user
        try:
            sock = socketio.test_client(app, flask_test_client=client)
        finally:
            _forget_request_state()
        opened.append(sock)
        return sock

    yield connect
    for sock in opened:
        if sock.is_connected():
            sock.disconnect()


def _me(client, token):
    return client.get("/api/v1/me", headers={"X-CSRFToken": token})


@pytest.mark.usefixtures("csrf_enabled")
def test_a_cookie_copied_before_logout_is_refused_after_it(client, copy_of, socket_for,
                                                          factory, supplier):
    owner = factory.owner(supplier)
    token = csrf_meta(client.get("/login"))
    client.post("/login", data={"email": owner.email, "password": PASSWORD,
                                "csrf_token": token})
    csrf = csrf_meta(client.get("/"))
    stolen = copy_of(client)
    assert stolen.get("/").status_code == 200
    assert _me(stolen, csrf).status_code == 200
    open_socket = socket_for(stolen)
    assert open_socket.is_connected()

    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302

    page = stolen.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    api = _me(stolen, csrf)
    assert api.status_code == 401 and api.json["error"]["code"] == "unauthorized"
    assert not socket_for(stolen).is_connected(), "a new socket with the copy is refused"
    recheck.recheck_all()
    assert not open_socket.is_connected(), "the socket the session opened is dropped"


def test_logout_ends_this_session_only(client, new_client, socket_for, factory, supplier):
    owner = factory.owner(supplier)
    laptop = new_client()
    login(client, owner)
    login(laptop, owner)
    laptop_socket = socket_for(laptop)
    assert laptop_socket.is_connected()
    client.post("/logout")
    assert client.get("/").status_code == 302
    assert laptop.get("/").status_code == 200, "another device stays signed in"
    recheck.recheck_all()
    assert laptop_socket.is_connected()


def test_sign_out_everywhere_ends_every_session_of_the_user(client, new_client, socket_for,
                                                           factory, supplier):
    owner, colleague = factory.owner(supplier), factory.user(supplier)
    phone, theirs = new_client(), new_client()
    login(client, owner)
    login(phone, owner)
    login(theirs, colleague)
    phone_socket, their_socket = socket_for(phone), socket_for(theirs)
    assert phone_socket.is_connected() and their_socket.is_connected()
    api_token = factory.token(owner)

    response = client.post("/settings/sign-out-everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "You are signed out everywhere" in text(client.get("/login"))
    assert client.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    recheck.recheck_all()
    assert not phone_socket.is_connected()
    assert theirs.get("/").status_code == 200, "a colleague's session is not touched"
    assert their_socket.is_connected()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
    assert me.status_code == 200, "API tokens are not sessions"
    login(client, owner)
    assert client.get("/").status_code == 200


def test_revoke_all_api_tokens_makes_every_token_401(client, app, factory, supplier):
    owner, colleague = factory.owner(supplier), factory.user(supplier)
    mine = [factory.token(owner), factory.token(owner)]
    theirs = factory.token(colleague)
    login(client, owner)
    api = app.test_client()

    def me(token):
        return api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert all(me(token).status_code == 200 for token in mine)
    response = client.post("/settings/tokens/revoke-all")
    assert response.headers["Location"] == "/settings/profile"
    assert "Revoked 2 API token(s)" in text(client.get("/settings/profile"))
    for token in mine:
        refused = me(token)
        assert refused.status_code == 401 and refused.json["error"]["code"] == "unauthorized"
    assert me(theirs).status_code == 200, "a colleague's token is not touched"
    assert client.get("/").status_code == 200, "the session stays"
    assert services.list_api_tokens(owner) == []
    client.post("/settings/tokens/revoke-all")
    assert "You had no API tokens to revoke." in text(client.get("/settings/profile"))


def test_a_password_change_keeps_the_api_tokens_and_says_so(client, factory, supplier):
    owner = factory.owner(supplier)
    token = factory.token(owner)
    login(client, owner)
    assert "Your API tokens keep working" in text(client.get("/settings/password"))
    response = client.post("/settings/password", data={
        "current_password": PASSWORD, "new_password": "a brand new password",
        "confirm": "a brand new password"})
    assert "Your API tokens still work." in text(client.get(response.headers["Location"]))
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200


@pytest.mark.usefixtures("csrf_enabled")
def test_the_profile_page_offers_both_buttons_as_csrf_protected_posts(client, factory,
                                                                      supplier):
    owner = factory.owner(supplier)
    api_token = factory.token(owner)
    token = csrf_meta(client.get("/login"))
    client.post("/login", data={"email": owner.email, "password": PASSWORD,
                                "csrf_token": token})
    page = text(client.get("/settings/profile"))
    for action, label in [("/settings/sign-out-everywhere", "Sign out everywhere"),
                          ("/settings/tokens/revoke-all", "Revoke all API tokens")]:
        form = re.search(rf'<form method="post" action="{action}"[^>]*>(.*?)</form>', page,
                         re.S)
        assert form, action
        assert 'name="csrf_token"' in form.group(1) and label in form.group(1)
        assert client.post(action).status_code == 400, "no CSRF token, no change"
    assert client.get("/").status_code == 200
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
    assert me.status_code == 200


def test_the_buttons_need_a_signed_in_user(client):
    for action in ["/settings/sign-out-everywhere", "/settings/tokens/revoke-all"]:
        response = client.post(action)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
