"""The routing settings (CONTRACT.md §2), read with the others by `wholesale/config.py`."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def _number(env: Mapping[str, str], name: str, default: str, low: float, high: float) -> float:
    from wholesale.config import ConfigError

    raw = env.get(name) or default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails too
        raise ConfigError(f"{name}={raw!r} must be a number from {low:g} to {high:g}")
    return value


def _url(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    from wholesale.config import ConfigError

    raw = env.get(name) or default
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name}={raw!r} must be an absolute http(s) URL")
    return raw.rstrip("/")


def routing_settings(env: Mapping[str, str]) -> dict[str, object]:
    return {
        # An OSRM server whose table service gives travel times (else: from coordinates).
        "ROUTING_OSRM_URL": _url(env, "ROUTING_OSRM_URL", None),
        # Map tiles for the dispatcher's page ({z}/{x}/{y} template).
        "MAP_TILE_URL": _url(env, "MAP_TILE_URL", DEFAULT_TILE_URL),
        # Road distance ≈ straight line × detour; travel time = road distance ÷ speed.
        "ROUTING_DETOUR_FACTOR": _number(env, "ROUTING_DETOUR_FACTOR", "1.3", 1.0, 3.0),
        "ROUTING_SPEED_KMH": _number(env, "ROUTING_SPEED_KMH", "35", 5.0, 130.0),
        # VROOM's exploration level (1–5) and a cap on solving time.
        "ROUTING_EXPLORATION": int(_number(env, "ROUTING_EXPLORATION", "3", 1, 5)),
        "ROUTING_TIMEOUT_S": _number(env, "ROUTING_TIMEOUT_S", "4", 1, 600),
    }
