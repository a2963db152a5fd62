"""The timeline, shipments, delays and delivery changes as JSON (the order JSON includes
them: `wholesale.orders.schemas.OrderSchema`). Imports nothing of the orders schemas, which
import this."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from wholesale.urls import public_url


class _Person(Schema):
    id = fields.Integer()
    name = fields.String()


class _Place(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String()


class _Warehouse(Schema):
    id = fields.Integer()
    name = fields.String()


class EventSchema(Schema):
    id = fields.Integer()
    kind = fields.String(attribute="kind.value")
    at = fields.DateTime(attribute="created_at")
    side = fields.String(attribute="side.value")
    actor = fields.Nested(_Person, allow_none=True)
    from_status = fields.Function(lambda e: e.from_status.value if e.from_status else None)
    to_status = fields.Function(lambda e: e.to_status.value if e.to_status else None)
    note = fields.String()
    data = fields.Method("_data")

    def _data(self, event: Any) -> dict[str, Any]:
        data = dict(event.data or {})
        data.pop("pod_photo", None)  # a stored file name: the pages link the photo
        data.pop("pod_content_type", None)
        return data


class ShipmentLineSchema(Schema):
    line_id = fields.Integer(attribute="order_line_id")
    sku = fields.Function(lambda ln: ln.order_line.sku)
    name = fields.Function(lambda ln: ln.order_line.name)
    quantity = fields.Integer()
    warehouse = fields.Nested(_Warehouse)


class ShipmentSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    order_status = fields.Function(lambda s: s.order.status.value,
                                   metadata={"description": "the order's status after it"})
    carrier = fields.String()
    tracking_number = fields.String()
    tracking_url = fields.String(allow_none=True)
    shipped_at = fields.DateTime(attribute="created_at")
    shipped_by = fields.Nested(_Person, allow_none=True)
    lines = fields.List(fields.Nested(ShipmentLineSchema))
    label_url = fields.Method("_label_url", metadata={
        "description": "the stored label PDF (carrier shipments), else null"})
    label_service = fields.String()
    label_amount = fields.Decimal(as_string=True, allow_none=True)
    label_currency = fields.String(allow_none=True)
    tracking_status = fields.String(allow_none=True, metadata={
        "description": "the carrier's: PRE_TRANSIT, TRANSIT, DELIVERED, FAILURE, RETURNED"})
    delivered_at = fields.DateTime(allow_none=True)
    voided_at = fields.DateTime(allow_none=True, metadata={
        "description": "its label was refunded: the shipment is void (no lines)"})
    label_refund_status = fields.String(allow_none=True, metadata={
        "description": "the carrier's refund status: QUEUED, PENDING, SUCCESS, ERROR"})

    def _label_url(self, shipment: Any) -> str | None:
        if shipment.label_file:
            return public_url("fulfilment.shipment_label", shipment_id=shipment.id)
        return shipment.label_remote_url


class RateSchema(Schema):
    id = fields.String(attribute="rate_id")
    carrier = fields.String()
    service = fields.String()
    amount = fields.Decimal(as_string=True)
    currency = fields.String()
    days = fields.Integer(allow_none=True)


class _ParcelSchema(Schema):
    weight_kg = fields.String()
    length_cm = fields.String()
    width_cm = fields.String()
    height_cm = fields.String()


class RatesSchema(Schema):
    items = fields.List(fields.Nested(RateSchema))
    parcels = fields.List(fields.Nested(_ParcelSchema), metadata={
        "description": "the parcels quoted (the catalog's, or those sent)"})


class DelaySchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    previous_eta = fields.Date()
    new_eta = fields.Date()
    reason = fields.String()
    created_at = fields.DateTime()
    created_by = fields.Nested(_Person, allow_none=True)


class DeliveryChangeSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    status = fields.String(attribute="status.value")
    requested_by = fields.Nested(_Person)
    requested_side = fields.String(attribute="requested_side.value")
    delivery_date = fields.Date(allow_none=True)
    delivery_location = fields.Nested(_Place, allow_none=True)
    previous_delivery_date = fields.Date()
    previous_location = fields.Nested(_Place)
    reason = fields.String()
    response_note = fields.String()
    responded_by = fields.Nested(_Person, allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
