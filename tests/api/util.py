"""Assertions shared by the API tests: the one error shape of CONTRACT.md §3."""

from __future__ import annotations

from typing import Any


def body_text(response: Any, limit: int = 800) -> str:
    return response.get_data(as_text=True)[:limit]


def assert_error_shape(response: Any) -> dict[str, Any]:
    """The body is exactly `{"error": {"code", "message", "fields"?}}`; returns `error`."""
    assert response.mimetype == "application/json", (
        f"{response.status_code} answered {response.mimetype}, not JSON: {body_text(response)}"
    )
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict), body
    assert set(error) in ({"code", "message"}, {"code", "message", "fields"}), error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    if "fields" in error:
        fields = error["fields"]
        assert isinstance(fields, dict) and fields, error
        for path, messages in fields.items():
            assert isinstance(path, str) and path, error
            assert isinstance(messages, list) and messages, error
            assert all(isinstance(m, str) and m for m in messages), error
    return error


def assert_error(
    response: Any, status: int, code: str | None = None, fields: tuple[str, ...] = ()
) -> dict[str, Any]:
    """`response` is a contract error with this status (and code, and these field paths)."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {body_text(response)}"
    )
    error = assert_error_shape(response)
    if code is not None:
        assert error["code"] == code, error
    if status == 422:
        assert "fields" in error, f"a 422 must say which fields are wrong: {error}"
    for path in fields:
        assert path in error.get("fields", {}), f"{path!r} not in {error.get('fields')}"
    return error


def commit() -> None:
    """Make the test's setup survive the requests that follow, and start them afresh.

    The test client's requests share the test's app context, hence its session: an error
    response rolls the session back, which would also drop data the test only flushed, and
    objects the test still holds would be found in the identity map instead of being loaded
    the way a real request loads them (through the tenant filter) — that hid a cross-tenant
    lazy load in POST /customers once. So: commit (a savepoint; everything is still rolled
    back after the test), then forget every loaded object. Read the ids and emails you need
    *before* calling this.
    """

    from wholesale.extensions import db

    db.session.commit()
    db.session.expunge_all()
    forget_request_state()


def forget_request_state() -> None:
    """Drop what the previous request left on the shared `g` (its tenant, its user), as a
    new request in a real server would start without them. (The suite's test client does
    this around every request too; this also covers the test's own queries.)"""
    from flask import g

    g.pop("tenant_org_id", None)
    g.pop("_login_user", None)
