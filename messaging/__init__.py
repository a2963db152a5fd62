"""Messaging: order chat threads, notifications and provider adapters. It listens to the
signals of `wholesale` (subscribed here, in `init_app`)."""

from __future__ import annotations

from flask import Flask

# Imported with the package, before `wholesale.init_app` registers the API blueprint: the
# chat endpoints must be on it by then. The models join the metadata (migrations, tests).
from messaging.chat import api as _chat_api  # noqa: F401
from messaging.chat import models as _chat_models  # noqa: F401
from messaging.notifications import api as _notifications_api  # noqa: F401
from messaging.webhooks_out import api as _webhooks_out_api  # noqa: F401


def init_app(app: Flask) -> None:
    """Subscribe to the domain's signals and register messaging's handlers."""
    from messaging.chat import (
        account_threads,
        demo,
        events,
        ordering,
        purchase_orders,
        sockets,
    )
    from messaging.chat.text import render_text
    from messaging.chat.threadview import (
        chat_attention,
        chat_thread,
        chat_unread_counts,
        chat_unread_total,
    )
    from messaging.chat.views import bp as inbox_bp
    from wholesale.extensions import socketio

    events.subscribe()
    account_threads.subscribe()
    ordering.subscribe()
    demo.subscribe()
    purchase_orders.subscribe()
    sockets.register(socketio, app)
    app.register_blueprint(inbox_bp)
    app.add_template_filter(render_text, "chat_text")
    app.add_template_global(chat_thread, "chat_thread")
    app.add_template_global(chat_unread_total, "chat_unread_total")
    app.add_template_global(chat_unread_counts, "chat_unread_counts")
    app.add_template_global(chat_attention, "chat_attention")

    from messaging import notifications

    notifications.init_app(app)

    from messaging import webhooks_out

    webhooks_out.init_app(app)
