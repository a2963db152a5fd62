"""Rendering the dashboards; `portal.dashboard` (at `/`) calls `render_dashboard`. An
organization without orders keeps the portal's welcome page and its getting-started
checklist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue

from wholesale.accounts.models import Organization
from wholesale.dashboards import buyer, supplier
from wholesale.dashboards.buyer import buyer_dashboard, chart_data
from wholesale.dashboards.supplier import supplier_dashboard
from wholesale.db import utcnow


def _now() -> datetime:
    """`?at=` (ISO 8601) replays the dashboard at another moment (support, screenshots)."""
    value = request.args.get("at", "")
    if value:
        try:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                return parsed
        except ValueError:
            pass
    return utcnow()


def render_dashboard(org: Organization, welcome: dict[str, Any]) -> ResponseReturnValue:
    now = _now()
    if org.is_supplier:
        data = supplier_dashboard(org, now)
        if not data.has_orders:
            return render_template("portal/dashboard.html", **welcome)
        return render_template("dashboards/supplier.html", d=data, links=_links(data),
                               chart=_supplier_chart(data), definitions=supplier.DEFINITIONS,
                               no_data=supplier.NO_DATA)
    data_b = buyer_dashboard(org, now)
    if not data_b.has_orders:
        return render_template("portal/dashboard.html", **welcome)
    return render_template("dashboards/buyer.html", d=data_b, chart=chart_data(data_b),
                           definitions=buyer.DEFINITIONS)


def _links(d: Any) -> dict[str, str]:
    """Where each figure leads: the filtered list behind it."""
    today = d.today.isoformat()
    return {
        "today": url_for("orders.index", placed_from=today, placed_to=today),
        "late": url_for("fulfilment.board_page", late=1),
        "expedited": url_for("fulfilment.board_page", expedited=1),
        "changes": url_for("fulfilment.board_page"),
        "delivered": url_for("orders.index", status="delivered"),
        "shipped": url_for("orders.index", status="shipped"),
        "low_stock": url_for("inventory.low"),
        "overdue": url_for("invoicing.index", status="overdue"),
        "invoices": url_for("invoicing.index"),
        "status": url_for("orders.index"),
    }


def _supplier_chart(d: Any) -> dict[str, Any]:
    return {
        "revenue": {"labels": [f"{w:%b} {w.day}" for w, _ in d.revenue_by_week],
                    "data": [float(v) for _, v in d.revenue_by_week]},
        "status": {"labels": [s.capitalize() for s in d.open_by_status],
                   "data": list(d.open_by_status.values())},
    }
