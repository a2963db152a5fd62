"""API schemas for orders: what `POST /orders` takes, what the order reads look like."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from wholesale.api.fields import Coordinate, Id, WholeNumber
from wholesale.api.pagination import PageQuery
from wholesale.fulfilment import late as _late
from wholesale.fulfilment.serialize import (
    DelaySchema,
    DeliveryChangeSchema,
    EventSchema,
    ShipmentSchema,
)
from wholesale.orders.models import OrderStatus
from wholesale.orders.placement import MAX_CONTACTS, MAX_LINES, MAX_NOTES, MAX_PO_NUMBER
from wholesale.orders.rules import MAX_QUANTITY


class LineRequest(Schema):
    product_id = Id("a product id", required=True)
    quantity = WholeNumber(1, MAX_QUANTITY, "a quantity", required=True)


class ContactRequest(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))


class OrderCreate(Schema):
    supplier_id = Id("a supplier id", load_default=None,
                     metadata={"description": "required for buyers; suppliers may omit it"})
    buyer_id = Id("a buyer id", load_default=None,
                  metadata={"description": "suppliers only: the customer (a phone order)"})
    lines = fields.List(fields.Nested(LineRequest), required=True,
                        validate=validate.Length(1, MAX_LINES))
    requested_delivery_date = fields.Date(required=True)
    delivery_location_id = Id("a delivery location id", required=True)
    notes = fields.String(load_default="", validate=validate.Length(max=MAX_NOTES))
    po_number = fields.String(load_default="", validate=validate.Length(max=MAX_PO_NUMBER))
    contacts = fields.List(fields.Nested(ContactRequest), load_default=list,
                           validate=validate.Length(max=MAX_CONTACTS))


class OrderListQuery(PageQuery):
    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in OrderStatus]))
    supplier_id = Id("a supplier id", text=True, load_default=None)
    buyer_id = Id("a buyer id", text=True, load_default=None)
    placed_from = fields.Date(load_default=None, metadata={"description": "UTC day, inclusive"})
    placed_to = fields.Date(load_default=None, metadata={"description": "UTC day, inclusive"})
    delivery_from = fields.Date(load_default=None)
    delivery_to = fields.Date(load_default=None)


# -- responses --------------------------------------------------------------------------------

class OrganizationRef(Schema):
    id = fields.Integer()
    name = fields.String()


class PersonRef(Schema):
    id = fields.Integer()
    name = fields.String()


class WarehouseRef(Schema):
    id = fields.Integer()
    name = fields.String()


class AllocationSchema(Schema):
    id = fields.Integer()
    warehouse = fields.Nested(WarehouseRef)
    quantity = fields.Integer()
    shipped_quantity = fields.Integer()


class LineSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    quantity = fields.Integer()
    unit_price = fields.Decimal(as_string=True, places=2)
    line_total = fields.Decimal(as_string=True, places=2)
    allocated_quantity = fields.Method(
        "_allocated", metadata={"description": "reserved in warehouses for this line"}
    )
    allocations = fields.List(fields.Nested(AllocationSchema))
    shipped_quantity = fields.Function(lambda line: sum(a.shipped_quantity
                                                        for a in line.allocations))

    def _allocated(self, line: Any) -> int:
        return sum(a.quantity for a in line.allocations if a.released_at is None)


class ContactSchema(Schema):
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class LocationRef(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String()
    latitude = Coordinate(90)
    longitude = Coordinate(180)
    contact_phone = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)


class OrderRef(Schema):
    id = fields.Integer()
    number = fields.String(attribute="display_number")
    status = fields.String(attribute="status.value")


class OrderSchema(Schema):
    id = fields.Integer()
    number = fields.String(attribute="display_number",
                           metadata={"description": "e.g. GG-00042"})
    sequence = fields.Integer(attribute="number",
                              metadata={"description": "the number per supplier, from 1"})
    status = fields.String(attribute="status.value")
    channel = fields.String(attribute="channel.value")
    supplier = fields.Nested(OrganizationRef)
    buyer = fields.Nested(OrganizationRef)
    placed_by = fields.Nested(PersonRef)
    placed_at = fields.DateTime(attribute="created_at")
    updated_at = fields.DateTime()
    requested_delivery_date = fields.Date()
    delivery_location = fields.Nested(LocationRef)
    notes = fields.String()
    po_number = fields.String()
    currency = fields.String()
    subtotal = fields.Decimal(as_string=True, places=2)
    total = fields.Function(lambda order: f"{order.subtotal:.2f}",
                            metadata={"description": "what the buyer pays (no taxes yet)"})
    lines = fields.List(fields.Nested(LineSchema))
    contacts = fields.List(fields.Nested(ContactSchema))
    backorder_of = fields.Nested(OrderRef, allow_none=True)
    backorders = fields.List(fields.Nested(OrderRef))
    # -- fulfilment (wholesale/fulfilment) --------------------------------------------------
    eta = fields.Function(lambda order: _late.due_date(order).isoformat(),
                          metadata={"description": "the current ETA: the last delay's date, "
                                                   "else the requested delivery date"})
    late = fields.Function(lambda order: _late.is_late(order),
                           metadata={"description": "past its ETA and not delivered"})
    expedited = fields.Function(lambda order: order.expedited_at is not None)
    expedited_at = fields.DateTime(allow_none=True)
    expedite_reason = fields.String(allow_none=True)
    status_changed_at = fields.DateTime(allow_none=True)
    shipments = fields.List(fields.Nested(ShipmentSchema))
    eta_history = fields.List(fields.Nested(DelaySchema), attribute="delays",
                              metadata={"description": "every delay, oldest first"})
    delivery_changes = fields.List(fields.Nested(DeliveryChangeSchema))
    timeline = fields.List(fields.Nested(EventSchema), attribute="events",
                           metadata={"description": "every status change, shipment, delay, "
                                                    "delivery change and expedite, oldest "
                                                    "first"})
