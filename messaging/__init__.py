"""Messaging: order chat threads, notifications and provider adapters. It listens to the
signals of `wholesale` (subscribed here, in `init_app`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Subscribe to the domain's signals and register messaging's handlers."""
