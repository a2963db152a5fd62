"""The `Ordertalk-Signature` header: `t=<unix time>,v1=<hex HMAC-SHA256(secret,
"<t>.<raw body>")>` (CONTRACT.md §3). docs/webhooks.md shows how a receiver checks it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER = "Ordertalk-Signature"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body,
                    hashlib.sha256).hexdigest()


def header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={signature(secret, t, body)}"

