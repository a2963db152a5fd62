"""`flask --app app worker`: the notification dispatcher alone, for deployments with
several processes (they share the work on PostgreSQL). SIGTERM or Ctrl-C stops it: it
claims nothing more, records the sends at a provider and releases what never started."""

from __future__ import annotations

import signal
import threading
from dataclasses import replace
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from messaging.notifications.dispatcher import Dispatcher
from messaging.notifications.settings import dispatcher_settings
from messaging.webhooks_out.sender import WebhookSender, start_thread


@click.command("worker")
@click.option("--concurrency", type=int, default=None,
              help="Sends in flight at once (default NOTIFY_CONCURRENCY or 8).")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@with_appcontext
def worker_command(concurrency: int | None, once: bool) -> None:
    """Run the notification dispatcher (email and SMS) and the webhook sender until
    stopped."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = dispatcher_settings(app)
    if concurrency:
        settings = replace(settings, concurrency=max(1, concurrency))
    dispatcher = Dispatcher(app, settings=settings)
    if once:
        webhooks = WebhookSender(app)
        webhooks.drain(timeout=settings.lease_seconds)
        webhooks.finish()
        dispatcher.drain(timeout=settings.lease_seconds)
        dispatcher.finish()
        click.echo(f"sent {dispatcher.sent}, failed attempts {dispatcher.failed}; "
                   f"webhooks delivered {webhooks.delivered}, failed attempts "
                   f"{webhooks.failed}")
        return
    stop = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"notification worker {dispatcher.worker_id} running "
               f"(concurrency {settings.concurrency}); Ctrl-C stops it")
    webhooks = start_thread(app, stop, grace=30.0)
    dispatcher.run(stop)
    webhooks.join(31.0)
