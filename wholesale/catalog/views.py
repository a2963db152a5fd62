"""Catalog pages: the supplier's product list (search, filter, bulk price edits) and the
buyer's catalog (browse by supplier and category, own prices, add to cart); product images
(served only to people who may see the product) and the CSV export."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required

from wholesale.accounts.models import Organization
from wholesale.catalog import csv_import, images, services
from wholesale.db import parse_id
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.portal.access import my_org, supplier_required
from wholesale.portal.redirects import safe_next
from wholesale.trading import services as trading

bp = Blueprint("catalog", __name__)


def _page_number() -> int:
    return parse_id(request.args.get("page")) or 1


def cart_add_url() -> str:
    """Part of the cart (orders): its endpoint if it exists yet."""
    if "orders.cart_add" in current_app.view_functions:
        return url_for("orders.cart_add")
    return "/cart/add"


@bp.get("/catalog")
@login_required
def index() -> ResponseReturnValue:
    org = my_org()
    return _supplier_catalog(org) if org.is_supplier else _buyer_catalog(org)


def _supplier_catalog(org: Organization) -> ResponseReturnValue:
    q = request.args.get("q", "").strip()[:200]
    category = request.args.get("category", "").strip()[:100]
    archived = request.args.get("archived") == "1"
    page = _page_number()
    products, has_next = services.list_page(org, q=q, category=category or None,
                                            include_archived=archived, page=page)
    return render_template(
        "catalog/supplier_list.html", products=products, has_next=has_next, page=page, q=q,
        category=category, archived=archived, categories=services.categories(org),
    )


def _buyer_catalog(org: Organization) -> ResponseReturnValue:
    suppliers = [rel.supplier for rel in trading.relationships_of(org)]
    supplier_id = parse_id(request.args.get("supplier"))
    if supplier_id is not None and supplier_id not in {s.id for s in suppliers}:
        supplier_id = None
    q = request.args.get("q", "").strip()[:200]
    category = request.args.get("category", "").strip()[:100]
    page = _page_number()
    products, has_next = services.list_page(org, q=q, category=category or None,
                                            supplier_id=supplier_id, page=page)
    names = {s.id: s.name for s in suppliers}
    return render_template(
        "catalog/buyer_list.html", products=products, has_next=has_next, page=page, q=q,
        category=category, suppliers=suppliers, supplier_id=supplier_id, supplier_names=names,
        categories=services.categories(org, supplier_id), cart_url=cart_add_url(),
    )


@bp.post("/catalog/bulk")
@supplier_required
def bulk() -> ResponseReturnValue:
    """Selected rows → set a price, change prices by a percentage, archive or restore."""
    org = my_org()
    ids = [i for i in map(parse_id, request.form.getlist("product_ids")) if i is not None]
    action = request.form.get("action", "")
    back = safe_next(request.form.get("next")) or url_for("catalog.index")
    if not back.startswith("/catalog"):
        back = url_for("catalog.index")
    try:
        if action == "set_price":
            count = services.bulk_set_prices(org, ids, price=request.form.get("value", ""))
            message = f"New price set on {count} product(s)."
        elif action == "percent":
            count = services.bulk_set_prices(org, ids, percent=request.form.get("value", ""))
            message = f"Prices of {count} product(s) changed by {request.form.get('value')} %."
        elif action in ("archive", "restore"):
            count = services.bulk_archive(org, ids, active=action == "restore")
            message = f"{count} product(s) {'restored' if action == 'restore' else 'archived'}."
        else:
            raise ValidationFailed.one("action", "Choose what to do with the selected products.")
    except ValidationFailed as exc:
        db.session.rollback()
        flash(" ".join(m for ms in exc.fields.values() for m in ms) or exc.message, "error")
        return redirect(back)
    db.session.commit()
    flash(message, "success")
    return redirect(back)


@bp.get("/catalog/export.csv")
@supplier_required
def export() -> ResponseReturnValue:
    text = csv_import.export_products(my_org())
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="products.csv"'})


@bp.get("/catalog/import")
@supplier_required
def import_export() -> ResponseReturnValue:
    """The catalog's "Import & export" tab: the one import page (products or stock), shown in
    the Catalog section (Inventory's "Import" tab opens the same page there)."""
    from wholesale.inventory import overview

    return render_template("inventory/import.html", warehouses=overview.warehouses(my_org()),
                           section="catalog")


@bp.get("/catalog/images/<int:image_id>")
@login_required
def image(image_id: int) -> ResponseReturnValue:
    picture = images.visible_image(image_id)
    if not services.can_see(my_org(), picture.product):
        abort(404)
    path = images.path_of(picture)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=picture.content_type, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


from wholesale.catalog import editor_views, terms_views  # noqa: E402, F401  (more routes on bp)
