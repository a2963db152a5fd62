"""The `Ordertalk-Signature` header: `t=<unix time>,v1=<hex HMAC-SHA256(secret,
"<t>.<raw body>")>` (CONTRACT.md §3), and its check (docs/webhooks.md shows the receiver's)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER = "Ordertalk-Signature"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body,
                    hashlib.sha256).hexdigest()


def header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={signature(secret, t, body)}"


def verify(secret: str, body: bytes, value: str, *, tolerance: int = TOLERANCE_SECONDS,
           now: float | None = None) -> bool:
    """Does `value` (the header) sign `body` with `secret`, made within `tolerance`?"""
    items = [part.split("=", 1) for part in value.split(",") if "=" in part]
    stamps = [v for k, v in items if k.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit():
        return False
    t = int(stamps[0])
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    expected = signature(secret, t, body)
    return any(k.strip() == "v1" and hmac.compare_digest(v.strip(), expected)
               for k, v in items)
