"""Notifications by email and SMS (issue 6): subscribers to the order signals write a
transactional outbox, a dispatcher sends it through the providers, webhooks bring back
statuses and replies. See docs/notifications.md."""

from __future__ import annotations

import atexit
from typing import Any

from flask import Flask
from flask_login import current_user

# The API route must be declared before the API blueprint is registered; the models join
# the metadata (migrations, tests).
from messaging.notifications import api as _api  # noqa: F401
from messaging.notifications import models as _models  # noqa: F401


def init_app(app: Flask) -> None:
    from messaging.notifications import purchasing, standing, subscribers
    from messaging.notifications.dispatcher import start_in_process, stop_in_process
    from messaging.notifications.settings import dispatcher_settings, in_process_dispatcher
    from messaging.notifications.views import bp
    from messaging.notifications.worker import worker_command
    from messaging.webhooks import bp as webhooks_bp
    from wholesale.extensions import csrf

    dispatcher_settings(app)  # checked now: a bad NOTIFY_* value stops the start
    subscribers.subscribe()
    purchasing.subscribe()
    standing.subscribe()
    app.register_blueprint(bp)
    csrf.exempt(webhooks_bp)
    app.register_blueprint(webhooks_bp)
    if "worker" not in app.cli.commands:
        app.cli.add_command(worker_command)
    app.context_processor(_settings_nav)
    app.add_template_global(_notification_log, "notification_log")
    from messaging.notifications.catalog import EVENTS

    app.add_template_global(EVENTS, "notification_events")
    if in_process_dispatcher(app) and not app.testing:
        start_in_process(app)
        atexit.register(stop_in_process)


def _notification_log(order_id: int) -> list[dict[str, Any]]:
    """The order's delivery log as the signed-in user may see it (the order page)."""
    from sqlalchemy import select

    from messaging.notifications.log import entry
    from messaging.notifications.models import Notification
    from wholesale.extensions import db
    from wholesale.tenancy import as_tenant

    if not current_user.is_authenticated:
        return []
    org_id = current_user.organization_id
    with as_tenant(org_id):
        rows = db.session.scalars(select(Notification).where(
            Notification.order_id == order_id).order_by(Notification.id.desc()).limit(200))
        return [entry(n, org_id) for n in rows]


def _settings_nav() -> dict[str, Any]:
    """Adds "Notifications" (and, for suppliers, "Delivery log") to the settings menu the
    portal builds: this processor runs after the portal's and extends its list."""
    from flask import g

    from wholesale.portal.navigation import NavItem, navigation_context

    if not current_user.is_authenticated:
        return {}
    cached = g.get("_nt_settings_nav")
    if cached is not None:
        return cached
    base = navigation_context()
    items = [NavItem("Notifications", "notifications.settings", "mail")]
    if current_user.organization.is_supplier:
        items.append(NavItem("Delivery log", "notifications.delivery_log", "info",
                             also=("notifications.order_log",)))
    result = {"settings_nav": (*base["settings_nav"], *items)}
    g._nt_settings_nav = result
    return result
