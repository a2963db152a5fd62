"""The app's JSON reader: every `request.get_json()` (API bodies, the token rate limit, the
cart) refuses documents nested deeper than MAX_DEPTH as invalid JSON (a ValueError, which
Flask answers with 400) instead of raising RecursionError — in the parser, or later in
whatever walks or stores the value."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

# Far deeper than any body the API takes (an order's lines are three levels deep).
MAX_DEPTH = 32


class TooDeep(ValueError):
    """A JSON document nested deeper than MAX_DEPTH."""

    def __init__(self) -> None:
        super().__init__(f"The JSON is nested more than {MAX_DEPTH} levels deep.")


def within_depth(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Is `value` (parsed JSON) at most `limit` arrays/objects deep? Iterative: no recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return False
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return True


class JSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:  # deeper than the interpreter's stack allows
            raise TooDeep() from None
        if isinstance(value, dict | list) and not within_depth(value):
            raise TooDeep()
        return value
