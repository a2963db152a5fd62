"""What the dispatcher's page, the driver's phone view and the route sheet show of a run:
plain dicts with local times, buyers, addresses, coordinates and what to drop at each stop
(the order's quantities reserved in the run's warehouse)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select

from wholesale.accounts.models import User
from wholesale.extensions import db
from wholesale.invoicing.clock import zone_of
from wholesale.routes.models import Route, Run, RunStatus, Stop, StopStatus
from wholesale.routes.services import visible_routes
from wholesale.sites.models import Warehouse

# One colour per route, distinct on a map and readable as text on white.
COLOURS = ("#4f46e5", "#d9480f", "#0b7285", "#2b8a3e", "#c2255c", "#5f3dc4", "#e67700",
           "#1864ab")


def _clock(moment: datetime | None, supplier_id: int) -> str:
    return moment.astimezone(zone_of(supplier_id)).strftime("%H:%M") if moment else ""


def _duration(seconds: int) -> str:
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def items(stop: Stop, warehouse_id: int) -> list[dict[str, Any]]:
    """What to drop at the stop: each line's quantity from this run's warehouse."""
    result = []
    for line in stop.order.lines:
        units = sum(a.quantity for a in line.allocations
                    if a.warehouse_id == warehouse_id and a.released_at is None)
        if units:
            result.append({"sku": line.sku, "name": line.name, "quantity": units,
                           "unit": line.unit})
    return result


def geo_link(lat: float, lng: float, label: str) -> str:
    """A geo: URI the phone's maps app opens, with the place's name as the pin's label."""
    return f"geo:{lat:.6f},{lng:.6f}?q={lat:.6f},{lng:.6f}({quote(label)})"


def stop_view(stop: Stop, run: Run) -> dict[str, Any]:
    order, location = stop.order, stop.order.delivery_location
    lat, lng = float(location.latitude or 0), float(location.longitude or 0)
    window = ""
    if stop.window_start and stop.window_end:
        window = (f"{_clock(stop.window_start, run.supplier_id)}–"
                  f"{_clock(stop.window_end, run.supplier_id)}")
    return {
        "id": stop.id, "sequence": stop.sequence, "order_id": order.id,
        "order_number": order.display_number, "buyer": order.buyer.name,
        "location": location.name, "address": location.address, "lat": lat, "lng": lng,
        "geo": geo_link(lat, lng, f"{order.buyer.name}, {location.address}"),
        "phone": location.contact_phone or "", "notes": location.receiving_notes or "",
        "eta": _clock(stop.eta, run.supplier_id), "window": window,
        "missed_window": stop.missed_window, "locked": stop.locked,
        "status": stop.status.value, "cases": stop.cases, "kg": float(stop.weight_kg),
        "recipient": stop.recipient or "", "items": items(stop, run.warehouse_id),
    }


def route_view(route: Route, run: Run) -> dict[str, Any]:
    vehicle = route.vehicle
    stops = [stop_view(s, run) for s in sorted(route.stops, key=lambda s: s.sequence)]
    return {
        "id": route.id, "vehicle": vehicle.name, "vehicle_id": vehicle.id,
        "driver": route.driver.name if route.driver else "",
        "colour": COLOURS[route.position % len(COLOURS)],
        "capacity_cases": vehicle.capacity_cases,
        "capacity_kg": float(vehicle.capacity_kg) if vehicle.capacity_kg else None,
        "cases": sum(s["cases"] for s in stops), "kg": round(sum(s["kg"] for s in stops), 1),
        "distance_km": round(route.distance_m / 1000, 1),
        "drive_time": _duration(route.duration_s),
        "starts": _clock(route.starts_at, run.supplier_id),
        "ends": _clock(route.ends_at, run.supplier_id),
        "missed": sum(1 for s in stops if s["missed_window"]), "stops": stops,
    }


def run_view(run: Run, user: User) -> dict[str, Any]:
    warehouse = run.warehouse
    return {
        "id": run.id, "date": run.date.isoformat(), "status": run.status.value,
        "editable": run.status is RunStatus.PLANNED,
        "warehouse": {"name": warehouse.name, "address": warehouse.address,
                      "lat": float(warehouse.latitude), "lng": float(warehouse.longitude)},
        "routes": [route_view(r, run) for r in visible_routes(run, user)],
        "unassigned": run.unassigned or [],
    }


def runs_on(supplier_id: int, warehouse_id: int, day: date) -> list[Run]:
    return list(db.session.scalars(select(Run).where(
        Run.supplier_id == supplier_id, Run.warehouse_id == warehouse_id, Run.date == day)
        .order_by(Run.id)))


def warehouses_of(supplier_id: int) -> list[Warehouse]:
    return list(db.session.scalars(select(Warehouse).where(
        Warehouse.supplier_id == supplier_id).order_by(Warehouse.name)))


def driver_day(driver: User, today: date) -> tuple[date, list[dict[str, Any]]]:
    """The driver's routes on dispatched runs of their next working day (today, or the
    first later date they have a run: a run dispatched the evening before shows), each with
    its next stop first."""
    mine = select(Route).join(Run).where(Route.driver_id == driver.id, Run.date >= today,
                                         Run.status != RunStatus.PLANNED)
    day = db.session.scalar(select(func.min(Run.date)).select_from(Route).join(Run).where(
        Route.driver_id == driver.id, Run.date >= today, Run.status != RunStatus.PLANNED))
    if day is None:
        return today, []
    routes = db.session.scalars(mine.where(Run.date == day)
                                .order_by(Run.id, Route.position)).all()
    result = []
    for route in routes:
        view = route_view(route, route.run)
        done = {StopStatus.DELIVERED.value, StopStatus.PROBLEM.value}
        open_stops = [s for s in view["stops"] if s["status"] not in done]
        view["next"] = open_stops[0] if open_stops else None
        view["later"] = open_stops[1:]
        view["done"] = [s for s in view["stops"] if s["status"] in done]
        result.append(view)
    return day, result
