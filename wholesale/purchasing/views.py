"""Purchasing pages for the supplier: reorder suggestions per warehouse (one button turns a
vendor's group into a draft PO), purchase orders, sending one, its thread with the vendor
(write, request an update, the vendor's new date), receiving against it with a
scanner-friendly field (SKU or vendor code, quantity, Enter), and the vendors with what
each supplies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from wholesale.accounts.models import Organization
from wholesale.api.registry import load
from wholesale.catalog.models import Product
from wholesale.db import parse_id
from wholesale.errors import Conflict, DomainError, ValidationFailed
from wholesale.extensions import db
from wholesale.inventory import overview
from wholesale.portal.access import me, my_org, supplier_required
from wholesale.purchasing import purchase_orders, receiving, suggestions, thread, vendors
from wholesale.purchasing.forms import VendorForm, VendorItemForm
from wholesale.purchasing.models import PurchaseOrder, PurchaseOrderLine, Vendor
from wholesale.purchasing.receiving import RECEIVABLE
from wholesale.tenancy import get_or_404
from wholesale.trading.models import TradingRelationship

bp = Blueprint("purchasing", __name__)
DEMAND_WEEKS = (4, 8, 13)  # the page's choices of a demand-based level


@bp.get("/purchasing/suggestions")
@supplier_required
def suggestions_page() -> ResponseReturnValue:
    org = my_org()
    warehouses = overview.warehouses(org)
    wanted = parse_id(request.args.get("warehouse_id"))
    warehouse = next((w for w in warehouses if w.id == wanted), warehouses[0] if warehouses
                     else None)
    weeks = parse_id(request.args.get("demand_weeks"))
    weeks = weeks if weeks in DEMAND_WEEKS else None
    groups = suggestions.suggest(warehouse, demand_weeks=weeks) if warehouse else []
    return render_template("purchasing/suggestions.html", warehouses=warehouses,
                           warehouse=warehouse, groups=groups, demand_weeks=weeks,
                           choices=DEMAND_WEEKS)


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
        weeks = parse_id(request.form.get("demand_weeks"))
        po = purchase_orders.create(me(), {
            "vendor_id": parse_id(request.form.get("vendor_id")),
            "warehouse_id": parse_id(request.form.get("warehouse_id")),
            "demand_weeks": weeks if weeks in DEMAND_WEEKS else None})
    except ValidationFailed as exc:
        _flash_error(exc)
        return redirect(url_for("purchasing.suggestions_page"))
    db.session.commit()
    flash(f"Draft {po.display_number} created.", "success")
    return redirect(url_for("purchasing.order", po_id=po.id))


@bp.get("/purchasing/orders/<int:po_id>")
@supplier_required
def order(po_id: int) -> ResponseReturnValue:
    po = get_or_404(PurchaseOrder, po_id)
    return render_template("purchasing/order.html", po=po, receivable=po.status in RECEIVABLE,
                           talking=po.status in thread.TALKING,
                           reschedulable=po.status in thread.RESCHEDULABLE)


def _flash_error(exc: DomainError) -> None:
    db.session.rollback()
    flash(" ".join(m for ms in exc.fields.values() for m in ms) or exc.message, "error")


def _thread_action(po_id: int, action: Callable[[], object], done: str) -> ResponseReturnValue:
    """Run one thread action (a service call) and come back to the thread."""
    try:
        action()
    except (ValidationFailed, Conflict) as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("purchasing.order", po_id=po_id) + "#thread")


@bp.post("/purchasing/orders/<int:po_id>/messages")
@supplier_required
def write(po_id: int) -> ResponseReturnValue:
    return _thread_action(po_id, lambda: thread.write(
        me(), po_id, request.form.get("body", ""), request.form.get("channel") or None),
        "Message sent.")


@bp.post("/purchasing/orders/<int:po_id>/request-update")
@supplier_required
def request_update(po_id: int) -> ResponseReturnValue:
    return _thread_action(po_id, lambda: thread.request_update(me(), po_id),
                          "Update requested.")


@bp.post("/purchasing/orders/<int:po_id>/expected-date")
@supplier_required
def expected_date(po_id: int) -> ResponseReturnValue:
    try:
        new_date = date.fromisoformat(request.form.get("expected_on", "").strip())
    except ValueError:
        flash("Pick the vendor's new date.", "error")
        return redirect(url_for("purchasing.order", po_id=po_id) + "#thread")
    return _thread_action(po_id, lambda: thread.set_expected_date(
        me(), po_id, new_date, request.form.get("note", "")), "Expected date updated.")


@bp.post("/purchasing/orders/<int:po_id>/send")
@supplier_required
def send(po_id: int) -> ResponseReturnValue:
    try:
        po = purchase_orders.send(me(), po_id)
    except (ValidationFailed, Conflict) as exc:
        _flash_error(exc)
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
        _flash_error(exc)
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



# -- vendors ---------------------------------------------------------------------------------


@bp.get("/purchasing/vendors")
@supplier_required
def vendor_list() -> ResponseReturnValue:
    rows = db.session.scalars(select(Vendor).where(Vendor.supplier_id == my_org().id)
                              .order_by(Vendor.name, Vendor.id))
    return render_template("purchasing/vendors.html", vendors=list(rows))


@bp.route("/purchasing/vendors/new", methods=["GET", "POST"])
@supplier_required
def new_vendor() -> ResponseReturnValue:
    if request.method == "GET":
        return _vendor_page(None)
    try:
        vendor = vendors.create_vendor(me(), load(VendorForm, request.form))
    except ValidationFailed as exc:
        db.session.rollback()
        return _vendor_page(None, exc.fields, 422)
    db.session.commit()
    flash(f"{vendor.name} added: now list what it supplies.", "success")
    return redirect(url_for("purchasing.vendor", vendor_id=vendor.id))


@bp.route("/purchasing/vendors/<int:vendor_id>", methods=["GET", "POST"])
@supplier_required
def vendor(vendor_id: int) -> ResponseReturnValue:
    found = get_or_404(Vendor, vendor_id)
    if request.method == "GET":
        return _vendor_page(found)
    try:
        vendors.update_vendor(me(), found.id, load(VendorForm, request.form))
    except ValidationFailed as exc:
        db.session.rollback()
        return _vendor_page(db.session.get(Vendor, vendor_id), exc.fields, 422)
    db.session.commit()
    flash("Vendor saved.", "success")
    return redirect(url_for("purchasing.vendor", vendor_id=vendor_id))


def _vendor_page(found: Vendor | None, errors: dict[str, list[str]] | None = None,
                 status: int = 200) -> ResponseReturnValue:
    products = db.session.scalars(select(Product).where(
        Product.supplier_id == my_org().id, Product.archived_at.is_(None))
        .order_by(Product.name, Product.id))
    form = request.form if request.method == "POST" and errors else None
    linkable = db.session.scalars(
        select(Organization).join(TradingRelationship,
                                  TradingRelationship.supplier_id == Organization.id)
        .where(TradingRelationship.buyer_id == my_org().id).order_by(Organization.name)
        .execution_options(all_tenants=True))
    return render_template("purchasing/vendor.html", vendor=found, errors=errors or {},
                           form=form, products=list(products),
                           linkable=list(linkable)), status


@bp.post("/purchasing/vendors/<int:vendor_id>/items")
@supplier_required
def save_item(vendor_id: int) -> ResponseReturnValue:
    get_or_404(Vendor, vendor_id)
    back = url_for("purchasing.vendor", vendor_id=vendor_id) + "#items"
    try:
        item = vendors.save_item(me(), vendor_id, load(VendorItemForm, request.form))
    except ValidationFailed as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash(f"{item.product.name} saved.", "success")
    return redirect(back)


@bp.post("/purchasing/vendors/<int:vendor_id>/items/<int:item_id>/remove")
@supplier_required
def remove_item(vendor_id: int, item_id: int) -> ResponseReturnValue:
    get_or_404(Vendor, vendor_id)
    try:
        vendors.remove_item(me(), vendor_id, item_id)
    except ValidationFailed as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash("Removed.", "success")
    return redirect(url_for("purchasing.vendor", vendor_id=vendor_id) + "#items")
