"""Outbound webhooks for integrators (ERP, accounting, purchasing systems): endpoints an
organization registers, events written to an outbox in the transaction of the change,
signed deliveries with retries from the worker. Not to be confused with
`messaging/webhooks/`, the providers' INBOUND webhooks. See docs/webhooks.md."""

from __future__ import annotations

import atexit

from flask import Flask

# The API routes must be declared before the API blueprint is registered; the models join
# the metadata (migrations, tests).
from messaging.webhooks_out import api as _api  # noqa: F401
from messaging.webhooks_out import models as _models  # noqa: F401


def init_app(app: Flask) -> None:
    from messaging.notifications.settings import in_process_dispatcher
    from messaging.webhooks_out import events, sender
    from messaging.webhooks_out.settings import webhook_settings

    webhook_settings(app)  # checked now: a bad WEBHOOKS_* value stops the start
    events.subscribe()
    if in_process_dispatcher(app) and not app.testing:
        sender.start_thread(app)
        atexit.register(sender.stop_in_process)
