"""Carrier shipping: the backend the settings choose (Shippo when SHIPPO_API_KEY is set,
the console otherwise), built once per app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from wholesale.fulfilment.carriers.base import CarrierBackend
from wholesale.fulfilment.carriers.console import ConsoleCarrier

_KEY = "ordertalk.carrier"


def build_carrier(config: Mapping[str, Any]) -> CarrierBackend:
    if config.get("SHIPPO_API_KEY"):
        from wholesale.fulfilment.carriers.shippo_backend import ShippoCarrier

        return ShippoCarrier(config["SHIPPO_API_KEY"], config["SHIPPO_API_BASE_URL"])
    return ConsoleCarrier()


def carrier() -> CarrierBackend:
    """The current app's backend (tests may put their own in `app.extensions`)."""
    backend = current_app.extensions.get(_KEY)
    if backend is None:
        backend = current_app.extensions[_KEY] = build_carrier(current_app.config)
    return backend
