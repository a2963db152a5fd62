"""Delivery-run pages: the dispatcher's day (map, routes, stop lists; planning, moving,
locking and dispatching go through the API from static/js/dispatch.js), a route sheet per
vehicle as a PDF, and the driver's phone view (static/js/driver.js)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from wholesale.accounts.models import Role
from wholesale.db import parse_id
from wholesale.extensions import db
from wholesale.invoicing.api import pdf_response
from wholesale.invoicing.clock import local_today
from wholesale.portal.access import me, my_org, supplier_required
from wholesale.portal.forms import status_of, submit
from wholesale.routes import pages, services
from wholesale.routes.forms import SLOTS, receiving_form
from wholesale.routes.models import Route
from wholesale.routes.sheet import route_sheet_pdf
from wholesale.sites.models import DeliveryLocation
from wholesale.tenancy import get_or_404
from wholesale.trading.models import TradingRelationship

bp = Blueprint("routes", __name__)


# What a driver may open in the portal: their run, and their own account.
DRIVER_PAGES = frozenset({"routes.driver", "accounts.login", "accounts.login_submit",
                          "accounts.logout", "accounts.profile", "accounts.password",
                          "accounts.sign_out_everywhere", "static"})


@bp.before_app_request
def _drivers_see_their_run_only() -> ResponseReturnValue | None:
    """A driver (role `driver`) sees only their own runs: the home page is their run, any
    other page is not found (the API has the same rule in `route(drivers=...)`)."""
    if request.path.startswith("/api/") or not current_user.is_authenticated \
            or current_user.role is not Role.DRIVER or request.endpoint in DRIVER_PAGES:
        return None
    if request.endpoint == "portal.dashboard":
        return redirect(url_for("routes.driver"))
    abort(404)


def _dispatcher() -> None:
    if me().role is Role.DRIVER:
        abort(404)


@bp.route("/delivery-runs")
@supplier_required
def index() -> ResponseReturnValue:
    _dispatcher()
    org = my_org()
    warehouses = pages.warehouses_of(org.id)
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        day = local_today(org.id) + timedelta(days=1)
    chosen = parse_id(request.args.get("warehouse_id"))
    warehouse = next((w for w in warehouses if w.id == chosen),
                     warehouses[0] if warehouses else None)
    runs = pages.runs_on(org.id, warehouse.id, day) if warehouse else []
    return render_template(
        "routes/dispatch.html", day=day, warehouses=warehouses, warehouse=warehouse,
        runs=[pages.run_view(r, me()) for r in runs],
        tile_url=current_app.config["MAP_TILE_URL"])


@bp.route("/delivery-runs/routes/<int:route_id>/sheet.pdf")
@supplier_required
def sheet(route_id: int) -> ResponseReturnValue:
    _dispatcher()
    route = get_or_404(Route, route_id)
    view = pages.route_view(route, route.run)
    filename = f"route-{route.run.date.isoformat()}-{route.vehicle.name}.pdf".replace(" ", "-")
    return pdf_response(route_sheet_pdf(my_org().name, pages.run_view(route.run, me()), view),
                        filename)


@bp.route("/driver")
@login_required
def driver() -> ResponseReturnValue:
    user = me()
    if not user.organization.is_supplier:
        abort(404)
    day, routes = pages.driver_day(user, local_today(user.organization_id))
    return render_template("routes/driver.html", day=day, routes=routes)


@bp.route("/locations/<int:location_id>/receiving", methods=["GET", "POST"])
@login_required
def receiving(location_id: int) -> ResponseReturnValue:
    """When a delivery location takes deliveries: its buyer sets it from their locations,
    the supplier for a customer from the customer's page (anyone else: 404)."""
    location = get_or_404(DeliveryLocation, location_id)
    saved = services.receiving_of(location)
    most = max([sum(1 for w in saved["windows"] if w["weekday"] == d) for d in range(1, 8)])
    form = receiving_form(max(SLOTS, most))
    if request.method == "GET":
        form.fill(saved)
    done, _ = submit(form, lambda: services.set_receiving(
        location, form.windows(), service_minutes=form.service_minutes.data,
        notes=form.receiving_notes.data or ""))
    if done:
        flash(f"Receiving hours of “{location.name}” saved.", "success")
        return redirect(url_for("routes.receiving", location_id=location.id))
    return render_template("routes/receiving.html", form=form, location=location,
                           back=_back_to(location)), status_of(form)


def _back_to(location: DeliveryLocation) -> tuple[str, str]:
    """(label, URL) of the page the form is reached from."""
    org = my_org()
    if location.buyer_id == org.id:
        return "Delivery locations", url_for("sites.locations")
    relationship = db.session.scalars(select(TradingRelationship).where(
        TradingRelationship.supplier_id == org.id,
        TradingRelationship.buyer_id == location.buyer_id)).first()
    if relationship is None:
        return "Customers", url_for("trading.customers")
    return location.buyer.name, url_for("trading.customer", relationship_id=relationship.id)
