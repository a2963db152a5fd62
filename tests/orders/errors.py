"""The one error shape of CONTRACT.md §3, checked on a test client response."""

from __future__ import annotations

from typing import Any


def assert_error(
    response: Any, status: int, code: str | None = None, fields: tuple[str, ...] = ()
) -> dict[str, Any]:
    """`response` is `{"error": {"code", "message", "fields"?}}` with this status (and code,
    and at least these field paths); returns the `error` object."""
    text = response.get_data(as_text=True)[:800]
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {text}"
    assert response.mimetype == "application/json", text
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) in ({"code", "message"}, {"code", "message", "fields"}), error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    if code is not None:
        assert error["code"] == code, error
    if status == 422:
        assert error.get("fields"), f"a 422 must say which fields are wrong: {error}"
    for messages in error.get("fields", {}).values():
        assert isinstance(messages, list) and messages and all(
            isinstance(m, str) and m for m in messages), error
    for path in fields:
        assert path in error.get("fields", {}), f"{path!r} not in {error.get('fields')}"
    return error
