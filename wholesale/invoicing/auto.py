"""Issuing by itself: with the supplier's `auto_issue` setting, an invoice is issued when
goods ship (per shipment) or when the whole order has shipped (per order), in the same
transaction as the shipment."""

from __future__ import annotations

import contextlib
from typing import Any

from wholesale import signals
from wholesale.errors import Conflict
from wholesale.invoicing import issuing, settings
from wholesale.invoicing.models import InvoiceBasis
from wholesale.orders.models import Order, OrderStatus


def _on_shipped(sender: Any, order: Order | None = None, **kwargs: Any) -> None:
    shipment = kwargs.get("shipment")
    if not isinstance(order, Order) or shipment is None:
        return
    current = settings.settings_for(order.supplier_id)
    if current.auto_issue and current.basis is InvoiceBasis.SHIPMENT:
        # Conflict: nothing new to invoice (e.g. invoiced by hand already).
        with contextlib.suppress(Conflict):
            issuing.issue(order.id, kwargs.get("actor"), shipment_id=shipment.id)


def _on_status(sender: Any, order: Order | None = None, **kwargs: Any) -> None:
    if not isinstance(order, Order) or kwargs.get("to_status") != OrderStatus.SHIPPED:
        return
    current = settings.settings_for(order.supplier_id)
    if current.auto_issue and current.basis is InvoiceBasis.ORDER:
        with contextlib.suppress(Conflict):
            issuing.issue(order.id, kwargs.get("actor"))


_connected = False


def subscribe() -> None:
    global _connected
    if not _connected:
        signals.order_shipped.connect(_on_shipped, weak=False)
        signals.order_status_changed.connect(_on_status, weak=False)
        _connected = True
