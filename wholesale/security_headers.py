"""Security headers on every response, and the Content-Security-Policy of the HTML pages.

Scripts run only from this origin's files, or from an inline <script> that carries the
request's nonce (`<script nonce="{{ csp_nonce() }}">`); inline event handlers (onclick=…) and
javascript: URLs never run, so the pages keep their JavaScript in static/js and pass data in
data-* attributes or <script type="application/json"> blocks. Stylesheets likewise come from
this origin (or a <style> with the nonce), but style="" attributes are allowed
(`style-src-attr 'unsafe-inline'`): a few pages draw server-computed widths with them (the
dashboard's status bars, progress bars) and work without JavaScript. An attribute cannot hold
a selector, so it cannot read the page the way an injected <style> block could, and it can
load nothing from elsewhere (img-src, font-src).

Map tiles (the delivery runs' dispatcher page) are images from MAP_TILE_URL's origin, so that
origin — and only it, and only for images — is added to img-src; a `{s}` subdomain
placeholder becomes a `*` wildcard.

Socket.IO connects to PUBLIC_BASE_URL (the only origin its server accepts), over
ws:/wss:, which 'self' covers only in browsers that follow CSP Level 3; so it is named.

A response that sets its own Content-Security-Policy or X-Frame-Options (uploaded images,
email previews shown in a frame) keeps it.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g

_WEBSOCKET_SCHEMES = {"http": "ws", "https": "wss"}


def csp_nonce() -> str:
    """This request's script and style nonce (a fresh one per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str, websocket_origin: str, tiles: str = "") -> str:
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": f"'self' 'nonce-{nonce}'",
        "style-src-attr": "'unsafe-inline'",
        "img-src": f"'self' data: blob: {tiles}".rstrip(),
        "connect-src": f"'self' {websocket_origin}",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _websocket_origin(public_base_url: str) -> str:
    url = urlsplit(public_base_url)
    return f"{_WEBSOCKET_SCHEMES.get(url.scheme, 'wss')}://{url.netloc}"


def tile_origin(tile_url: str | None) -> str:
    """The scheme and host of a {z}/{x}/{y} tile URL template, as a CSP source."""
    if not tile_url:
        return ""
    url = urlsplit(tile_url.replace("{s}", "tile-subdomain"))
    host = url.netloc.replace("tile-subdomain", "*")
    return f"{url.scheme}://{host}" if url.scheme in ("http", "https") and host else ""


def init_app(app: Flask) -> None:
    websocket_origin = _websocket_origin(app.config["PUBLIC_BASE_URL"])
    tiles = tile_origin(app.config.get("MAP_TILE_URL"))
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            headers.setdefault(
                "Content-Security-Policy",
                content_security_policy(csp_nonce(), websocket_origin, tiles),
            )
        return response
