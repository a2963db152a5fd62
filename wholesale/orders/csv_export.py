"""Orders as CSV: one row per order line, newest order first, with the list's filters.

The columns start with those the CSV import reads (`order_ref`, `supplier`, `buyer`, `sku`,
`quantity`, `delivery_date`, `location`, `po_number`, `notes`), so an export can be edited
(new dates) and imported again; the rest describe the order as placed.
"""

from __future__ import annotations

from collections.abc import Iterator

from wholesale.accounts.models import Organization
from wholesale.csv_writer import CSVText
from wholesale.orders.queries import OrderFilters, iter_orders

COLUMNS = ("order_ref", "supplier", "buyer", "sku", "quantity", "delivery_date", "location",
           "po_number", "notes", "status", "placed_at", "channel", "product", "unit",
           "unit_price", "line_total", "order_total", "currency", "backorder_of")


def export_rows(org: Organization, filters: OrderFilters) -> Iterator[str]:
    """The CSV text, a chunk per order (for a streamed response)."""
    out = CSVText()
    out.row(COLUMNS)
    yield out.take()
    for order in iter_orders(org, filters):
        for line in order.lines:
            out.row((
                order.display_number, order.supplier.name, order.buyer.name, line.sku,
                line.quantity, order.requested_delivery_date.isoformat(),
                order.delivery_location.name, order.po_number, order.notes,
                order.status.value, order.created_at.isoformat(), order.channel.value,
                line.name, line.unit, f"{line.unit_price:.2f}", f"{line.line_total:.2f}",
                f"{order.subtotal:.2f}", order.currency,
                order.backorder_of.display_number if order.backorder_of else "",
            ))
        yield out.take()
