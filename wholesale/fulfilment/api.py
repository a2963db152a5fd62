"""API: the order lifecycle (CONTRACT.md §3) — status, shipments, delays, delivery changes,
expedite. Each view parses (the route's schema), calls one service, and returns."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from wholesale.api.registry import route
from wholesale.fulfilment import changes, delays, expedite, labels, machine, shipments
from wholesale.fulfilment.delivery import deliver
from wholesale.fulfilment.models import DeliveryChange, OrderDelay, Shipment
from wholesale.fulfilment.schemas import (
    AnswerRequest,
    DelayRequest,
    DeliveryChangeRequest,
    ExpediteRequest,
    LabelRefundRequest,
    LabelRequest,
    ShipmentRequest,
    ShippingRatesRequest,
    StatusRequest,
)
from wholesale.fulfilment.serialize import (
    DelaySchema,
    DeliveryChangeSchema,
    RatesSchema,
    ShipmentSchema,
)
from wholesale.orders.models import Order, OrderStatus
from wholesale.orders.queries import get_order
from wholesale.orders.schemas import OrderSchema


def _me() -> Any:
    return current_user._get_current_object()


@route(
    "/orders/<int:order_id>/status",
    "POST",
    summary="Move an order to another status (the supplier; a buyer may only cancel before "
            "picking, or confirm delivery)",
    body=StatusRequest,
    response=OrderSchema,
    extra_responses={403: "forbidden_role: the buyer's side may not make this move",
                     409: "invalid_transition: not allowed from the current status",
                     422: "validation_error (a cancel needs a note: the reason)"},
)
def change_status(order_id: int, data: dict[str, Any]) -> Order:
    if data["status"] == OrderStatus.DELIVERED.value:
        deliver(order_id, _me(), data["note"])
    else:
        machine.transition(order_id, data["status"], _me(), data["note"])
    return get_order(order_id)


@route(
    "/orders/<int:order_id>/shipments",
    "POST",
    summary="Record a shipment: all that is reserved and not shipped, or the lines given",
    body=ShipmentRequest,
    response=ShipmentSchema,
    status=201,
    kinds=["supplier"],
    extra_responses={409: "invalid_transition (order not open) or nothing_to_ship",
                     422: "validation_error (e.g. more than can ship on a line)"},
)
def create_shipment(order_id: int, data: dict[str, Any]) -> Shipment:
    return shipments.ship(order_id, _me(), carrier=data["carrier"],
                          tracking_number=data["tracking_number"],
                          tracking_url=data["tracking_url"], lines=data["lines"])


@route(
    "/orders/<int:order_id>/shipping-rates",
    "POST",
    summary="Carrier rates for the order's parcels (by default one per case of what would "
            "ship), cheapest first",
    body=ShippingRatesRequest,
    response=RatesSchema,
    kinds=["supplier"],
    extra_responses={409: "invalid_transition: the order is not open, nothing_to_ship",
                     422: "validation_error (parcels, lines), invalid_address, no_rates",
                     503: "carrier_unavailable: the carrier did not answer"},
)
def shipping_rates(order_id: int, data: dict[str, Any]) -> dict[str, Any]:
    quotes = labels.quote(order_id, _me(), data["parcels"], data["lines"])
    return {"items": quotes, "parcels": quotes[0].parcels if quotes else []}


@route(
    "/orders/<int:order_id>/labels",
    "POST",
    summary="Buy the label of a quoted rate: records the shipment with its tracking",
    body=LabelRequest,
    response=ShipmentSchema,
    status=201,
    kinds=["supplier"],
    extra_responses={409: "invalid_transition (order not open), rate_expired, nothing_to_ship, "
                          "label_in_progress (another purchase for the order is under way), "
                          "label_in_doubt (an earlier purchase of another of the order's "
                          "rates did not finish: buy that rate again first)",
                     422: "validation_error (an unknown rate_id, lines that can't ship or "
                          "differ from the quote's), label_failed",
                     503: "carrier_unavailable: the carrier did not answer"},
)
def create_label(order_id: int, data: dict[str, Any]) -> Shipment:
    return labels.buy_label(order_id, _me(), data["rate_id"], data["lines"])


@route(
    "/shipments/<int:shipment_id>/label-refund",
    "POST",
    summary="Refund a carrier label the carrier has not scanned: the shipment is void, its "
            "goods back in stock for the order (a shipped order is packed again)",
    body=LabelRefundRequest,
    response=ShipmentSchema,
    kinds=["supplier"],
    extra_responses={409: "label_not_refundable (no label, refunded already, scanned, "
                          "delivered or invoiced), label_in_progress",
                     422: "refund_refused: the carrier refused it",
                     503: "carrier_unavailable: the carrier did not answer"},
)
def refund_label(shipment_id: int, data: dict[str, Any]) -> Shipment:
    return labels.refund_label(shipment_id, _me(), data["note"])


@route(
    "/orders/<int:order_id>/delays",
    "POST",
    summary="Post a delay: a new ETA and the reason",
    body=DelayRequest,
    response=DelaySchema,
    status=201,
    kinds=["supplier"],
    extra_responses={409: "order_closed (delivered or cancelled)",
                     422: "validation_error (ETA in the past or unchanged)"},
)
def create_delay(order_id: int, data: dict[str, Any]) -> OrderDelay:
    return delays.post_delay(order_id, _me(), reason=data["reason"], new_eta=data["new_eta"])


@route(
    "/orders/<int:order_id>/delivery-changes",
    "POST",
    summary="Ask the other side to change the delivery date and/or location",
    body=DeliveryChangeRequest,
    response=DeliveryChangeSchema,
    status=201,
    extra_responses={409: "change_pending (one request at a time) or order_closed",
                     422: "validation_error (e.g. a day the supplier does not deliver)"},
)
def create_delivery_change(order_id: int, data: dict[str, Any]) -> DeliveryChange:
    return changes.request_change(order_id, _me(), delivery_date=data["delivery_date"],
                                  delivery_location_id=data["delivery_location_id"],
                                  reason=data["reason"])


@route(
    "/delivery-changes/<int:change_id>/accept",
    "POST",
    summary="Accept the other side's delivery change: the order's date/location change",
    body=AnswerRequest,
    response=DeliveryChangeSchema,
    extra_responses={403: "forbidden_role: the side that asked cannot answer",
                     409: "change_not_pending or order_closed",
                     422: "validation_error: the date is no longer possible"},
)
def accept_delivery_change(change_id: int, data: dict[str, Any]) -> DeliveryChange:
    return changes.accept_change(change_id, _me(), data["note"])


@route(
    "/delivery-changes/<int:change_id>/decline",
    "POST",
    summary="Decline the other side's delivery change, with a note",
    body=AnswerRequest,
    response=DeliveryChangeSchema,
    extra_responses={403: "forbidden_role: the side that asked cannot answer",
                     409: "change_not_pending", 422: "validation_error: a note is required"},
)
def decline_delivery_change(change_id: int, data: dict[str, Any]) -> DeliveryChange:
    return changes.decline_change(change_id, _me(), data["note"])


@route(
    "/orders/<int:order_id>/expedite",
    "POST",
    summary="Flag the order as urgent, with the reason",
    body=ExpediteRequest,
    response=OrderSchema,
    extra_responses={409: "already_expedited or order_closed"},
)
def expedite_order(order_id: int, data: dict[str, Any]) -> Order:
    expedite.expedite(order_id, _me(), data["reason"])
    return get_order(order_id)
