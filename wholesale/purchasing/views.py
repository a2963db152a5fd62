"""Purchasing pages for the supplier: reorder suggestions per warehouse (one button turns a
vendor's group into a draft PO), purchase orders, sending one, and receiving against it
with a scanner-friendly field (SKU or vendor code, quantity, Enter)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from wholesale.db import parse_id
from wholesale.errors import Conflict, ValidationFailed
from wholesale.extensions import db
from wholesale.inventory import overview
from wholesale.portal.access import me, my_org, supplier_required
from wholesale.purchasing import purchase_orders, receiving, suggestions
from wholesale.purchasing.models import PurchaseOrder, PurchaseOrderLine
from wholesale.purchasing.receiving import RECEIVABLE
from wholesale.tenancy import get_or_404

bp = Blueprint("purchasing", __name__)


@bp.get("/purchasing/suggestions")
@supplier_required
def suggestions_page() -> ResponseReturnValue:
    org = my_org()
    warehouses = overview.warehouses(org)
    wanted = parse_id(request.args.get("warehouse_id"))
    warehouse = next((w for w in warehouses if w.id == wanted), warehouses[0] if warehouses
                     else None)
    groups = suggestions.suggest(warehouse) if warehouse else []
    return render_template("purchasing/suggestions.html", warehouses=warehouses,
                           warehouse=warehouse, groups=groups)


@bp.get("/purchasing/orders")
@supplier_required
def orders() -> ResponseReturnValue:
    rows = db.session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.supplier_id == my_org().id).order_by(PurchaseOrder.id.desc()).limit(200))
    return render_template("purchasing/orders.html", orders=list(rows))


@bp.post("/purchasing/orders")
@supplier_required
def draft_from_suggestions() -> ResponseReturnValue:
    try:
        po = purchase_orders.create(me(), {
            "vendor_id": parse_id(request.form.get("vendor_id")),
            "warehouse_id": parse_id(request.form.get("warehouse_id"))})
    except ValidationFailed as exc:
        db.session.rollback()
        flash(" ".join(m for ms in exc.fields.values() for m in ms) or exc.message, "error")
        return redirect(url_for("purchasing.suggestions_page"))
    db.session.commit()
    flash(f"Draft {po.display_number} created.", "success")
    return redirect(url_for("purchasing.order", po_id=po.id))


@bp.get("/purchasing/orders/<int:po_id>")
@supplier_required
def order(po_id: int) -> ResponseReturnValue:
    po = get_or_404(PurchaseOrder, po_id)
    return render_template("purchasing/order.html", po=po, receivable=po.status in RECEIVABLE)


@bp.post("/purchasing/orders/<int:po_id>/send")
@supplier_required
def send(po_id: int) -> ResponseReturnValue:
    try:
        po = purchase_orders.send(me(), po_id)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        flash(" ".join(m for ms in exc.fields.values() for m in ms) or exc.message, "error")
    else:
        db.session.commit()
        flash(f"{po.display_number} sent to {po.vendor.name}.", "success")
    return redirect(url_for("purchasing.order", po_id=po_id))


@bp.post("/purchasing/orders/<int:po_id>/receive")
@supplier_required
def receive(po_id: int) -> ResponseReturnValue:
    po = get_or_404(PurchaseOrder, po_id)
    line = _line_for(po, request.form.get("code", ""))
    if line is None:
        flash("No line of this order has that SKU or vendor code.", "error")
        return redirect(url_for("purchasing.order", po_id=po_id))
    raw = request.form.get("quantity", "").strip()
    quantity: object = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else raw
    try:
        receiving.receive(me(), po.id, [{"product_id": line.product_id, "quantity": quantity}],
                          close=request.form.get("close") == "1")
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        flash(" ".join(m for ms in exc.fields.values() for m in ms) or exc.message, "error")
    else:
        db.session.commit()
        flash(f"Received {quantity} × {line.product.sku}.", "success")
    return redirect(url_for("purchasing.order", po_id=po_id) + "#receive")


def _line_for(po: PurchaseOrder, code: str) -> PurchaseOrderLine | None:
    """The line whose SKU or vendor code was typed or scanned (case-insensitive)."""
    code = code.strip().lower()
    if not code:
        return None
    return next((ln for ln in po.lines
                 if code in (ln.product.sku.lower(), (ln.vendor_code or "").lower())), None)

