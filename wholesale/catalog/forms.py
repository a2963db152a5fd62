"""Turning the catalog pages' HTML forms into the same data the API validates, so a page and
the API accept and refuse exactly the same things."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from wholesale.api.registry import load
from wholesale.catalog.schemas import ProductCreate, ProductUpdate

INT_FIELDS = ("case_size", "min_order_qty", "order_multiple", "reorder_point")
# For carrier parcels (blank: not known); the API's numbers, typed as text.
MEASURE_FIELDS = ("weight_kg", "case_length_cm", "case_width_cm", "case_height_cm")
TEXT_FIELDS = ("sku", "name", "description", "category", "unit", "currency")
UNITS = ("case", "each", "kg", "lb", "box", "bag", "bottle", "dozen", "tray", "pack", "litre")


def _int_or_raw(value: str) -> int | str:
    text = value.strip()
    return int(text) if text.lstrip("-").isdigit() else text


def product_data(form: MultiDict[str, str], *, creating: bool) -> dict[str, Any]:
    """The product form → validated product data (ValidationFailed names the fields)."""
    data: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in form:
            data[name] = form.get(name, "")
    if "price" in form:
        data["price"] = form.get("price", "").strip()
    for name in INT_FIELDS:
        if form.get(name, "").strip():
            data[name] = _int_or_raw(form[name])
    if "overstock_level" in form:
        raw = form.get("overstock_level", "").strip()
        data["overstock_level"] = _int_or_raw(raw) if raw else None
    for name in MEASURE_FIELDS:
        if name in form:
            data[name] = form.get(name, "").strip() or None
    data["allow_backorder"] = form.get("allow_backorder") in ("on", "1", "yes", "true")
    breaks = []
    for qty, price in zip(form.getlist("break_min_qty"), form.getlist("break_price"),
                          strict=False):
        if qty.strip() or price.strip():
            breaks.append({"min_qty": _int_or_raw(qty), "price": price.strip()})
    data["price_breaks"] = breaks
    return load(ProductCreate if creating else ProductUpdate, data)


def form_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """What the person typed, to show the form again after an error."""
    values: dict[str, Any] = {k: form.get(k, "") for k in
                              (*TEXT_FIELDS, "price", *INT_FIELDS, "overstock_level",
                               *MEASURE_FIELDS)}
    values["allow_backorder"] = form.get("allow_backorder") in ("on", "1", "yes", "true")
    values["price_breaks"] = [
        {"min_qty": q, "price": p} for q, p in
        zip(form.getlist("break_min_qty"), form.getlist("break_price"), strict=False)
        if q.strip() or p.strip()
    ]
    return values
