"""Security headers: every response is nosniff, same-origin referrer and not framable; the
HTML pages carry a Content-Security-Policy that runs no inline script without the request's
nonce. In Chromium: an injected inline script or event handler does not run (and every
browser test fails on a violation, tests/conftest.py), while the charts draw."""

from __future__ import annotations

import re
from pathlib import Path

from flask import make_response, render_template_string

from tests.chat.util import make_order
from tests.conftest import login
from tests.factories import PASSWORD
from wholesale.extensions import db
from wholesale.security_headers import tile_origin

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _directives(policy: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def _nonce(policy: str) -> str:
    (nonce,) = re.findall(r"'nonce-([A-Za-z0-9_-]+)'", " ".join(_directives(policy)["script-src"]))
    return nonce


def test_a_page_has_a_strict_policy_and_the_other_headers(client):
    response = client.get("/login")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'" and len(csp["script-src"]) == 2
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp["style-src"]
    assert csp["style-src-attr"] == ["'unsafe-inline'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["connect-src"] == ["'self'", "ws://127.0.0.1:5000"]  # PUBLIC_BASE_URL in tests
    # Map tiles (MAP_TILE_URL, OpenStreetMap by default): that origin, for images only.
    assert csp["img-src"] == ["'self'", "data:", "blob:", "https://tile.openstreetmap.org"]


def test_the_tile_origin_is_taken_from_the_tile_url_template():
    assert tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://tile.openstreetmap.org")
    assert tile_origin("https://{s}.tiles.example.com:8443/map/{z}/{x}/{y}.png") == (
        "https://*.tiles.example.com:8443")
    assert tile_origin(None) == ""


def test_the_nonce_is_new_for_every_request(client):
    nonces = {_nonce(client.get("/login").headers["Content-Security-Policy"]) for _ in range(3)}
    assert len(nonces) == 3 and all(len(n) >= 22 for n in nonces)


def test_a_template_gets_the_nonce_of_its_response(app):
    with app.test_request_context("/"):
        html = render_template_string('<script nonce="{{ csp_nonce() }}">go()</script>')
        response = app.process_response(make_response(html))
    assert f'nonce="{_nonce(response.headers["Content-Security-Policy"])}"' in html


def test_an_api_response_is_nosniff_too(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.is_json
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_an_error_page_has_the_policy(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_an_email_preview_keeps_its_own_policy_and_may_be_framed_by_the_outbox(client, factory):
    login(client, factory.owner(factory.supplier()))
    response = client.get("/dev/outbox/preview/order_delayed.html")
    assert response.status_code == 200
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"] and csp["sandbox"] == ["allow-popups"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_template_has_inline_handlers_or_unmarked_inline_scripts():
    """The pages' JavaScript is in static/js; what the policy would block has no place here."""
    found = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parent.name == "email":  # sent by mail, never served as a page
            continue
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            tag = match.group()
            if not re.search(r"\b(src|nonce)=|type=\"application/json\"", tag):
                found.append(f"{path.relative_to(TEMPLATES)}: {tag}")
        found += [f"{path.relative_to(TEMPLATES)}: {m.group()}"
                  for m in re.finditer(r"<[^>]*\son[a-z]+\s*=[^>]*>|javascript:", text)]
    assert not found, "\n".join(found)


def _supplier_signed_in(page, live_db) -> int:
    """A supplier with one order (so "/" is its dashboard with charts); the buyer's id."""
    supplier, buyer = live_db.supplier("Harbor Foods"), live_db.buyer()
    live_db.connect(supplier, buyer)
    make_order(live_db, supplier, buyer)
    email, buyer_id = live_db.owner(supplier).email, buyer.id
    db.session.commit()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    return buyer_id


def test_print_buttons_work_without_inline_handlers(page, live_db):
    buyer_id = _supplier_signed_in(page, live_db)
    page.goto(f"/invoices/statement/{buyer_id}")
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.click("[data-print]")
    assert page.evaluate("() => window.printed") is True


def test_injected_inline_script_is_blocked_and_the_charts_draw(page, live_db, csp_violations):
    _supplier_signed_in(page, live_db)

    page.wait_for_selector("html.has-charts", state="attached")
    drawn = page.evaluate("""() => {
        const canvas = document.getElementById("revenue-chart");
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
        return canvas.width > 0 && pixels.data.some((value) => value !== 0);
    }""")
    assert drawn, "Chart.js draws under the policy"
    bar = "() => getComputedStyle(document.querySelector('.dash-bars__fill')).width"
    assert page.evaluate(bar) != "0px", "style attributes draw the status bars"
    assert csp_violations.take() == [], "the dashboard itself breaks no rule"

    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = 'script'";
        document.body.append(script);
        document.body.insertAdjacentHTML("beforeend",
            '<img src="/static/img/logo.svg" onload="window.injected = \\'handler\\'">');
    }""")
    page.wait_for_function("() => [...document.images].every((img) => img.complete)")
    page.evaluate("() => new Promise((done) => setTimeout(done, 100))")
    assert page.evaluate("() => window.injected") is None
    blocked = csp_violations.take()
    assert any("script-src-elem" in v for v in blocked), blocked
    assert any("script-src-attr" in v for v in blocked), blocked
