"""What the fulfilment pages' forms and the board's query string carry, parsed with
marshmallow like the API (HTML forms send empty strings for empty fields: they are None)."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from wholesale.fulfilment.board import MAX_LIMIT
from wholesale.fulfilment.schemas import (
    AnswerRequest,
    DelayRequest,
    DeliveryChangeRequest,
    ExpediteRequest,
    LabelRefundRequest,
    StatusRequest,
)
from wholesale.orders.models import OrderStatus
from wholesale.orders.schemas import Id, WholeNumber


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_is_none(self, data: Any, **_kwargs: Any) -> Any:
        if hasattr(data, "to_dict"):
            data = data.to_dict()
        return {k: v for k, v in dict(data).items() if v != ""}


class StatusForm(_Form, StatusRequest):
    pass


class DelayForm(_Form, DelayRequest):
    pass


class ChangeForm(_Form, DeliveryChangeRequest):
    delivery_location_id = Id("a delivery location id", text=True, load_default=None)


class AnswerForm(_Form, AnswerRequest):
    pass


class ExpediteForm(_Form, ExpediteRequest):
    pass


class RefundForm(_Form, LabelRefundRequest):
    pass


class ShipmentForm(_Form):
    """`qty-<line id>` fields give the quantity of each line to ship."""

    carrier = fields.String(required=True, validate=validate.Length(1, 64))
    tracking_number = fields.String(load_default="", validate=validate.Length(max=100))
    tracking_url = fields.String(load_default=None, validate=validate.Length(max=500))
    lines = fields.List(fields.Dict(), load_default=None)

    @pre_load
    def _lines(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        lines: list[dict[str, Any]] = []
        for key in sorted(k for k in data if k.startswith("qty-")):
            value = str(data.pop(key)).strip()
            line_id = int(key[4:]) if key[4:].isdigit() else 0
            if value in ("", "0"):
                continue
            # the service checks the quantity (a whole number, no more than can ship)
            lines.append({"line_id": line_id, "quantity": int(value) if value.isdigit()
                          else value})
        data["lines"] = lines or None
        return data


class DeliverForm(_Form):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class BulkForm(Schema):
    action = fields.String(required=True, validate=validate.OneOf(
        ["received", "picking", "packed", "pick_list", "packing_slips"]))
    order_ids = fields.List(Id("an order id", text=True), required=True,
                            validate=validate.Length(1, 200))


class BoardQuery(_Form):
    warehouse_id = Id("a warehouse id", text=True, load_default=None)
    buyer_id = Id("a buyer id", text=True, load_default=None)
    delivery_date = fields.Date(load_default=None)
    late = fields.Boolean(load_default=False)
    expedited = fields.Boolean(load_default=False)
    expand = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in OrderStatus]))
    limit = WholeNumber(1, MAX_LIMIT, "a number of cards", text=True, load_default=None)


class PrintQuery(_Form):
    order_ids = fields.List(Id("an order id", text=True), required=True,
                            validate=validate.Length(1, 200))
    warehouse_id = Id("a warehouse id", text=True, load_default=None)
    format = fields.String(load_default="html", validate=validate.OneOf(["html", "pdf"]))
