"""Checking that a webhook really comes from the provider: Twilio's X-Twilio-Signature
(the SDK's RequestValidator, over PUBLIC_BASE_URL + path and the POSTed parameters) and
SendGrid's signed Event Webhook (ECDSA P-256 over timestamp + body, the SDK's
EventWebhook verifier)."""

from __future__ import annotations

import binascii
import logging

from flask import Request, current_app
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)

TWILIO_SIGNATURE = "X-Twilio-Signature"


def public_url(request: Request) -> str:
    """The URL the provider called, as it knows it (behind proxies: PUBLIC_BASE_URL)."""
    url = current_app.config["PUBLIC_BASE_URL"] + request.path
    query = request.query_string.decode("utf-8", "replace")
    return f"{url}?{query}" if query else url


def twilio_valid(request: Request) -> bool:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get(TWILIO_SIGNATURE)
    if not token or not signature:
        return False
    return RequestValidator(token).validate(public_url(request), request.form, signature)


def sendgrid_events_valid(request: Request) -> bool:
    """True when no verification key is set (unsigned events are accepted then), or the
    signature verifies; a request without a signature is refused when a key is set."""
    key = current_app.config.get("SENDGRID_WEBHOOK_PUBLIC_KEY")
    if not key:
        return True
    signature = request.headers.get(EventWebhookHeader.SIGNATURE)
    timestamp = request.headers.get(EventWebhookHeader.TIMESTAMP)
    if not signature or not timestamp:
        return False
    try:
        payload = request.get_data().decode("utf-8")
        verifier = EventWebhook(key)
        return bool(verifier.verify_signature(payload, signature, timestamp))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        log.warning("SendGrid event webhook: unreadable signature or key")
        return False
