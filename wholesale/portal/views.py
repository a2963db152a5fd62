"""The dashboard, and the pages whose features are still to come (tidy empty states)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from wholesale.accounts import services as accounts
from wholesale.accounts.models import OrgKind
from wholesale.portal.access import me, my_org, supplier_required
from wholesale.portal.navigation import navigation_context
from wholesale.sites import services as sites
from wholesale.trading import services as trading

bp = Blueprint("portal", __name__)
bp.app_context_processor(navigation_context)


@bp.app_template_filter("date")
def format_date(value: datetime | None) -> str:
    """`Mar 4, 2025`; an empty string for no date."""
    return f"{value:%b} {value.day}, {value.year}" if value else ""


@dataclass(frozen=True)
class Stat:
    label: str
    value: int
    icon: str
    url: str


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    url: str
    done: bool


@bp.get("/")
@login_required
def dashboard() -> ResponseReturnValue:
    org, user = my_org(), me()
    partners = len(trading.relationships_of(org))
    members = sum(1 for member in accounts.team(org) if member.is_active)
    if org.kind is OrgKind.SUPPLIER:
        sites_count = len(sites.warehouses_of(org))
        stats = [Stat("Customers", partners, "customers", url_for("trading.customers")),
                 Stat("Warehouses", sites_count, "warehouse", url_for("sites.warehouses"))]
        steps = [
            Step("Add a warehouse", "Where you ship from; stock is kept per warehouse.",
                 url_for("sites.warehouses"), sites_count > 0),
            Step("Invite your first buyer", "Send a customer a link to order from you.",
                 url_for("trading.customers"), partners > 0),
        ]
    else:
        sites_count = len(sites.locations_of(org))
        stats = [Stat("Suppliers", partners, "suppliers", url_for("trading.suppliers")),
                 Stat("Delivery locations", sites_count, "pin", url_for("sites.locations"))]
        steps = [
            Step("Add a delivery location", "Where your orders are delivered.",
                 url_for("sites.locations"), sites_count > 0),
            Step("Connect with a supplier", "Open the invitation link your supplier sent you.",
                 url_for("trading.suppliers"), partners > 0),
        ]
    stats.append(Stat("Team members", members, "team", url_for("accounts.team")))
    if user.is_owner:
        steps.append(Step("Invite a colleague", "Share the work: colleagues get their own sign-in.",
                          url_for("accounts.team"), members > 1))
    steps.append(Step("Add your phone number", "So we can text you when an order needs you.",
                      url_for("accounts.profile"), bool(user.phone)))
    # Organizations with orders get their dashboard (wholesale/dashboards); new ones keep
    # this welcome page with its getting-started checklist.
    from wholesale.dashboards.views import render_dashboard

    return render_dashboard(org, {"stats": stats, "steps": steps,
                                  "done": sum(step.done for step in steps)})


@dataclass(frozen=True)
class Placeholder:
    title: str
    icon: str
    heading: str
    text: str


_PLACEHOLDERS = {
    "orders": Placeholder(
        "Orders", "orders", "No orders yet",
        "Every order placed with you or by you will be listed here, with its status and ETA."),
    "inbox": Placeholder(
        "Inbox", "inbox", "Your inbox is empty",
        "Messages from your buyers, by chat, email and SMS, will arrive here, "
        "one thread per order."),
    "catalog": Placeholder(
        "Catalog", "catalog", "The catalog is on its way",
        "Products, units, case sizes and prices will appear here."),
    "inventory": Placeholder(
        "Inventory", "inventory", "No stock recorded yet",
        "Stock on hand, reserved and available, per warehouse and product, will appear here."),
}


def _placeholder(name: str) -> str:
    return render_template("portal/placeholder.html", page=_PLACEHOLDERS[name])


@bp.get("/orders")
@login_required
def orders() -> ResponseReturnValue:
    return _placeholder("orders")


@bp.get("/inbox")
@supplier_required
def inbox() -> ResponseReturnValue:
    return _placeholder("inbox")


@bp.get("/catalog")
@login_required
def catalog() -> ResponseReturnValue:
    return _placeholder("catalog")


@bp.get("/inventory")
@supplier_required
def inventory() -> ResponseReturnValue:
    return _placeholder("inventory")
