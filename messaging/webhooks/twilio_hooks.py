"""Twilio: inbound SMS (`/webhooks/twilio/sms`, answered with TwiML) and message status
callbacks (`/webhooks/twilio/status?notification=<id>`)."""

from __future__ import annotations

from flask import Response, abort, request
from twilio.twiml.messaging_response import MessagingResponse

from messaging.notifications import inbound, tracking
from messaging.webhooks import bp
from messaging.webhooks.signatures import twilio_valid
from wholesale.extensions import db


def _twiml(text: str | None) -> Response:
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return Response(str(reply), mimetype="application/xml")


@bp.post("/twilio/sms")
def twilio_sms() -> Response:
    if not twilio_valid(request):
        abort(403)
    sid = request.form.get("MessageSid") or request.form.get("SmsSid") or ""
    sender = request.form.get("From") or ""
    if not sid or not sender:
        return _twiml(None)
    result = inbound.handle_sms(sender, request.form.get("Body") or "", sid,
                                request.form.get("To"))
    db.session.commit()
    return _twiml(result.reply)


@bp.post("/twilio/status")
def twilio_status() -> Response:
    if not twilio_valid(request):
        abort(403)
    raw = request.args.get("notification", "")
    notification_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
    tracking.twilio_status(
        notification_id,
        request.form.get("MessageSid") or request.form.get("SmsSid") or "",
        request.form.get("MessageStatus") or request.form.get("SmsStatus") or "",
        request.form.get("ErrorCode") or None,
        request.form.get("To"),
    )
    db.session.commit()
    return Response("", status=204)
