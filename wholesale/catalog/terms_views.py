"""The supplier's terms pages: price lists per customer and the ordering rules."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from wholesale.api.registry import load
from wholesale.catalog import price_lists
from wholesale.catalog.schemas import PriceListRequest
from wholesale.catalog.views import bp
from wholesale.db import utcnow
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.orders import rules as ordering
from wholesale.orders.rules_api import OrderingRulesSchema
from wholesale.portal.access import my_org, supplier_required

WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]
COMMON_ZONES = ("America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
                "Europe/London", "Europe/Paris", "Europe/Berlin", "Asia/Tokyo",
                "Australia/Sydney", "Pacific/Auckland", "UTC")


@bp.get("/catalog/price-lists")
@supplier_required
def price_lists_index() -> ResponseReturnValue:
    return render_template("catalog/price_lists.html",
                           customers=price_lists.summaries(my_org()))


def _rows_from_form() -> list[dict[str, str]]:
    rows = []
    for sku, fixed, pct in zip(request.form.getlist("item_sku"),
                               request.form.getlist("item_fixed_price"),
                               request.form.getlist("item_discount_percent"), strict=False):
        if sku.strip() or fixed.strip() or pct.strip():
            rows.append({"sku": sku.strip(), "fixed_price": fixed.strip(),
                         "discount_percent": pct.strip()})
    return rows


def _price_list_data(rows: list[dict[str, str]]) -> dict[str, Any]:
    ids = price_lists.product_ids_by_sku(my_org(), [r["sku"] for r in rows])
    errors: dict[str, list[str]] = {}
    items = []
    for i, row in enumerate(rows):
        product_id = ids.get(row["sku"].lower())
        if product_id is None:
            errors[f"items.{i}.sku"] = ["No product with this SKU in your catalog."
                                        if row["sku"] else "Enter a SKU."]
            continue
        items.append({"product_id": product_id, "fixed_price": row["fixed_price"] or None,
                      "discount_percent": row["discount_percent"] or None})
    if errors:
        raise ValidationFailed(errors)
    return load(PriceListRequest, {
        "name": request.form.get("name", ""),
        "discount_percent": request.form.get("discount_percent", "").strip() or None,
        "items": items,
    })


@bp.route("/catalog/price-lists/<int:relationship_id>", methods=["GET", "POST"])
@supplier_required
def price_list(relationship_id: int) -> ResponseReturnValue:
    current = price_lists.view(my_org(), relationship_id)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        rows = _rows_from_form()
        try:
            price_lists.replace(my_org(), relationship_id, _price_list_data(rows))
        except ValidationFailed as exc:
            db.session.rollback()
            errors, status = exc.fields, 422
            current = {**current, "name": request.form.get("name", ""),
                       "discount_percent": request.form.get("discount_percent", ""),
                       "items": rows}
        else:
            db.session.commit()
            flash("Price list saved.", "success")
            return redirect(url_for("catalog.price_list", relationship_id=relationship_id))
    return render_template("catalog/price_list.html", price_list=current,
                           errors=errors), status


@bp.route("/catalog/ordering-rules", methods=["GET", "POST"])
@supplier_required
def ordering_rules() -> ResponseReturnValue:
    org = my_org()
    errors: dict[str, list[str]] = {}
    status = 200
    rules = ordering.rules_for(org.id)
    values: dict[str, Any] = {
        "delivery_days": sorted(ordering.delivery_weekdays(rules)),
        "cutoff_time": (rules.cutoff_time or time(14, 0)).strftime("%H:%M"),
        "timezone": rules.timezone, "lead_days": rules.lead_days,
        "min_order_value": f"{rules.min_order_value:.2f}", "currency": rules.currency,
    }
    if request.method == "POST":
        form = request.form
        lead = form.get("lead_days", "").strip()
        values = {
            "delivery_days": [int(d) for d in form.getlist("delivery_days") if d.isdigit()],
            "cutoff_time": form.get("cutoff_time", "").strip(),
            "timezone": form.get("timezone", "").strip(),
            "lead_days": int(lead) if lead.isdigit() else lead,
            "min_order_value": form.get("min_order_value", "").strip() or "0",
            "currency": form.get("currency", "").strip() or rules.currency,
        }
        try:
            ordering.save_rules(org.id, load(OrderingRulesSchema, values))
        except ValidationFailed as exc:
            db.session.rollback()
            errors, status = exc.fields, 422
        else:
            db.session.commit()
            flash("Ordering rules saved.", "success")
            return redirect(url_for("catalog.ordering_rules"))
    return render_template(
        "catalog/ordering_rules.html", values=values, errors=errors, weekdays=WEEKDAYS,
        zones=COMMON_ZONES, all_zones=sorted(ordering.timezones()),
        next_dates=ordering.valid_delivery_dates(rules, utcnow(), 6),
    ), status
