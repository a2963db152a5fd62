"""Portal pages: the cart and checkout (buyers), order lists and the order page (both sides),
phone orders (suppliers), CSV import and export."""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required

from wholesale.errors import Conflict, DomainError, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.orders import carts, csv_export, csv_orders, forms, ordering, pages, queries
from wholesale.orders.placement import PlacementResult
from wholesale.portal.access import buyer_required, me, my_org, supplier_required
from wholesale.portal.redirects import safe_next

bp = Blueprint("orders", __name__)


@bp.app_context_processor
def _cart_count() -> dict[str, Any]:
    """`cart_item_count()` for the navigation (a query only when a template calls it)."""

    def count() -> int:
        from flask_login import current_user

        return carts.item_count(me()) if current_user.is_authenticated else 0

    return {"cart_item_count": count}


def _json_error(exc: DomainError) -> ResponseReturnValue:
    db.session.rollback()
    return jsonify(exc.to_dict()), exc.status


def _headline(exc: DomainError) -> str:
    """A form page's error summary headline: the fields' messages follow it, by label (the
    service's own message names the first field by its API path)."""
    return "The order can't be placed as it is." if exc.fields else exc.message


# -- cart ------------------------------------------------------------------------------------


@bp.get("/cart")
@buyer_required
def cart() -> ResponseReturnValue:
    return render_template("cart/index.html", carts=carts.views_of(me()))


@bp.post("/cart/add")
@buyer_required
def cart_add() -> ResponseReturnValue:
    """Add from the catalog: back to the page with a message (a form), or JSON for
    catalog.js — the message, the Cart link's new count and where the cart is."""
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        item = carts.add_to_cart(me(), request.form.get("product_id"),
                                 request.form.get("quantity"))
    except ValidationFailed as exc:
        if wants_json:
            return _json_error(exc)
        db.session.rollback()
        flash(" ".join(m for msgs in exc.fields.values() for m in msgs) or exc.message, "error")
    else:
        db.session.commit()
        message = f"{item.product.name}: {item.quantity} {item.product.unit} in your cart."
        if wants_json:
            return jsonify({"message": message, "cart_count": carts.item_count(me()),
                            "cart_url": url_for("orders.cart")})
        # "cart": a success that offers the way on (templates/partials/flashes.html).
        flash(message, "cart")
    back = safe_next(request.form.get("next")) or _same_site_referrer()
    return redirect(back or url_for("orders.cart"))


@bp.post("/cart/items/<int:product_id>")
@buyer_required
def cart_item(product_id: int) -> ResponseReturnValue:
    """Change a quantity: JSON `{"quantity"}` (the live cart) or a form (without script)."""
    wants_json = request.is_json
    quantity = (request.get_json(silent=True) or {}).get("quantity") if wants_json \
        else request.form.get("quantity")
    try:
        view = carts.set_quantity(me(), product_id, quantity)
    except (ValidationFailed, NotFound) as exc:
        if wants_json:
            return _json_error(exc)
        db.session.rollback()
        flash(exc.message if not exc.fields else " ".join(
            m for msgs in exc.fields.values() for m in msgs), "error")
        return redirect(url_for("orders.cart"))
    db.session.commit()
    if wants_json:
        return jsonify(view.as_json())
    return redirect(url_for("orders.cart"))


@bp.post("/cart/items/<int:product_id>/remove")
@buyer_required
def cart_remove(product_id: int) -> ResponseReturnValue:
    try:
        carts.remove_item(me(), product_id)
    except NotFound:
        db.session.rollback()
    else:
        db.session.commit()
    return redirect(url_for("orders.cart"))


# -- checkout --------------------------------------------------------------------------------


@bp.get("/checkout")
@buyer_required
def checkout() -> ResponseReturnValue:
    page = pages.checkout_page(me(), forms.int_or_raw(request.args.get("supplier")) or None)
    values = {"delivery_location_id": page.choices.locations[0].id
              if len(page.choices.locations) == 1 else None,
              "requested_delivery_date": page.choices.dates[0].isoformat()
              if page.choices.dates else None, "contacts": []}
    return render_template("cart/checkout.html", page=page, values=values, errors={})


@bp.post("/checkout")
@buyer_required
def place() -> ResponseReturnValue:
    supplier_id = forms.int_or_raw(request.form.get("supplier_id"))
    values = forms.delivery_from(request.form)
    try:
        result: PlacementResult = carts.checkout(me(), supplier_id, request.form.get(
            "checkout_key", ""), values)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        try:
            page = pages.checkout_page(me(), supplier_id if isinstance(supplier_id, int)
                                       else None)
        except NotFound:
            flash(exc.message if not exc.fields else " ".join(
                m for msgs in exc.fields.values() for m in msgs), "error")
            return redirect(url_for("orders.cart"))
        names = [line.product.name for line in page.cart.lines]
        return render_template("cart/checkout.html", page=page, values=values,
                               errors=exc.fields, message=_headline(exc),
                               problems=forms.error_lines(exc.fields, names)), exc.status
    db.session.commit()
    return redirect(url_for("orders.placed", order_id=result.order.id))


@bp.get("/orders/<int:order_id>/placed")
@login_required
def placed(order_id: int) -> ResponseReturnValue:
    return render_template("orders/placed.html", order=queries.get_order(order_id))


# -- orders ----------------------------------------------------------------------------------


@bp.get("/orders")
@login_required
def index() -> ResponseReturnValue:
    filters = forms.list_filters(request.args, my_org().is_supplier)
    listing = pages.order_list(me(), filters, request.args.get("cursor") or None)
    return render_template("orders/index.html", listing=listing)


@bp.get("/orders/<int:order_id>")
@login_required
def detail(order_id: int) -> ResponseReturnValue:
    return render_template("orders/detail.html", order=queries.get_order(order_id))


@bp.get("/orders/<int:order_id>/live")
@login_required
def live(order_id: int) -> ResponseReturnValue:
    """The order page's live parts, for static/js/live-parts.js (404 to other organizations,
    like the page). Forms in them come back to the order page, not here."""
    return render_template("orders/_live.html", order=queries.get_order(order_id),
                           next_path=url_for("orders.detail", order_id=order_id))


@bp.post("/orders/<int:order_id>/reorder")
@buyer_required
def reorder(order_id: int) -> ResponseReturnValue:
    done = carts.reorder(me(), order_id)
    db.session.commit()
    if done.skipped:
        flash("Not added (no longer sold): " + ", ".join(done.skipped) + ".", "warning")
    if done.added:
        flash(f"{done.added} product{'s' if done.added != 1 else ''} from the order are in "
              "your cart. Check the quantities, then check out.", "success")
    return redirect(url_for("orders.cart"))


@bp.route("/orders/new", methods=["GET", "POST"])
@supplier_required
def phone_order() -> ResponseReturnValue:
    """A supplier enters an order a customer phoned in."""
    buyer_id = forms.int_or_raw(request.values.get("buyer_id"))
    if request.method == "POST":
        values = {**forms.delivery_from(request.form), "lines": forms.lines_from(request.form)}
        try:
            result = ordering.place_phone_order(me(), buyer_id, values,
                                                request.form.get("form_key"))
        except (ValidationFailed, Conflict) as exc:
            db.session.rollback()
            return render_template("orders/phone.html",
                                   page=pages.phone_order_page(me(), buyer_id), values=values,
                                   errors=exc.fields, message=_headline(exc),
                                   problems=forms.error_lines(exc.fields),
                                   form_key=request.form.get("form_key")), exc.status
        db.session.commit()
        flash(f"Order {result.order.display_number} placed for {result.order.buyer.name}.",
              "success")
        return redirect(url_for("orders.detail", order_id=result.order.id))
    page = pages.phone_order_page(me(), buyer_id)
    values: dict[str, Any] = {"lines": [], "contacts": []}
    if page.choices and len(page.choices.locations) == 1:
        values["delivery_location_id"] = page.choices.locations[0].id
    return render_template("orders/phone.html", page=page, values=values, errors={},
                           form_key=uuid.uuid4().hex)


# -- CSV -------------------------------------------------------------------------------------


def _imports_dir() -> str:
    return current_app.instance_path + "/order-imports"


def _import_page(result: csv_orders.ImportResult | None, token: str | None = None,
                 status: int = 200) -> ResponseReturnValue:
    partial = request.headers.get("X-Requested-With") == "XMLHttpRequest"
    template = "orders/_import_result.html" if partial else "orders/import.html"
    return render_template(template, result=result, token=token,
                           limit_rows=csv_orders.MAX_ROWS), status


@bp.route("/orders/import", methods=["GET", "POST"])
@login_required
def import_csv() -> ResponseReturnValue:
    """Upload → a dry run listing every bad row; a clean file can then be imported."""
    if request.method == "GET":
        return _import_page(None)
    upload = request.files.get("file")
    data = upload.read(csv_orders.MAX_BYTES + 1) if upload else b""
    result = csv_orders.import_orders(me(), data, dry_run=True)
    db.session.rollback()  # a dry run changes nothing
    token = csv_orders.stash(_imports_dir(), me(), data) if result.ok else None
    return _import_page(result, token, 200 if result.ok else 422)


@bp.post("/orders/import/confirm")
@login_required
def import_confirm() -> ResponseReturnValue:
    token = request.form.get("token", "")
    data = csv_orders.unstash(_imports_dir(), me(), token)
    if data is None:
        flash("That upload has expired; choose the file again.", "error")
        return redirect(url_for("orders.import_csv"))
    result = csv_orders.import_orders(me(), data, dry_run=False)
    if not result.ok:
        db.session.rollback()
        return _import_page(result, None, 409)
    db.session.commit()
    csv_orders.discard(_imports_dir(), me(), token)
    placed = [p for p in result.orders if not p.already_placed]
    again = len(result.orders) - len(placed)
    flash(f"Placed {len(placed)} order{'s' if len(placed) != 1 else ''} from the file"
          + (f" ({again} had been placed from this file before)." if again else "."),
          "success")
    return redirect(url_for("orders.index"))


@bp.get("/orders/import/sample.csv")
@login_required
def import_sample() -> ResponseReturnValue:
    party = "buyer" if my_org().is_supplier else "supplier"
    sample = (f"order_ref,{party},sku,quantity,delivery_date,location,po_number,notes\r\n"
              f"A-1,Their exact name,SKU-1,4,2030-01-08,Delivery location name,PO-1,\r\n"
              f"A-1,Their exact name,SKU-2,12,2030-01-08,Delivery location name,PO-1,\r\n")
    return Response(sample, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=orders-sample.csv"})


@bp.get("/orders/export.csv")
@login_required
def export_csv() -> ResponseReturnValue:
    filters = forms.list_filters(request.args, my_org().is_supplier)
    rows = csv_export.export_rows(my_org(), queries.OrderFilters(**filters.values))
    return Response(stream_with_context(rows), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=orders.csv"})


def _same_site_referrer() -> str | None:
    referrer = request.referrer or ""
    host = request.host_url.rstrip("/")
    if referrer.startswith(host + "/"):
        return safe_next(referrer[len(host):])
    return None
