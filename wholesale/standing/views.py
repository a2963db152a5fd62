"""Standing-order pages: a buyer's standing orders with the next four occurrences (set one
up, skip a day, pause, resume), and a supplier's upcoming auto-orders per delivery day."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select

from wholesale.accounts.models import Organization
from wholesale.catalog.models import Product
from wholesale.db import parse_id, utcnow
from wholesale.errors import Conflict, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.orders import rules as ordering_rules
from wholesale.portal.access import me, my_org, supplier_required
from wholesale.sites.models import DeliveryLocation
from wholesale.standing import pages, services
from wholesale.standing.models import ClosedDay, StandingOrder
from wholesale.trading.services import relationships_of

bp = Blueprint("standing", __name__)
FORM_LINES = 6  # empty rows shown on a new standing order
MAX_FORM_LINES = 40


@bp.route("/standing-orders")
@login_required
def index() -> ResponseReturnValue:
    org = my_org()
    if org.is_supplier:
        return render_template("standing/supplier.html", days=pages.forecast(org.id),
                               standing=pages.overview(org, ahead=1))
    return render_template("standing/buyer.html", standing=pages.overview(org))


@bp.route("/standing-orders/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    """A buyer sets one up with a supplier; a supplier's staff, for a customer."""
    org = my_org()
    if org.is_supplier:
        partners = [rel.buyer for rel in relationships_of(org)]
        chosen = parse_id(request.values.get("buyer_id"))
    else:
        partners = [rel.supplier for rel in relationships_of(org)]
        chosen = parse_id(request.values.get("supplier_id"))
    if not partners:
        flash("Connect with a customer first." if org.is_supplier
              else "Connect with a supplier first.", "info")
        return redirect(url_for("standing.index"))
    partner = next((p for p in partners if p.id == (chosen or partners[0].id)), None)
    if partner is None:
        abort(404)
    supplier, buyer = (org, partner) if org.is_supplier else (partner, org)
    party = {"buyer_id": buyer.id} if org.is_supplier else {"supplier_id": supplier.id}
    return _form(None, supplier, buyer, partners=partners, party=party)


@bp.route("/standing-orders/<int:standing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(standing_id: int) -> ResponseReturnValue:
    """Either side changes the lines, location, schedule or end."""
    standing = services.get(me(), standing_id)
    supplier = db.session.get(Organization, standing.supplier_id)
    buyer = db.session.get(Organization, standing.buyer_id)
    assert supplier is not None and buyer is not None
    return _form(standing, supplier, buyer, partners=[], party={})


def _form(standing: StandingOrder | None, supplier: Organization, buyer: Organization, *,
          partners: list[Organization], party: dict[str, int]) -> ResponseReturnValue:
    """The set-up / edit form: shown, or posted to the service (create or update); the
    service's errors are shown at the fields they are about, and named by their labels."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values, errors, rows = _values(request.form)
        if not errors:
            try:
                if standing is None:
                    saved = services.create(me(), {**values, **party})
                else:
                    saved = services.update(me(), standing, values)
            except (ValidationFailed, NotFound) as exc:
                db.session.rollback()
                errors = _form_errors(exc, rows)
            else:
                db.session.commit()
                flash(f"Standing order {'set up' if standing is None else 'saved'}: "
                      f"{pages.describe_schedule(saved)}.", "success")
                return redirect(url_for("standing.index"))
    else:
        values = _current(standing)
    # The supplier's products on sale, and those of the lines that no longer are (shown,
    # so that saving names them instead of dropping the line).
    entries = (_entries(request.form) if request.method == "POST"
               else [(line["product_id"], str(line["quantity"])) for line in values["lines"]])
    in_lines = {product_id for product_id, _ in entries if product_id is not None}
    products = db.session.scalars(
        select(Product).where(Product.supplier_id == supplier.id,
                              Product.archived_at.is_(None) | Product.id.in_(in_lines))
        .order_by(Product.name).execution_options(all_tenants=True)).all()
    return render_template(
        "standing/form.html", standing=standing, supplier=supplier, buyer=buyer,
        partners=partners, party=party, products=products,
        locations=_locations(buyer), values=values, errors=errors,
        problems=[(LABELS.get(name) or _line_label(name), messages)
                  for name, messages in errors.items()],
        weekdays=list(enumerate(ordering_rules.WEEKDAY_NAMES, start=1)),
        delivery_days=ordering_rules.describe_days(ordering_rules.rules_for(supplier.id)),
        entries=entries, rows=range(min(max(FORM_LINES, len(entries) + 1), MAX_FORM_LINES))
    ), 422 if errors else 200


def _locations(buyer: Organization) -> list[DeliveryLocation]:
    return list(db.session.scalars(
        select(DeliveryLocation).where(DeliveryLocation.buyer_id == buyer.id)
        .order_by(DeliveryLocation.name).execution_options(all_tenants=True)))


@bp.route("/standing-orders/settings", methods=["GET", "POST"])
@supplier_required
def settings_page() -> ResponseReturnValue:
    """The supplier's reminder lead time, closed dates and what a closed day does."""
    org = my_org()
    current = services.settings_for(org.id)
    errors: dict[str, list[str]] = {}
    form: dict[str, str] = {
        "reminder_hours": str(current.reminder_hours),
        "closed_day": ClosedDay(current.closed_day).value,
        "closed_dates": "\n".join(current.closed_dates or [])}
    if request.method == "POST":
        form = {name: request.form.get(name, "") for name in form}
        hours = _hours(form["reminder_hours"], errors)
        closed_day = _closed_day(form["closed_day"], errors)
        closed_dates = _closed_dates(form["closed_dates"], errors)
        if not errors:
            try:
                services.save_settings(org.id, reminder_hours=hours, closed_day=closed_day,
                                       closed_dates=closed_dates)
            except ValidationFailed as exc:
                db.session.rollback()
                errors = dict(exc.fields)
            else:
                db.session.commit()
                flash("Standing-order settings saved.", "success")
                return redirect(url_for("standing.settings_page"))
    today = services.calendar_for(org.id).local_today(utcnow())
    coming = [d for d in (date.fromisoformat(text) for text in current.closed_dates or [])
              if d >= today]
    return render_template("standing/settings.html", form=form, errors=errors,
                           coming=coming[:8], max_hours=services.MAX_REMINDER_HOURS,
                           delivery_days=ordering_rules.describe_days(
                               ordering_rules.rules_for(org.id))), 422 if errors else 200


def _hours(text: str, errors: dict[str, list[str]]) -> int | None:
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) < 4:
        return int(text)
    errors["reminder_hours"] = [f"Give a whole number of hours from 0 (no reminder) to "
                                f"{services.MAX_REMINDER_HOURS}."]
    return None


def _closed_day(text: str, errors: dict[str, list[str]]) -> ClosedDay | None:
    try:
        return ClosedDay(text)
    except ValueError:
        errors["closed_day"] = ["Choose what a closed day does."]
        return None


def _closed_dates(text: str, errors: dict[str, list[str]]) -> list[date]:
    """One date per line (YYYY-MM-DD); each bad line named."""
    days, bad = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            days.append(date.fromisoformat(line))
        except ValueError:
            bad.append(f"line {number} (“{line[:40]}”)")
    if bad:
        errors["closed_dates"] = [f"Not a date: {', '.join(bad[:5])}. Write one date per line "
                                  "as YYYY-MM-DD."]
    return days


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


def _current(standing: StandingOrder | None) -> dict[str, Any]:
    if standing is None:
        return {"delivery_location_id": None, "lines": [], "weekdays": [], "every_weeks": 1,
                "starts_on": None, "ends_on": None}
    return {"delivery_location_id": standing.delivery_location_id,
            "lines": list(standing.lines), "weekdays": standing.weekday_list,
            "every_weeks": standing.every_weeks, "starts_on": standing.starts_on,
            "ends_on": standing.ends_on}


def _entries(form: Any) -> list[tuple[int | None, str]]:
    """The line rows as typed (product, quantity text), up to the last one filled in: what
    the form shows again after an error."""
    entries = [(parse_id(form.get(f"product_{i}")), (form.get(f"quantity_{i}") or "").strip())
               for i in range(MAX_FORM_LINES)]
    while entries and entries[-1] == (None, ""):
        entries.pop()
    return entries


def _values(form: Any) -> tuple[dict[str, Any], dict[str, list[str]], list[int]]:
    """The form as the service's input, what can't be read at all, and the form row of
    each line."""
    errors: dict[str, list[str]] = {}
    lines, rows = [], []
    for index in range(MAX_FORM_LINES):
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
        "every_weeks": _every_weeks(form.get("every_weeks"), errors),
        "starts_on": _date(form.get("starts_on"), "starts_on", errors, required=True),
        "ends_on": _date(form.get("ends_on"), "ends_on", errors, required=False),
    }
    if values["delivery_location_id"] is None:
        errors["delivery_location_id"] = ["Choose a delivery location."]
    return values, errors, rows


def _every_weeks(text: str | None, errors: dict[str, list[str]]) -> int:
    every = parse_id(text) if (text or "").strip() else 1
    if every is None or every > services.MAX_EVERY_WEEKS:
        errors["every_weeks"] = [f"Give a whole number of weeks from 1 to "
                                 f"{services.MAX_EVERY_WEEKS}."]
        return 1
    return every


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


# The form's labels, for the error summary (line_<n> rows: "Line <n+1>").
LABELS = {"lines": "Lines", "delivery_location_id": "Deliver to",
          "weekdays": "Delivery days", "every_weeks": "Every … weeks", "starts_on": "From",
          "ends_on": "Until", "buyer_id": "Customer", "supplier_id": "Supplier", "_form": ""}
# Service fields the form shows elsewhere: the first day it would be placed is the
# schedule's.
FIELDS = {"requested_delivery_date": "weekdays"}


def _line_label(name: str) -> str:
    return f"Line {int(name.removeprefix('line_')) + 1}" if name.startswith("line_") else ""


def _form_errors(exc: ValidationFailed | NotFound, rows: list[int]) -> dict[str, list[str]]:
    """The service's errors by form field: `lines.2.quantity` → `line_<form row of line
    2>`; a field the form doesn't have → `_form`."""
    errors: dict[str, list[str]] = {}
    for path, messages in exc.fields.items():
        parts = path.split(".")
        name = FIELDS.get(parts[0], parts[0])
        if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit() \
                and int(parts[1]) < len(rows):
            name = f"line_{rows[int(parts[1])]}"
        elif name not in LABELS:
            name = "_form"
        errors.setdefault(name, []).extend(messages)
    return errors or {"_form": [exc.message]}
