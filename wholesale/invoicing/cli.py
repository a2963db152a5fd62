"""`flask --app app invoicing-daily`: the daily invoicing run (overdue detection and
reminders) for cron or a scheduler; `--now` replays another moment (ISO 8601, UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from wholesale.invoicing.reminders import run_daily_invoicing


@click.command("invoicing-daily")
@click.option("--now", "now_text", default=None, help="Run as of this time (ISO 8601).")
@with_appcontext
def invoicing_daily_command(now_text: str | None) -> None:
    """Flag overdue invoices and send the reminders due today."""
    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            raise click.BadParameter("use ISO 8601, e.g. 2025-03-04T08:00:00Z") from None
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    result = run_daily_invoicing(now)
    click.echo(f"overdue: {result.overdue}, reminders: {result.reminders}")
