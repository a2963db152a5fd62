"""`/api/v1/webhook-endpoints` (CONTRACT.md §3): the owner registers, lists, deletes; the
secret is shown once; bad input is a 4xx that changes nothing; SSRF targets are refused
when private addresses are not allowed; another organization's endpoint is a 404."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from messaging.webhooks_out.models import WebhookEndpoint
from tests.api.util import assert_error
from wholesale.extensions import db


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookEndpoint).execution_options(
        all_tenants=True)) or 0


def test_the_owner_registers_an_endpoint_and_sees_its_secret_once(cast, api_as):
    owner = api_as(cast.supplier_owner)
    created = owner.post("/api/v1/webhook-endpoints", json={
        "url": "https://erp.example.test/hooks/ordertalk",
        "events": ["order.placed", "delivery_change.*", "order.placed"]})
    assert created.status_code == 201, created.json
    body = created.json
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 30
    assert body["events"] == ["order.placed", "delivery_change.*"]
    assert body["status"] == "enabled" and body["url"].endswith("/hooks/ordertalk")

    listed = owner.get("/api/v1/webhook-endpoints").json
    assert [e["id"] for e in listed["items"]] == [body["id"]]
    assert "secret" not in listed["items"][0]
    assert owner.get(f"/api/v1/webhook-endpoints/{body['id']}/deliveries").json == {
        "items": [], "next_cursor": None}

    assert owner.delete(f"/api/v1/webhook-endpoints/{body['id']}").status_code == 204
    assert owner.get("/api/v1/webhook-endpoints").json["items"] == []
    assert_error(owner.delete(f"/api/v1/webhook-endpoints/{body['id']}"), 404, "not_found")


@pytest.mark.parametrize("body, field", [
    ({"url": "ftp://erp.example.test/x", "events": ["order.placed"]}, "url"),
    ({"url": "not a url", "events": ["order.placed"]}, "url"),
    ({"url": "https://user:pw@erp.example.test/x", "events": ["order.placed"]}, "url"),
    ({"url": "https://erp.example.test:99999/x", "events": ["order.placed"]}, "url"),
    ({"url": "https://erp.example.test/x", "events": ["order.exploded"]}, "events"),
    ({"url": "https://erp.example.test/x", "events": []}, "events"),
    ({"url": "https://erp.example.test/x"}, "events"),
    ({"events": ["order.placed"]}, "url"),
])
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(cast, api_as, body, field):
    before = _count()
    response = api_as(cast.supplier_owner).post("/api/v1/webhook-endpoints", json=body)
    assert_error(response, 422, "validation_error", fields=[field])
    assert _count() == before


def test_staff_may_not_manage_endpoints(cast, api_as):
    response = api_as(cast.supplier_staff).post("/api/v1/webhook-endpoints", json={
        "url": "https://erp.example.test/x", "events": ["*"]})
    assert_error(response, 403, "forbidden_role")
    assert_error(api_as(cast.buyer_staff).get("/api/v1/webhook-endpoints"), 403)
    assert _count() == 0


def test_a_buyer_owner_registers_too(cast, api_as):
    response = api_as(cast.buyer_owner).post("/api/v1/webhook-endpoints", json={
        "url": "https://purchasing.example.test/in", "events": ["shipment.created"]})
    assert response.status_code == 201


def test_another_organizations_endpoint_is_not_found(cast, api_as, factory):
    mine = api_as(cast.supplier_owner).post("/api/v1/webhook-endpoints", json={
        "url": "https://erp.example.test/x", "events": ["*"]}).json
    outsider = api_as(factory.owner(factory.supplier("Elsewhere Foods")))
    partner = api_as(cast.buyer_owner)  # trades with the supplier, still not its endpoint
    for client in (outsider, partner):
        base = f"/api/v1/webhook-endpoints/{mine['id']}"
        assert_error(client.get(f"{base}/deliveries"), 404, "not_found")
        assert_error(client.delete(base), 404, "not_found")
        assert_error(client.post(f"{base}/enable"), 404, "not_found")
        assert_error(client.post(f"{base}/deliveries/1/redeliver"), 404, "not_found")
        assert client.get("/api/v1/webhook-endpoints").json["items"] == []
    assert _count() == 1


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hooks",
    "http://10.1.2.3/hooks",
    "http://192.168.0.10/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8080/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://[fe80::1]/hooks",
    "http://0.0.0.0/hooks",
    "https://localhost/hooks",  # a name resolving to loopback
])
def test_private_targets_are_refused_unless_allowed(cast, api_as, settings, url):
    owner = api_as(cast.supplier_owner)
    settings(WEBHOOKS_ALLOW_PRIVATE="0")
    response = owner.post("/api/v1/webhook-endpoints", json={"url": url, "events": ["*"]})
    error = assert_error(response, 422, "validation_error", fields=["url"])
    assert "public addresses only" in error["fields"]["url"][0]
    assert _count() == 0
    settings(WEBHOOKS_ALLOW_PRIVATE="1")  # development and tests
    assert owner.post("/api/v1/webhook-endpoints",
                      json={"url": url, "events": ["*"]}).status_code == 201


def test_the_openapi_document_describes_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    create = paths["/api/v1/webhook-endpoints"]["post"]
    assert create["responses"]["201"]
    assert {"get", "post"} <= set(paths["/api/v1/webhook-endpoints"])
    assert "delete" in paths["/api/v1/webhook-endpoints/{endpoint_id}"]
    deliveries = paths["/api/v1/webhook-endpoints/{endpoint_id}/deliveries"]["get"]
    assert {p["name"] for p in deliveries["parameters"]} >= {"limit", "cursor", "status"}
    assert "/api/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver" in paths
    text = client.get("/api/v1/openapi.json").get_data(as_text=True)
    assert "secret" in text and "next_attempt_at" in text and "response_status" in text
