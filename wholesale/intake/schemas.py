"""API schemas for `POST /api/v1/intake/parse`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from wholesale.db import MAX_ID
from wholesale.intake.parser import MAX_TEXT_LENGTH

_ID = validate.Range(1, MAX_ID)


class IntakeParseRequest(Schema):
    supplier_id = fields.Integer(strict=True, validate=_ID,
                                 metadata={"description": "a buyer: the connected supplier"})
    buyer_id = fields.Integer(strict=True, validate=_ID,
                              metadata={"description": "a supplier: the customer who wrote"})
    text = fields.String(required=True, validate=validate.Length(max=MAX_TEXT_LENGTH))
    today = fields.Date(metadata={"description": "pins relative dates (YYYY-MM-DD); the "
                                                 "message counts as sent at the start of it"})

    @validates("text")
    def _not_blank(self, value: str, **_: object) -> None:
        if not value.strip():
            raise ValidationError("Send the message text to read.")

    @validates("today")
    def _plausible(self, value: date, **_: object) -> None:
        if not 2000 <= value.year <= 2100:
            raise ValidationError("Give a date between 2000 and 2100.")


class Quantity(fields.Field):
    """A JSON number: whole quantities as integers (as orders take them), others as floats."""

    def _serialize(self, value: Any, attr: str | None, obj: Any,
                   **kwargs: Any) -> int | float | None:
        if value is None:
            return None
        amount = Decimal(value)
        return int(amount) if amount == amount.to_integral_value() else float(amount)


class ParsedLineSchema(Schema):
    product_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    quantity = Quantity(metadata={"description": "in the product's unit (a whole number "
                                                "unless flagged check_quantity)"})
    unit = fields.String()
    confidence = fields.Float(metadata={"description": "0..1"})
    source_text = fields.String(metadata={"description": "the words the line came from"})
    flags = fields.List(fields.String(), metadata={
        "description": "quantity_assumed, unit_converted, check_quantity, from_history, "
                       "chosen_by_history, chosen_by_context"})
    note = fields.String(allow_none=True)


class QuestionOptionSchema(Schema):
    number = fields.Integer()
    product_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    case_size = fields.Integer()


class QuestionSchema(Schema):
    fragment = fields.String()
    prompt = fields.String(metadata={"description": "e.g. 'Romaine: 1) … or 2) …? Reply 1 or 2.'"})
    quantity = Quantity(allow_none=True, metadata={"description": "as the buyer wrote it"})
    unit = fields.String(allow_none=True)
    options = fields.List(fields.Nested(QuestionOptionSchema))


class IntakeParseSchema(Schema):
    is_order = fields.Boolean()
    lines = fields.List(fields.Nested(ParsedLineSchema))
    unmatched = fields.List(fields.String(), metadata={"description": "fragments not matched"})
    requested_delivery_date = fields.Date(allow_none=True)
    date_note = fields.String(allow_none=True, metadata={
        "description": "why the date differs from the one asked (cut-off, no delivery that day)"})
    questions = fields.List(fields.Nested(QuestionSchema))
    history = fields.String(allow_none=True, metadata={
        "description": "usual | last_week | last_order when the message referred to one"})
    reason = fields.String(allow_none=True, metadata={
        "description": "why it is not an order: empty, keyword, question, complaint, change, "
                       "later, small_talk, no_items, no_order_intent"})
