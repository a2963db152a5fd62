"""The Shippo tracking webhook, `POST /webhooks/shippo/track/<SHIPPO_WEBHOOK_SECRET>`
(CONTRACT.md §5): the secret path segment is the check (a wrong one is 404, like the
Inbound Parse webhook's); CSRF-exempt; one update per call, applied once."""

from __future__ import annotations

import hmac
import json

from flask import Blueprint, Response, abort, current_app, jsonify, request

from wholesale.errors import BadRequest, DomainError
from wholesale.extensions import db
from wholesale.fulfilment import tracking

bp = Blueprint("carrier_hooks", __name__, url_prefix="/webhooks/shippo")


@bp.post("/track/<secret>")
def shippo_track(secret: str) -> tuple[Response, int]:
    expected = current_app.config["SHIPPO_WEBHOOK_SECRET"]
    if not hmac.compare_digest(secret.encode(), expected.encode()):
        abort(404)
    try:
        try:
            payload = json.loads(request.get_data() or b"null")
        except ValueError:
            raise BadRequest("The body is not JSON.", code="malformed_json") from None
        if isinstance(payload, dict) and payload.get("event") not in (None, "track_updated"):
            return jsonify({"outcome": "ignored"}), 200
        outcome = tracking.apply(tracking.parse(payload))
    except DomainError as exc:  # JSON for the carrier, as the API answers
        db.session.rollback()
        return jsonify(exc.to_dict()), exc.status
    db.session.commit()
    return jsonify({"outcome": outcome}), 200
