"""Outbound webhooks for integrators (ERP, accounting, purchasing systems): endpoints an
organization registers, events written to an outbox in the transaction of the change,
signed deliveries with retries from the worker. Not to be confused with
`messaging/webhooks/`, the providers' INBOUND webhooks. See docs/webhooks.md."""

from __future__ import annotations

import atexit
from typing import Any

from flask import Flask
from flask_login import current_user

# The API routes must be declared before the API blueprint is registered; the models join
# the metadata (migrations, tests).
from messaging.webhooks_out import api as _api  # noqa: F401
from messaging.webhooks_out import models as _models  # noqa: F401


def init_app(app: Flask) -> None:
    from messaging.notifications.settings import in_process_dispatcher
    from messaging.webhooks_out import events, sender, views
    from messaging.webhooks_out.settings import webhook_settings

    webhook_settings(app)  # checked now: a bad WEBHOOKS_* value stops the start
    events.subscribe()
    app.register_blueprint(views.bp)
    app.context_processor(_settings_nav)
    if in_process_dispatcher(app) and not app.testing:
        sender.start_thread(app)
        atexit.register(sender.stop_in_process)


def _settings_nav() -> dict[str, Any]:
    """Adds "Webhooks" for owners to the settings menu (after the notifications' items:
    this processor runs after theirs and extends their list)."""
    from messaging.notifications import _settings_nav as with_notifications
    from wholesale.portal.navigation import NavItem

    if not current_user.is_authenticated or not current_user.is_owner:
        return {}
    base = with_notifications()["settings_nav"]
    return {"settings_nav": (*base, NavItem("Webhooks", "webhooks_out.index", "link"))}
