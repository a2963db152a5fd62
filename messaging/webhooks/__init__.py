"""The providers' webhooks (CONTRACT.md §5): Twilio inbound SMS and status callbacks,
SendGrid's Event Webhook and Inbound Parse. CSRF-exempt; each checks the provider's
signature (or the secret in its URL) before changing anything."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

from messaging.webhooks import sendgrid_hooks, twilio_hooks  # noqa: E402,F401  (routes)
