"""Reading the order forms of the portal (checkout, phone orders, list filters) into the
plain values the services take. Field names match the services' error paths
(`requested_delivery_date`, `contacts.0.email`, `lines.2.quantity`), so a service error is
shown next to its field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from wholesale.db import MAX_ID
from wholesale.orders.models import OrderStatus

MAX_FORM_ROWS = 50


# The services' error paths, as the order forms label their fields.
FIELD_LABELS = {
    "buyer_id": "Customer",
    "supplier_id": "Supplier",
    "delivery_location_id": "Deliver to",
    "requested_delivery_date": "Delivery date",
    "po_number": "PO number",
    "notes": "Notes for the supplier",
    "contacts": "Also keep informed",
    "lines": "Products",
    "checkout_key": "Checkout",
    "form_key": "Order form",
}
_ROW_FIELDS = {"name": "name", "email": "email", "phone": "phone", "product_id": "product",
               "quantity": "quantity"}


def field_label(path: str, line_names: Sequence[str] = ()) -> str:
    """`delivery_location_id` → "Deliver to", `contacts.0.email` → "Contact 1 email",
    `lines.2.quantity` → the product's name (when known) or "Line 3 quantity"."""
    parts = path.split(".")
    if len(parts) == 3 and parts[0] in ("contacts", "lines") and parts[1].isdigit():
        row, name = int(parts[1]), _ROW_FIELDS.get(parts[2], parts[2].replace("_", " "))
        if parts[0] == "lines" and row < len(line_names):
            return f"{line_names[row]} ({name})"
        return f"{'Contact' if parts[0] == 'contacts' else 'Line'} {row + 1} {name}"
    return FIELD_LABELS.get(path, path.replace("_", " ").capitalize())


def error_lines(errors: dict[str, list[str]], line_names: Sequence[str] = ()) -> list[str]:
    """Every field error as "<label>: <message>", for the summary above a form."""
    return [f"{field_label(path, line_names)}: {message}"
            for path, messages in errors.items() for message in messages]


def int_or_raw(value: str | None) -> int | str | None:
    """`"12"` → 12; anything else as typed (the service says what is wrong with it)."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) <= 10:
        return int(text)
    return text or None


def _rows(form: MultiDict[str, str], prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows posted as `<prefix>-<n>-<name>`, in order of n, blank rows dropped."""
    indexes: set[int] = set()
    for key in form:
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit() and parts[2] in names:
            indexes.add(int(parts[1]))
    rows = []
    for n in sorted(indexes)[:MAX_FORM_ROWS]:
        row = {name: form.get(f"{prefix}-{n}-{name}", "").strip() for name in names}
        if any(row.values()):
            rows.append(row)
    return rows


def contacts_from(form: MultiDict[str, str]) -> list[dict[str, str | None]]:
    return [{"name": row["name"], "email": row["email"] or None, "phone": row["phone"] or None}
            for row in _rows(form, "contacts", ("name", "email", "phone"))]


def lines_from(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    return [{"product_id": int_or_raw(row["product_id"]), "quantity": int_or_raw(row["quantity"])}
            for row in _rows(form, "lines", ("product_id", "quantity"))]


def delivery_from(form: MultiDict[str, str]) -> dict[str, Any]:
    """The delivery part of a checkout or phone order form."""
    return {
        "delivery_location_id": int_or_raw(form.get("delivery_location_id")),
        "requested_delivery_date": (form.get("requested_delivery_date") or "").strip() or None,
        "notes": form.get("notes", ""),
        "po_number": form.get("po_number", ""),
        "contacts": contacts_from(form),
    }


@dataclass
class ListFilters:
    """The order list's filters as typed, the valid ones parsed, and what was wrong."""

    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, str]:
        """The filters as typed, without the empty ones (for links)."""
        return {name: value for name, value in self.raw.items() if value}

    @property
    def active(self) -> bool:
        return any(self.raw.get(name) for name in ("status", "partner", "placed_from",
                                                   "placed_to", "delivery_from",
                                                   "delivery_to"))


def list_filters(args: MultiDict[str, str], supplier_view: bool) -> ListFilters:
    """`?status=&partner=&placed_from=…` → filters for `queries.OrderFilters`; a bad value is
    reported and ignored."""
    names = ("status", "partner", "placed_from", "placed_to", "delivery_from", "delivery_to")
    raw = {name: args.get(name, "").strip() for name in names}
    result = ListFilters(raw)
    if raw["status"]:
        if raw["status"] in {s.value for s in OrderStatus}:
            result.values["status"] = raw["status"]
        else:
            result.errors["status"] = "Unknown status."
    if raw["partner"]:
        partner = int_or_raw(raw["partner"])
        if isinstance(partner, int) and 0 < partner <= MAX_ID:
            result.values["buyer_id" if supplier_view else "supplier_id"] = partner
        else:
            result.errors["partner"] = "Unknown."
    for name in names[2:]:
        if raw[name]:
            try:
                result.values[name] = date.fromisoformat(raw[name])
            except ValueError:
                result.errors[name] = "Use a date like 2025-03-04."
    return result
