"""The domain's signals (wholesale/signals.py) and chat messages → webhook events. Each
event goes to the endpoints of the organizations it concerns (both sides of the order,
invoice or payment); the `data` is built only when an endpoint wants it. Internal notes go
to the supplier's endpoints only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from messaging.webhooks_out.outbox import queue
from wholesale import signals
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant


def _order(order: Order) -> dict[str, Any]:
    return {
        "id": order.id, "number": order.display_number, "status": order.status,
        "supplier_id": order.supplier_id, "buyer_id": order.buyer_id,
        "channel": order.channel, "placed_at": order.created_at,
        "requested_delivery_date": order.requested_delivery_date, "eta": order.eta,
        "delivery_location_id": order.delivery_location_id, "po_number": order.po_number,
        "notes": order.notes, "currency": order.currency, "subtotal": order.subtotal,
        "backorder_of_id": order.backorder_of_id,
        "lines": [{"id": line.id, "product_id": line.product_id, "sku": line.sku,
                   "name": line.name, "unit": line.unit, "quantity": line.quantity,
                   "unit_price": line.unit_price, "line_total": line.line_total}
                  for line in order.lines],
    }


def _both(supplier_id: int, buyer_id: int, data: Callable[[], dict[str, Any]]
          ) -> dict[int, Callable[[], dict[str, Any]]]:
    return {supplier_id: data, buyer_id: data}


def _order_event(event_type: str, extra: Callable[[Order, dict[str, Any]], dict[str, Any]]
                 ) -> Callable[..., None]:
    def receive(sender: Any, order: Order | None = None, **kwargs: Any) -> None:
        if not isinstance(order, Order):
            return
        with as_tenant(None):
            cached: dict[str, Any] = {}

            def data() -> dict[str, Any]:  # the same for both sides: built once
                if not cached:
                    cached.update({"order": _order(order), **extra(order, kwargs)})
                return cached

            queue(event_type, _both(order.supplier_id, order.buyer_id, data))

    return receive


def _placed(order: Order, kw: dict[str, Any]) -> dict[str, Any]:
    backorders = order.backorders
    return {"backorder": _order(backorders[0]) if backorders else None}


def _status(order: Order, kw: dict[str, Any]) -> dict[str, Any]:
    return {"from_status": kw.get("from_status"), "to_status": kw.get("to_status"),
            "note": kw.get("note") or ""}


def _delayed(order: Order, kw: dict[str, Any]) -> dict[str, Any]:
    return {"previous_eta": kw.get("previous_eta"), "new_eta": kw.get("new_eta"),
            "reason": kw.get("reason") or ""}


def _change(order: Order, kw: dict[str, Any]) -> dict[str, Any]:
    change = kw["change"]
    return {"delivery_change": {
        "id": change.id, "requested_side": change.requested_side,
        "delivery_date": change.delivery_date,
        "delivery_location_id": change.delivery_location_id,
        "previous_delivery_date": change.previous_delivery_date,
        "previous_location_id": change.previous_location_id, "reason": change.reason,
        "status": change.status, "response_note": change.response_note}}


def _shipment(order: Order, kw: dict[str, Any]) -> dict[str, Any]:
    shipment = kw["shipment"]
    return {"shipment": {
        "id": shipment.id, "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number, "tracking_url": shipment.tracking_url,
        "created_at": shipment.created_at,
        "lines": [{"order_line_id": line.order_line_id, "quantity": line.quantity}
                  for line in shipment.lines]}}


def _invoice(invoice: Any) -> dict[str, Any]:
    return {
        "id": invoice.id, "number": invoice.display_number, "status": invoice.status,
        "order_id": invoice.order_id, "supplier_id": invoice.supplier_id,
        "buyer_id": invoice.buyer_id, "currency": invoice.currency,
        "issue_date": invoice.issue_date, "due_date": invoice.due_date,
        "payment_terms": invoice.payment_terms, "po_number": invoice.po_number,
        "subtotal": invoice.subtotal, "tax_total": invoice.tax_total, "total": invoice.total,
        "amount_paid": invoice.amount_paid, "balance": invoice.balance,
    }


def on_invoice_issued(sender: Any, invoice: Any = None, **kwargs: Any) -> None:
    if invoice is None:
        return
    with as_tenant(None):
        queue("invoice.issued", _both(invoice.supplier_id, invoice.buyer_id,
                                      lambda: {"invoice": _invoice(invoice)}))


def on_payment(sender: Any, payment: Any = None, invoices: Any = (), **kwargs: Any) -> None:
    if payment is None:
        return

    def data() -> dict[str, Any]:
        return {"payment": {
            "id": payment.id, "supplier_id": payment.supplier_id,
            "buyer_id": payment.buyer_id, "amount": payment.amount,
            "currency": payment.currency, "paid_on": payment.paid_on,
            "method": payment.method, "reference": payment.reference,
            "allocations": [{"invoice_id": a.invoice_id, "amount": a.amount}
                            for a in payment.allocations]},
            "invoices": [_invoice(invoice) for invoice in invoices or ()]}

    with as_tenant(None):
        queue("payment.received", _both(payment.supplier_id, payment.buyer_id, data))


def message_created(supplier_id: int, buyer_id: int, message: dict[str, Any]) -> None:
    """A text or internal note was posted (messaging/chat/services.py); `message` is its
    payload as clients see it. A note goes to the supplier's endpoints only."""
    author = message.get("author") or {}

    def data() -> dict[str, Any]:
        return {"message": {
            "id": message["id"], "thread_id": message["thread_id"],
            "order_id": message.get("order_id"), "kind": message["kind"],
            "author": {key: author.get(key) for key in ("id", "name", "organization_id",
                                                        "side")} if author else None,
            "body": message["body"], "created_at": message["created_at"],
            "attachments": [{key: a.get(key) for key in ("id", "filename", "content_type",
                                                        "size")}
                            for a in message.get("attachments") or ()]}}

    orgs = {supplier_id: data}
    if message["kind"] != "note":
        orgs[buyer_id] = data
    queue("message.created", orgs)


_RECEIVERS: list[tuple[Any, Callable[..., None]]] = [
    (signals.order_placed, _order_event("order.placed", _placed)),
    (signals.order_status_changed, _order_event("order.status_changed", _status)),
    (signals.order_delayed, _order_event("order.delayed", _delayed)),
    (signals.delivery_change_requested, _order_event("delivery_change.requested", _change)),
    (signals.delivery_change_accepted, _order_event("delivery_change.accepted", _change)),
    (signals.delivery_change_declined, _order_event("delivery_change.declined", _change)),
    (signals.order_shipped, _order_event("shipment.created", _shipment)),
    (signals.invoice_issued, on_invoice_issued),
    (signals.payment_recorded, on_payment),
]


def subscribe() -> None:
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)
