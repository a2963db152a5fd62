"""`/api/v1/webhook-endpoints` (CONTRACT.md §3 "Outbound webhooks"): the organization's
owner registers, lists and deletes endpoints, reads their delivery log, redelivers."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from messaging.webhooks_out import services
from messaging.webhooks_out.schemas import (
    DeliveryQuery,
    DeliverySchema,
    EndpointCreatedSchema,
    EndpointCreateSchema,
    EndpointSchema,
)
from wholesale.api.pagination import Page
from wholesale.api.registry import route


@route("/webhook-endpoints", "POST", summary="Register a webhook endpoint (owner); the "
       "answer carries its signing secret, shown only this once", body=EndpointCreateSchema,
       response=EndpointCreatedSchema, status=201)
def create_webhook_endpoint(data: dict[str, Any]) -> Any:
    return services.create_endpoint(current_user, data["url"], data["events"])


@route("/webhook-endpoints", summary="The organization's webhook endpoints (owner)",
       response=EndpointSchema, paginated=True)
def list_webhook_endpoints(query: dict[str, Any]) -> Page:
    return services.endpoints(current_user, query)


@route("/webhook-endpoints/<int:endpoint_id>", "DELETE",
       summary="Delete a webhook endpoint and its delivery log (owner)", status=204)
def delete_webhook_endpoint(endpoint_id: int) -> dict[str, Any]:
    services.delete_endpoint(current_user, endpoint_id)
    return {}


@route("/webhook-endpoints/<int:endpoint_id>/enable", "POST",
       summary="Enable an endpoint disabled after repeated failures (owner)",
       response=EndpointSchema)
def enable_webhook_endpoint(endpoint_id: int) -> Any:
    return services.enable_endpoint(current_user, endpoint_id)


@route("/webhook-endpoints/<int:endpoint_id>/deliveries",
       summary="The endpoint's delivery log (owner): event, status, response status code, "
       "attempts, next attempt", query=DeliveryQuery, response=DeliverySchema,
       paginated=True)
def list_webhook_deliveries(endpoint_id: int, query: dict[str, Any]) -> Page:
    return services.deliveries(current_user, endpoint_id, query)


@route("/webhook-endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver",
       "POST", summary="Send a delivery's event again, as a new delivery (owner)",
       response=DeliverySchema, status=201)
def redeliver_webhook(endpoint_id: int, delivery_id: int) -> Any:
    return services.redeliver(current_user, endpoint_id, delivery_id)
