"""The webhook sender's knobs (environment or app config; README "Configuration"), checked
when the app is built. Read on each use, so a test may change them in `app.config`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from messaging.notifications.settings import _get, _number
from wholesale.config import ConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class WebhookSettings:
    # Let endpoints target loopback, private and link-local addresses (development, tests).
    allow_private: bool = False
    timeout: float = 10.0  # seconds, to connect and for each read
    concurrency: int = 4
    max_attempts: int = 8
    retry_base: float = 30.0  # the backoff: base·2^(attempt-1), capped, with jitter
    retry_max: float = 6 * 3600.0
    # Failed attempts in a row (across its deliveries) after which an endpoint is disabled.
    disable_after: int = 20
    lease_seconds: float = 120.0
    poll_seconds: float = 1.0
    # How long this process may believe an organization has no endpoint (0: ask each time).
    cache_seconds: float = 5.0


def webhook_settings(app: Flask) -> WebhookSettings:
    raw = _get(app, "WEBHOOKS_ALLOW_PRIVATE", "0").strip().lower()
    if raw not in _TRUE | _FALSE:
        raise ConfigError(f"WEBHOOKS_ALLOW_PRIVATE={raw!r} must be 1 or 0")
    return WebhookSettings(
        allow_private=raw in _TRUE,
        timeout=_number(app, "WEBHOOKS_TIMEOUT", "10", minimum=0.05),
        concurrency=_number(app, "WEBHOOKS_CONCURRENCY", "4", whole=True, minimum=1),
        max_attempts=_number(app, "WEBHOOKS_MAX_ATTEMPTS", "8", whole=True, minimum=1),
        retry_base=_number(app, "WEBHOOKS_RETRY_BASE_SECONDS", "30"),
        retry_max=_number(app, "WEBHOOKS_RETRY_MAX_SECONDS", "21600"),
        disable_after=_number(app, "WEBHOOKS_DISABLE_AFTER", "20", whole=True, minimum=1),
        lease_seconds=_number(app, "WEBHOOKS_LEASE_SECONDS", "120", minimum=1),
        poll_seconds=_number(app, "WEBHOOKS_POLL_SECONDS", "1", minimum=0.01),
        cache_seconds=_number(app, "WEBHOOKS_CACHE_SECONDS", "5"),
    )
