"""Standing-order pages: a buyer's standing orders with the next four occurrences (set one
up, skip a day, pause, resume), and a supplier's upcoming auto-orders per delivery day."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select

from wholesale.catalog.models import Product
from wholesale.db import parse_id
from wholesale.errors import Conflict, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.orders import rules as ordering_rules
from wholesale.portal.access import buyer_required, me, my_org
from wholesale.sites.services import locations_of
from wholesale.standing import pages, services
from wholesale.trading.services import relationships_of

bp = Blueprint("standing", __name__)
FORM_LINES = 6


@bp.route("/standing-orders")
@login_required
def index() -> ResponseReturnValue:
    org = my_org()
    if org.is_supplier:
        return render_template("standing/supplier.html", days=pages.forecast(org.id),
                               standing=pages.overview(org, ahead=1))
    return render_template("standing/buyer.html", standing=pages.overview(org))


@bp.route("/standing-orders/new", methods=["GET", "POST"])
@buyer_required
def new() -> ResponseReturnValue:
    org = my_org()
    suppliers = [rel.supplier for rel in relationships_of(org)]
    if not suppliers:
        flash("Connect with a supplier first.", "info")
        return redirect(url_for("standing.index"))
    chosen = parse_id(request.values.get("supplier_id")) or suppliers[0].id
    supplier = next((s for s in suppliers if s.id == chosen), None)
    if supplier is None:
        abort(404)
    values, errors, rows = (_values(request.form) if request.method == "POST"
                            else (_blank(), {}, []))
    if request.method == "POST" and not errors:
        data = {**values, "supplier_id": supplier.id}
        try:
            standing = services.create(me(), data)
        except (ValidationFailed, NotFound) as exc:
            db.session.rollback()
            errors = {_form_field(path, rows): messages for path, messages in exc.fields.items()}
            errors = errors or {"_form": [exc.message]}
        else:
            db.session.commit()
            flash(f"Standing order set up: {pages.describe_schedule(standing)}.", "success")
            return redirect(url_for("standing.index"))
    products = db.session.scalars(
        select(Product).where(Product.supplier_id == supplier.id, Product.archived_at.is_(None))
        .order_by(Product.name).execution_options(all_tenants=True)).all()
    return render_template(
        "standing/new.html", suppliers=suppliers, supplier=supplier, products=products,
        locations=locations_of(org), values=values, errors=errors,
        weekdays=list(enumerate(ordering_rules.WEEKDAY_NAMES, start=1)),
        delivery_days=ordering_rules.describe_days(ordering_rules.rules_for(supplier.id)),
        rows=range(FORM_LINES)), 422 if errors else 200


@bp.route("/standing-orders/<int:standing_id>/skip", methods=["POST"])
@login_required
def skip(standing_id: int) -> ResponseReturnValue:
    standing = services.get(me(), standing_id)
    try:
        day = date.fromisoformat(request.form.get("date", ""))
        occurrence = services.skip(me(), standing, day)
    except ValueError:
        flash("Choose a day to skip.", "error")
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        flash(" ".join(m for ms in exc.fields.values() for m in ms) or exc.message, "error")
    else:
        db.session.commit()
        flash(f"Skipped {occurrence.date:%A %b} {occurrence.date.day}.", "success")
    return redirect(url_for("standing.index"))


@bp.route("/standing-orders/<int:standing_id>/pause", methods=["POST"])
@login_required
def pause(standing_id: int) -> ResponseReturnValue:
    standing = services.get(me(), standing_id)
    paused = request.form.get("paused") == "1"
    try:
        services.update(me(), standing, {"paused": paused})
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash("Paused." if paused else "Resumed.", "success")
    return redirect(url_for("standing.index"))


def _blank() -> dict[str, Any]:
    return {"delivery_location_id": None, "lines": [], "weekdays": [], "every_weeks": 1,
            "starts_on": None, "ends_on": None}


def _values(form: Any) -> tuple[dict[str, Any], dict[str, list[str]], list[int]]:
    """The form as the service's input, what can't be read at all, and the form row of
    each line."""
    errors: dict[str, list[str]] = {}
    lines, rows = [], []
    for index in range(FORM_LINES):
        product_id = parse_id(form.get(f"product_{index}"))
        quantity_text = (form.get(f"quantity_{index}") or "").strip()
        if product_id is None and not quantity_text:
            continue
        quantity = parse_id(quantity_text)
        if product_id is None or quantity is None:
            errors[f"line_{index}"] = ["Choose a product and a whole quantity."]
            continue
        lines.append({"product_id": product_id, "quantity": quantity})
        rows.append(index)
    if not lines and not errors:
        errors["lines"] = ["Add at least one line."]
    weekdays = sorted({d for d in (parse_id(v) for v in form.getlist("weekdays"))
                       if d is not None and d <= 7})
    values: dict[str, Any] = {
        "delivery_location_id": parse_id(form.get("delivery_location_id")),
        "lines": lines, "weekdays": weekdays,
        "every_weeks": min(parse_id(form.get("every_weeks")) or 1, services.MAX_EVERY_WEEKS),
        "starts_on": _date(form.get("starts_on"), "starts_on", errors, required=True),
        "ends_on": _date(form.get("ends_on"), "ends_on", errors, required=False),
    }
    if values["delivery_location_id"] is None:
        errors["delivery_location_id"] = ["Choose a delivery location."]
    return values, errors, rows


def _date(text: str | None, name: str, errors: dict[str, list[str]], *, required: bool
          ) -> date | None:
    text = (text or "").strip()
    if not text:
        if required:
            errors[name] = ["Choose a date."]
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = ["Give the date as YYYY-MM-DD."]
        return None


def _form_field(path: str, rows: list[int]) -> str:
    """`lines.2.quantity` → `line_<form row of line 2>`; other paths stay."""
    parts = path.split(".")
    if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit() \
            and int(parts[1]) < len(rows):
        return f"line_{rows[int(parts[1])]}"
    return parts[0]
