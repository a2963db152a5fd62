"""URLs: the bounded `<int:…>` converter every route uses, and absolute links (emails, SMS,
invitations) built on PUBLIC_BASE_URL, not the request host."""

from __future__ import annotations

from flask import current_app, url_for
from werkzeug.routing import BaseConverter

from wholesale.db import MAX_ID


def digits_up_to(limit: int) -> str:
    """A regular expression matching the decimal numbers 0..`limit` (leading zeros allowed up
    to `limit`'s length) and nothing else: ASCII digits only."""
    text = str(limit)
    shorter = f"[0-9]{{1,{len(text) - 1}}}" if len(text) > 1 else None
    same_length = []
    for i, digit in enumerate(text):  # share i digits of `limit`, then one smaller digit
        rest = len(text) - i - 1
        if digit != "0":
            small = "0" if digit == "1" else f"[0-{int(digit) - 1}]"
            same_length.append(text[:i] + small + (f"[0-9]{{{rest}}}" if rest else ""))
    same_length.append(text)
    return "(?:" + "|".join(([shorter] if shorter else []) + same_length) + ")"


class BoundedIntConverter(BaseConverter):
    """`<int:id>` matches only numbers a 32-bit key column can hold.

    The bound is in the regular expression, not in `to_python`: werkzeug reports a value
    its converter refuses as "no match" only after it has noted the methods of rules with
    the same path, so `PATCH /products/99999999999999999999` would answer 405 instead of 404.
    A number the pattern does not match is simply no route: 404.
    """

    regex = digits_up_to(MAX_ID)
    weight = 50  # as werkzeug's IntegerConverter: ranks among the other number parts

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]


def public_url(endpoint: str, **values: object) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)
