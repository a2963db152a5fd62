"""/settings/webhooks: the owner adds an endpoint (the secret shown once), sees it and its
deliveries, deletes it; staff may not; a refused URL is shown on the form."""

from __future__ import annotations

from sqlalchemy import select

from messaging.webhooks_out.models import WebhookEndpoint
from tests.conftest import login
from wholesale.extensions import db


def _endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).execution_options(
        all_tenants=True)))


def test_the_owner_adds_sees_and_deletes_an_endpoint(client, cast):
    login(client, cast.supplier_owner)
    page = client.get("/settings/webhooks")
    assert page.status_code == 200 and b"No webhook endpoints" in page.data
    assert b'href="/settings/webhooks"' in page.data  # in the settings menu

    added = client.post("/settings/webhooks", data={
        "url": "https://erp.example.test/in", "events": ["order.placed", "invoice.issued"]})
    assert added.status_code == 200
    [endpoint] = _endpoints()
    assert endpoint.secret.encode() in added.data  # shown once…
    assert endpoint.events == ["order.placed", "invoice.issued"]
    again = client.get("/settings/webhooks")
    assert b"https://erp.example.test/in" in again.data
    assert endpoint.secret.encode() not in again.data  # …and never again

    deleted = client.post(f"/settings/webhooks/{endpoint.id}/delete")
    assert deleted.status_code == 302
    assert _endpoints() == []


def test_a_refused_url_is_shown_on_the_form(client, cast, settings):
    settings(WEBHOOKS_ALLOW_PRIVATE="0")
    login(client, cast.supplier_owner)
    response = client.post("/settings/webhooks", data={
        "url": "http://169.254.169.254/latest", "events": ["*"]})
    assert response.status_code == 422
    assert b"public addresses only" in response.data
    assert _endpoints() == []


def test_staff_may_not_open_the_page(client, cast):
    login(client, cast.supplier_staff)
    assert client.get("/settings/webhooks").status_code == 403
    assert b'href="/settings/webhooks"' not in client.get("/settings/tokens").data
