"""One error format: CONTRACT.md §3 JSON under /api, friendly pages everywhere else."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from wholesale.errors import DomainError
from wholesale.extensions import db

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def _json(status: int, code: str, message: str, fields: dict | None = None):
    error: dict[str, object] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return jsonify({"error": error}), status


def _page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        if _wants_json():
            return _json(exc.status, exc.code, exc.message, exc.fields)
        return _page(exc.status, "That didn't work", exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        if _wants_json():
            return _json(400, "csrf_failed", exc.description)
        return _page(
            400, "This form has expired", "Go back, reload the page and send the form again."
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        db.session.rollback()
        status = exc.code or 500
        if _wants_json():
            message = exc.description or exc.name
            if status == 429:
                message = "Too many attempts. Wait a little and try again."
            elif status == 413:
                message = "The request body is too large."
            body, code = _json(status, _HTTP_CODES.get(status, "http_error"), message)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                value = exc.get_response().headers.get(header)
                if value:
                    body.headers[header] = value
            return body, code
        titles = {
            404: "Page not found",
            403: "Not allowed",
            429: "Slow down",
            405: "Not allowed",
            413: "Too large",
        }
        messages = {
            404: "There is nothing at this address, or you don't have access to it.",
            429: "Too many attempts. Wait a minute and try again.",
        }
        return _page(status, titles.get(status, exc.name), messages.get(status, exc.description))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if _wants_json():
            return _json(500, "internal_error", "Something went wrong on our side.")
        return _page(500, "Something went wrong", "We have logged the problem. Try again.")
