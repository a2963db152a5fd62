"""The dispatcher's knobs. They are not part of CONTRACT.md §2 (the providers' settings
are, and are read by wholesale/config.py): each is read from the app config (tests) or the
environment, with a default that suits `make run`. They are checked once, when the app is
built (a bad value stops it with a message naming the variable), and kept on the app."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import time
from typing import Any

from flask import Flask

from wholesale.config import ConfigError

_KEY = "ordertalk.dispatcher_settings"  # app.extensions


def _get(app: Flask, name: str, default: str) -> str:
    value: Any = app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else str(value)


def _number(app: Flask, name: str, default: str, *, whole: bool = False,
            minimum: float = 0.0) -> Any:
    raw = _get(app, name, default)
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or value != value or value < minimum or value == float("inf"):
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{name}={raw!r} must be {kind} of at least {minimum:g}")
    return value


@dataclass(frozen=True)
class DispatcherSettings:
    concurrency: int = 8
    max_attempts: int = 6
    retry_base: float = 5.0
    retry_max: float = 900.0
    lease_seconds: float = 120.0
    poll_seconds: float = 1.0
    provider_timeout: float = 10.0
    digest_delay_minutes: float = 10.0
    digest_interval_seconds: float = 60.0
    # The daily invoicing run (overdue invoices, payment reminders): from this time of the
    # UTC day on, once per day across all workers; None: the dispatcher never runs it.
    daily_invoicing_at: time | None = time(14, 0)
    # A claimed daily run not finished by then (the worker died) may be taken over; a
    # failed run is tried again after `daily_retry_seconds`.
    daily_lease_seconds: float = 3600.0
    daily_retry_seconds: float = 300.0


def parse_time_of_day(text: str) -> time | None:
    """`14:00` → 14:00; `off` (or `none`, `0`, `false`) → None. A bad value is a ValueError."""
    if text.strip().lower() in {"off", "none", "no", "0", "false"}:
        return None
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def dispatcher_settings(app: Flask) -> DispatcherSettings:
    """The settings, read and checked on first use (`init_app` does it at start-up)."""
    found = app.extensions.get(_KEY)
    if found is None:
        found = app.extensions.setdefault(_KEY, _read(app))
    return found


def _read(app: Flask) -> DispatcherSettings:
    raw_time = _get(app, "NOTIFY_DAILY_INVOICING_AT", "14:00")
    try:
        daily_at = parse_time_of_day(raw_time)
    except ValueError:
        raise ConfigError(f"NOTIFY_DAILY_INVOICING_AT={raw_time!r} must be a UTC time such "
                          "as 14:00, or off") from None
    return DispatcherSettings(
        concurrency=_number(app, "NOTIFY_CONCURRENCY", "8", whole=True, minimum=1),
        max_attempts=_number(app, "NOTIFY_MAX_ATTEMPTS", "6", whole=True, minimum=1),
        retry_base=_number(app, "NOTIFY_RETRY_BASE_SECONDS", "5"),
        retry_max=_number(app, "NOTIFY_RETRY_MAX_SECONDS", "900"),
        lease_seconds=_number(app, "NOTIFY_LEASE_SECONDS", "120", minimum=1),
        poll_seconds=_number(app, "NOTIFY_POLL_SECONDS", "1", minimum=0.01),
        provider_timeout=_number(app, "NOTIFY_PROVIDER_TIMEOUT", "10", minimum=0.1),
        digest_delay_minutes=_number(app, "NOTIFY_DIGEST_DELAY_MINUTES", "10"),
        digest_interval_seconds=_number(app, "NOTIFY_DIGEST_INTERVAL_SECONDS", "60",
                                        minimum=0.01),
        daily_invoicing_at=daily_at,
        daily_lease_seconds=_number(app, "NOTIFY_DAILY_LEASE_SECONDS", "3600", minimum=1),
        daily_retry_seconds=_number(app, "NOTIFY_DAILY_RETRY_SECONDS", "300"),
    )


def in_process_dispatcher(app: Flask) -> bool:
    """`NOTIFY_DISPATCHER=thread` (what `make run` sets): run the dispatcher in this process."""
    return _get(app, "NOTIFY_DISPATCHER", "").lower() in {"thread", "1", "true", "yes"}
