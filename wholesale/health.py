"""`GET /healthz`: is the app up and can it reach its database?"""

from flask import Blueprint, jsonify
from sqlalchemy import text

from wholesale.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure makes the app unhealthy
        db.session.rollback()
        return jsonify({"status": "error", "database": type(exc).__name__}), 503
    return jsonify({"status": "ok", "database": "ok"})
