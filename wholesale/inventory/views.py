"""Inventory pages for the supplier: stock per product per warehouse, receipts and
adjustments, the ledger, the low / dead / overstock reports and the CSV import page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from wholesale.catalog import services as catalog
from wholesale.db import parse_id
from wholesale.errors import Conflict, ValidationFailed
from wholesale.extensions import db
from wholesale.inventory import overview, reports, stock
from wholesale.portal.access import me, my_org, supplier_required

bp = Blueprint("inventory", __name__)


def _page_number() -> int:
    return parse_id(request.args.get("page")) or 1


@bp.get("/inventory")
@supplier_required
def index() -> ResponseReturnValue:
    org = my_org()
    q = request.args.get("q", "").strip()[:200]
    page = _page_number()
    rows, has_next = overview.stock_rows(org, q=q, page=page)
    return render_template("inventory/index.html", rows=rows, has_next=has_next, page=page,
                           q=q, warehouses=overview.warehouses(org))


@bp.route("/inventory/products/<int:product_id>", methods=["GET", "POST"])
@supplier_required
def product(product_id: int) -> ResponseReturnValue:
    org = my_org()
    item = catalog.own_product(org, product_id)
    errors: dict[str, list[str]] = {}
    form = {"kind": "receive", "warehouse_id": "", "quantity": "", "reason": ""}
    status = 200
    if request.method == "POST":
        form = {k: request.form.get(k, "").strip() for k in form}
        warehouse_id = parse_id(form["warehouse_id"])
        raw, digits = form["quantity"], form["quantity"].removeprefix("-")
        # stock.receive/adjust check the range; "²" passes isdigit() but not int()
        quantity: int | str = int(raw) if digits.isascii() and digits.isdigit() \
            and len(digits) <= 18 else raw
        try:
            if form["kind"] == "adjust":
                stock.adjust(me(), warehouse_id, item.id, quantity, form["reason"],
                             field="quantity")
            else:
                stock.receive(me(), warehouse_id, item.id, quantity, form["reason"])
        except (ValidationFailed, Conflict) as exc:
            db.session.rollback()
            errors = exc.fields or {"quantity": [exc.message]}
            status = 422 if isinstance(exc, ValidationFailed) else 409
            item = catalog.own_product(org, product_id)
        else:
            db.session.commit()
            flash("Stock received." if form["kind"] != "adjust" else "Stock adjusted.",
                  "success")
            return redirect(url_for("inventory.product", product_id=product_id))
    levels = {lv.warehouse_id: lv for lv in stock.levels_for_product(org, item.id)}
    return render_template(
        "inventory/product.html", product=item, warehouses=overview.warehouses(org),
        levels=levels, ledger=overview.ledger(org, item.id), form=form, errors=errors,
        view=catalog.present_one(org, item),
    ), status


def _report(kind: str) -> ResponseReturnValue:
    org = my_org()
    days_value = min(parse_id(request.args.get("days")) or 90, 3650)
    stmt = {"low": lambda: reports.low_stock(org),
            "dead": lambda: reports.dead_stock(org, days_value),
            "overstock": lambda: reports.overstock(org)}[kind]()
    return render_template("inventory/report.html", kind=kind, rows=reports.all_rows(stmt),
                           days=days_value)


@bp.get("/inventory/low")
@supplier_required
def low() -> ResponseReturnValue:
    return _report("low")


@bp.get("/inventory/dead")
@supplier_required
def dead() -> ResponseReturnValue:
    return _report("dead")


@bp.get("/inventory/overstock")
@supplier_required
def overstock() -> ResponseReturnValue:
    return _report("overstock")


@bp.get("/inventory/import")
@supplier_required
def import_page() -> ResponseReturnValue:
    return render_template("inventory/import.html",
                           warehouses=overview.warehouses(my_org()))
