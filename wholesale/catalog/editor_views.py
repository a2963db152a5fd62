"""The supplier's product editor: create, edit (price breaks included), archive, images."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from wholesale.catalog import images, services
from wholesale.catalog.fields import CURRENCIES
from wholesale.catalog.forms import MEASURE_FIELDS, UNITS, form_values, product_data
from wholesale.catalog.views import bp
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.inventory.stock import levels_for_product
from wholesale.portal.access import my_org, supplier_required

_NEW = {"sku": "", "name": "", "description": "", "category": "", "unit": "case",
        "price": "", "currency": "USD", "case_size": 1, "min_order_qty": 1,
        "order_multiple": 1, "reorder_point": 0, "overstock_level": "",
        "allow_backorder": False, "price_breaks": [], "weight_kg": "", "case_length_cm": "",
        "case_width_cm": "", "case_height_cm": ""}


def _render(product: Any, values: dict[str, Any], errors: dict[str, list[str]],
            status: int = 200) -> ResponseReturnValue:
    org = my_org()
    view = services.present_one(org, product) if product is not None else None
    return render_template(
        "catalog/product_form.html", product=product, view=view, values=values,
        errors=errors, categories=services.categories(org), units=UNITS,
        currencies=sorted(CURRENCIES),
        levels=levels_for_product(org, product.id) if product is not None else [],
    ), status


def _values_of(product: Any) -> dict[str, Any]:
    return {
        **{k: getattr(product, k) for k in _NEW if k not in ("price", "price_breaks",
                                                             "overstock_level",
                                                             *MEASURE_FIELDS)},
        **{k: "" if getattr(product, k) is None else format(getattr(product, k).normalize(), "f")
           for k in MEASURE_FIELDS},
        "price": f"{product.price:.2f}",
        "overstock_level": "" if product.overstock_level is None else product.overstock_level,
        "price_breaks": [{"min_qty": b.min_qty, "price": f"{b.price:.2f}"}
                         for b in product.price_breaks],
    }


@bp.route("/catalog/new", methods=["GET", "POST"])
@supplier_required
def new_product() -> ResponseReturnValue:
    if request.method == "GET":
        return _render(None, dict(_NEW), {})
    try:
        product = services.create_product(my_org(), product_data(request.form, creating=True))
    except ValidationFailed as exc:
        db.session.rollback()
        return _render(None, form_values(request.form), exc.fields, 422)
    db.session.commit()
    flash(f"“{product.name}” added to your catalog. Add a picture below.", "success")
    return redirect(url_for("catalog.edit_product", product_id=product.id))


@bp.route("/catalog/<int:product_id>/edit", methods=["GET", "POST"])
@supplier_required
def edit_product(product_id: int) -> ResponseReturnValue:
    product = services.own_product(my_org(), product_id)
    if request.method == "GET":
        return _render(product, _values_of(product), {})
    try:
        services.update_product(my_org(), product_id,
                                product_data(request.form, creating=False))
    except ValidationFailed as exc:
        db.session.rollback()
        product = services.own_product(my_org(), product_id)
        return _render(product, form_values(request.form), exc.fields, 422)
    db.session.commit()
    flash("Product saved.", "success")
    return redirect(url_for("catalog.edit_product", product_id=product_id))


@bp.post("/catalog/<int:product_id>/archive")
@supplier_required
def archive_product(product_id: int) -> ResponseReturnValue:
    restore = request.form.get("restore") == "1"
    product = services.archive(my_org(), product_id, active=restore)
    db.session.commit()
    flash(f"“{product.name}” {'restored' if restore else 'archived: buyers no longer see it'}.",
          "success")
    return redirect(url_for("catalog.edit_product", product_id=product_id))


@bp.post("/catalog/<int:product_id>/images")
@supplier_required
def upload_image(product_id: int) -> ResponseReturnValue:
    product = services.own_product(my_org(), product_id)
    upload = request.files.get("image")
    try:
        images.add_upload(product, upload.stream if upload and upload.filename else None)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.fields.get("image", [exc.message])[0], "error")
    else:
        db.session.commit()
        flash("Picture added.", "success")
    return redirect(url_for("catalog.edit_product", product_id=product_id) + "#images")


@bp.post("/catalog/<int:product_id>/images/<int:image_id>/delete")
@supplier_required
def delete_image(product_id: int, image_id: int) -> ResponseReturnValue:
    images.delete(services.own_product(my_org(), product_id), image_id)
    db.session.commit()
    flash("Picture removed.", "success")
    return redirect(url_for("catalog.edit_product", product_id=product_id) + "#images")
