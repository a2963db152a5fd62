"""The one check for redirect targets the user supplies (`next` fields and parameters)."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Refused: a scheme or a host (`https://evil.test/`, `javascript:…`), scheme-relative
    `//evil.test`, any backslash (browsers read `/\\evil.test` as `//evil.test`), and control
    characters or whitespace (browsers drop tabs and newlines, so `/\\t/evil.test` becomes
    `//evil.test`).
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 0x21 or 0x7F <= ord(char) <= 0x9F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
