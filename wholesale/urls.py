"""Absolute links (emails, SMS, invitations) built on PUBLIC_BASE_URL, not the request host."""

from flask import current_app, url_for


def public_url(endpoint: str, **values: object) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)
