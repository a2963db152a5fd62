"""The dashboard: the getting-started checklist, then the supplier or buyer dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from markupsafe import Markup

from wholesale.accounts import services as accounts
from wholesale.accounts.models import OrgKind
from wholesale.portal.access import me, my_org
from wholesale.portal.navigation import navigation_context
from wholesale.sites import services as sites
from wholesale.trading import services as trading

bp = Blueprint("portal", __name__)
bp.app_context_processor(navigation_context)


@bp.app_template_filter("date")
def format_date(value: datetime | None) -> str:
    """`Mar 4, 2025`; an empty string for no date."""
    return f"{value:%b} {value.day}, {value.year}" if value else ""


@bp.app_template_global("local_time")
def local_time(value: datetime | None, style: str = "datetime") -> Markup:
    """A `<time>` that app.js shows in the viewer's own time zone, with the zone named
    ("Dec 5, 4:35 PM CET"; `style="date"`: the day alone). Until then, and without
    JavaScript, it reads in UTC and says so."""
    if value is None:
        return Markup("")
    value = value.astimezone(UTC)
    text = (f"{value:%b} {value.day}, {value.year}" if style == "date"
            else f"{value:%b} {value.day}, {value:%H:%M} UTC")
    return Markup('<time datetime="{}" data-local="{}">{}</time>').format(
        value.isoformat(), style, text)


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
