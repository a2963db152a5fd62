"""SendGrid: the Event Webhook (`/webhooks/sendgrid/events`, a JSON array of events,
signed when SENDGRID_WEBHOOK_PUBLIC_KEY is set) and Inbound Parse
(`/webhooks/sendgrid/inbound/<SENDGRID_INBOUND_SECRET>`, multipart)."""

from __future__ import annotations

import hmac
import logging
from email.utils import getaddresses

from flask import Response, abort, current_app, jsonify, request
from flask import json as flask_json

from messaging.notifications import inbound, tracking
from messaging.webhooks import bp
from messaging.webhooks.email_text import html_to_text, reply_text
from messaging.webhooks.signatures import sendgrid_events_valid
from wholesale.extensions import db

log = logging.getLogger(__name__)
MAX_EVENTS = 5000


@bp.post("/sendgrid/events")
def sendgrid_events() -> Response:
    if not sendgrid_events_valid(request):
        abort(403)
    try:
        events = flask_json.loads(request.get_data() or b"null")
    except ValueError:
        abort(400)
    if not isinstance(events, list):
        abort(400)
    matched = 0
    for event in events[:MAX_EVENTS]:
        if isinstance(event, dict) and tracking.sendgrid_event(event):
            matched += 1
    db.session.commit()
    return jsonify({"received": len(events), "matched": matched})


def _header(headers: str, name: str) -> str | None:
    prefix = name.lower() + ":"
    for line in headers.replace("\r\n", "\n").split("\n"):
        if line.lower().startswith(prefix):
            return line.split(":", 1)[1].strip()
    return None


def _recipients() -> list[str]:
    """Every address the message was sent to: the envelope first, then To and Cc."""
    found: list[str] = []
    envelope = request.form.get("envelope")
    if envelope:
        try:
            to = flask_json.loads(envelope).get("to") or []
            found += [str(a) for a in (to if isinstance(to, list) else [to])]
        except (ValueError, AttributeError):
            pass
    for field in ("to", "cc"):
        found += [address for _, address in getaddresses([request.form.get(field) or ""])]
    return found


@bp.post("/sendgrid/inbound/<secret>")
def sendgrid_inbound(secret: str) -> Response:
    expected = current_app.config["SENDGRID_INBOUND_SECRET"]
    if not hmac.compare_digest(secret.encode(), expected.encode()):
        abort(404)
    text = request.form.get("text") or ""
    if not text.strip() and request.form.get("html"):
        text = html_to_text(request.form["html"])
    body = reply_text(text)
    sender = request.form.get("from") or ""
    headers = request.form.get("headers") or ""
    provider_id = inbound.email_provider_id(_header(headers, "Message-ID"), sender,
                                            request.form.get("subject") or "", body)
    files = [inbound.IncomingFile(f.filename or "attachment", f.stream)
             for key, f in request.files.items(multi=True)
             if key.startswith("attachment") and f and f.filename]
    result = inbound.handle_email(_recipients(), sender, body, provider_id, files)
    db.session.commit()
    log.info("inbound email %s: %s", provider_id, result.outcome)
    return jsonify({"outcome": result.outcome})
