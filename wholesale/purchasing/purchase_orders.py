"""Purchase orders: drafted (by hand or from a vendor's reorder suggestions), sent to the
vendor, confirmed, received (partly, then wholly) or cancelled.

    draft → sent → confirmed → partly_received → received
    draft, sent, confirmed → cancelled

Receiving is in `receiving.py`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from wholesale import signals
from wholesale.accounts.models import Organization, User
from wholesale.db import utcnow
from wholesale.errors import Conflict, ValidationFailed
from wholesale.extensions import db
from wholesale.inventory.stock import own_warehouse
from wholesale.purchasing import suggestions
from wholesale.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus
from wholesale.purchasing.vendors import buying_supplier, item_of, own_vendor
from wholesale.tenancy import get_or_404

S = PurchaseOrderStatus
MAX_LINES = 500
CANCELLABLE = (S.DRAFT, S.SENT, S.CONFIRMED)


class WrongStatus(Conflict):
    code = "invalid_status"


def create(user: User, data: dict[str, Any]) -> PurchaseOrder:
    """A draft purchase order. Without `lines`, the vendor's current reorder suggestions for
    the warehouse become its lines (one click on a suggestion group)."""
    org = buying_supplier(user)
    vendor = own_vendor(org.id, data["vendor_id"])
    warehouse = own_warehouse(org.id, data["warehouse_id"])
    lines = data.get("lines")
    if not lines:
        [group] = suggestions.suggest(warehouse, vendor.id,
                                      data.get("demand_weeks")) or [None]
        if group is None:
            raise ValidationFailed.one(
                "lines", f"Nothing of {vendor.name}'s needs reordering for {warehouse.name}.")
        lines = [{"product_id": s.product_id, "quantity": s.quantity} for s in group.items]
    po = PurchaseOrder(supplier_id=org.id, number=_next_number(org), vendor_id=vendor.id,
                       warehouse_id=warehouse.id, currency=vendor.currency,
                       notes=data.get("notes") or "", created_by_id=user.id,
                       status=S.DRAFT)
    default_day = date.today() + timedelta(days=vendor.lead_days)
    seen: set[int] = set()
    for index, line in enumerate(lines):
        item = item_of(vendor, line["product_id"])
        if item is None:
            raise ValidationFailed.one(f"lines.{index}.product_id",
                                       f"{vendor.name} does not supply this product.")
        if item.product_id in seen:
            raise ValidationFailed.one(f"lines.{index}.product_id",
                                       "This product is on the order twice.")
        seen.add(item.product_id)
        cost = line.get("cost")
        po.lines.append(PurchaseOrderLine(
            supplier_id=org.id, product_id=item.product_id, vendor_code=item.vendor_code,
            quantity=line["quantity"], cost=item.cost if cost is None else cost,
            expected_on=line.get("expected_on") or default_day))
    db.session.add(po)
    db.session.flush()
    return po


def _next_number(org: Organization) -> int:
    """The supplier's next PO number; its organization row is locked while the PO is
    written, so two at once do not take the same one."""
    db.session.execute(select(Organization.id).where(Organization.id == org.id)
                       .with_for_update().execution_options(all_tenants=True))
    last = db.session.execute(select(func.max(PurchaseOrder.number)).where(
        PurchaseOrder.supplier_id == org.id).execution_options(all_tenants=True)).scalar()
    return (last or 0) + 1


def lock(po_id: int) -> PurchaseOrder:
    """The tenant's purchase order, row-locked for a change (404 if not theirs)."""
    po = get_or_404(PurchaseOrder, po_id)
    db.session.execute(select(PurchaseOrder.id).where(PurchaseOrder.id == po.id)
                       .with_for_update())
    db.session.refresh(po)
    return po


def _require(po: PurchaseOrder, allowed: tuple[PurchaseOrderStatus, ...], doing: str) -> None:
    if po.status not in allowed:
        raise WrongStatus(f"{po.display_number} is {po.status.value.replace('_', ' ')}; "
                          f"it cannot be {doing}.")


def send(user: User, po_id: int) -> PurchaseOrder:
    """Email the PO (PDF) to the vendor, with an SMS heads-up when it has a phone; a vendor
    linked to an Ordertalk supplier gets it as an order placed with it (`linked.py`), and
    the email too when it has an address."""
    from wholesale.purchasing import linked
    from wholesale.purchasing.pdf import purchase_order_pdf

    org = buying_supplier(user)
    po = lock(po_id)
    _require(po, (S.DRAFT,), "sent")
    vendor = po.vendor
    if not vendor.email and vendor.linked_supplier_id is None:
        raise ValidationFailed.one("vendor.email",
                                   f"Add {vendor.name}'s email address to send the order.")
    if vendor.linked_supplier_id is not None:
        po.order_id = linked.place(user, po).id
    po.status = S.SENT
    po.sent_at = utcnow()
    db.session.flush()
    if vendor.email:
        signals.purchase_order_sent.send(org, purchase_order=po, actor=user,
                                         pdf=lambda: purchase_order_pdf(po),
                                         filename=f"{po.display_number}.pdf")
    return po


def confirm(user: User, po_id: int) -> PurchaseOrder:
    """The vendor confirmed the order."""
    buying_supplier(user)
    po = lock(po_id)
    _require(po, (S.SENT,), "confirmed")
    po.status = S.CONFIRMED
    po.confirmed_at = utcnow()
    db.session.flush()
    return po


def cancel(user: User, po_id: int) -> PurchaseOrder:
    buying_supplier(user)
    po = lock(po_id)
    _require(po, CANCELLABLE, "cancelled (close a partly received order with a receipt)")
    po.status = S.CANCELLED
    po.cancelled_at = utcnow()
    db.session.flush()
    return po
