"""Receiving against a purchase order.

The received quantities go on hand through the stock ledger (`move_many`, kind `receipt`,
the PO as the reason), in one transaction with the receipt's rows. More than ordered is
accepted and recorded as over-delivered; a receipt with `close` ends the order even if
short (the rest is recorded as under-delivered). The arrival is announced with
`stock_received`, so the backorders waiting for those products reserve the stock in their
priority order (`fulfilment/backorders.py`) and their buyers hear of it (`backorder_ready`).
Each product's moving-average cost takes the PO's cost.

Nothing changes when any line is wrong: the order is cancelled, not sent yet, or already
received; a quantity is not a positive whole number; a product is not on the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.inventory.ledger import Move, get_or_create_level, move_many
from wholesale.inventory.models import MovementKind
from wholesale.inventory.stock import MAX_DELTA
from wholesale.purchasing import costs
from wholesale.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    PurchaseReceipt,
    PurchaseReceiptLine,
)
from wholesale.purchasing.purchase_orders import WrongStatus, lock
from wholesale.purchasing.vendors import buying_supplier
from wholesale.signals import Arrival

S = PurchaseOrderStatus
RECEIVABLE = (S.SENT, S.CONFIRMED, S.PARTLY_RECEIVED)


def receive(user: User, po_id: int, lines: Sequence[dict[str, Any]], *, close: bool = False,
            note: str = "") -> PurchaseReceipt:
    org = buying_supplier(user)
    po = lock(po_id)
    if po.status not in RECEIVABLE:
        why = {S.DRAFT: "has not been sent yet", S.CANCELLED: "is cancelled",
               S.RECEIVED: "is already received in full"}[po.status]
        raise WrongStatus(f"{po.display_number} {why}; nothing can be received against it.")
    wanted = _parse(po, lines)
    if not wanted:
        raise ValidationFailed.one("lines", "Receive at least one product.")
    costs.update_on_receipt(po, wanted)
    levels = {line.id: get_or_create_level(org.id, po.warehouse_id, line.product_id).id
              for line in wanted}
    reason = f"{po.display_number} from {po.vendor.name}"
    move_many([Move(levels[line.id], on_hand=quantity, reason=reason)
               for line, quantity in wanted.items()], MovementKind.RECEIPT, user_id=user.id)
    receipt = PurchaseReceipt(supplier_id=org.id, received_by_id=user.id, note=note[:500])
    for line, quantity in wanted.items():
        over = max(0, line.received_quantity + quantity - max(line.quantity,
                                                              line.received_quantity))
        line.received_quantity += quantity
        receipt.lines.append(PurchaseReceiptLine(
            supplier_id=org.id, purchase_order_line_id=line.id, product_id=line.product_id,
            quantity=quantity, over_quantity=over))
    po.receipts.append(receipt)
    if close or all(line.received_quantity >= line.quantity for line in po.lines):
        po.status = S.RECEIVED
        po.received_at = utcnow()
    else:
        po.status = S.PARTLY_RECEIVED
    db.session.flush()
    signals.stock_received.send(org, arrivals=[
        Arrival(line.product_id, po.warehouse_id, quantity) for line, quantity in wanted.items()])
    return receipt


def _parse(po: PurchaseOrder, lines: Sequence[dict[str, Any]]) -> dict[PurchaseOrderLine, int]:
    """PO line → quantity received now (the same product twice adds up)."""
    by_product = {line.product_id: line for line in po.lines}
    wanted: dict[PurchaseOrderLine, int] = {}
    problems: dict[str, list[str]] = {}
    for index, raw in enumerate(lines):
        product_id, quantity = raw.get("product_id"), raw.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            problems[f"lines.{index}.quantity"] = ["Must be a whole number of at least 1."]
            continue
        if quantity > MAX_DELTA:
            problems[f"lines.{index}.quantity"] = [f"Must be at most {MAX_DELTA:,}."]
            continue
        line = by_product.get(product_id) if isinstance(product_id, int) else None
        if line is None:
            problems[f"lines.{index}.product_id"] = [
                f"This product is not on {po.display_number}."]
            continue
        wanted[line] = wanted.get(line, 0) + quantity
    if problems:
        raise ValidationFailed(problems, "Some lines cannot be received.")
    return wanted
