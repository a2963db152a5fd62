"""Fleet, planning and dispatch: the dispatcher's side of delivery runs (docs/routes.md).

A run is one warehouse's plan for one date. Planning takes the supplier's open orders due
that day (their ETA, else the requested date) that still have stock reserved in that
warehouse and not shipped — a split order is on each warehouse's run for its own part —
leaving out orders already on a dispatched run. Planning again while the run is still
`planned` replaces its routes, keeping each locked stop on its vehicle. Dispatching ships
each stop's part (a shipment per order, "Own delivery") and announces every stop's
arrival window; a dispatched run is never replanned."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wholesale import signals
from wholesale.accounts.models import Organization, Role, User
from wholesale.db import storable, utcnow
from wholesale.errors import Conflict, ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment import machine, reservations, shipments
from wholesale.invoicing.clock import zone_of
from wholesale.orders.models import Allocation, Order, OrderLine
from wholesale.routes import matrix as travel
from wholesale.routes.models import (
    ReceivingWindow,
    Route,
    Run,
    RunStatus,
    Stop,
    StopStatus,
    Vehicle,
)
from wholesale.routes.planner import PlanJob, PlanVehicle, Window, evaluate, plan
from wholesale.sites.models import DeliveryLocation, Warehouse

CARRIER = "Own delivery"


# -- fleet -----------------------------------------------------------------------------


def add_vehicle(supplier: Organization, *, name: str, warehouse_id: int, capacity_cases: int,
                shift_start: time, shift_end: time, capacity_kg: Decimal | None = None,
                driver_id: int | None = None) -> Vehicle:
    errors: dict[str, list[str]] = {}
    warehouse = db.session.get(Warehouse, warehouse_id)
    if warehouse is None or warehouse.supplier_id != supplier.id:
        errors["warehouse_id"] = ["Not one of your warehouses."]
    if shift_end <= shift_start:
        errors["shift_end"] = ["The shift must end after it starts."]
    if driver_id is not None and _driver(supplier, driver_id) is None:
        errors["driver_id"] = ["Not a member of your organization."]
    if errors:
        raise ValidationFailed(errors, next(iter(errors.values()))[0])
    vehicle = Vehicle(supplier_id=supplier.id, warehouse_id=warehouse_id, name=name.strip(),
                      capacity_cases=capacity_cases, capacity_kg=capacity_kg,
                      shift_start=shift_start, shift_end=shift_end, driver_id=driver_id)
    db.session.add(vehicle)
    db.session.flush()
    return vehicle


def _driver(supplier: Organization, user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.organization_id == supplier.id else None


def set_windows(location: DeliveryLocation, windows: list[tuple[int, time, time]],
                service_minutes: int | None = None) -> None:
    """Replace the location's receiving windows ([(weekday 1–7, opens, closes)])."""
    for old in db.session.scalars(select(ReceivingWindow).where(
            ReceivingWindow.location_id == location.id)):
        db.session.delete(old)
    for weekday, opens, closes in windows:
        db.session.add(ReceivingWindow(location_id=location.id, weekday=weekday, opens=opens,
                                       closes=closes))
    if service_minutes is not None:
        location.service_minutes = service_minutes
    db.session.flush()


def set_receiving(location: DeliveryLocation, windows: list[tuple[int, time, time]], *,
                  service_minutes: int | None = None, notes: str | None = None) -> None:
    """The receiving windows, service time and driver's notes of a location: each window
    opens before it closes, and windows of one weekday don't overlap (422, nothing saved)."""
    errors: dict[str, list[str]] = {}
    for index, (weekday, opens, closes) in enumerate(windows):
        if opens >= closes:
            errors[f"windows.{index}.closes"] = ["Must be later than opens."]
        for other, (day, start, end) in enumerate(windows[:index]):
            if day == weekday and start < closes and opens < end:
                errors[f"windows.{index}"] = [f"Overlaps window {other + 1} of that day."]
    if notes is not None and not storable(notes):
        errors["receiving_notes"] = ["Remove the characters that cannot be stored."]
    if errors:
        raise ValidationFailed(errors, "Some receiving windows are not valid.")
    set_windows(location, sorted(windows), service_minutes)
    if notes is not None:
        location.receiving_notes = notes.strip()
        db.session.flush()


def receiving_of(location: DeliveryLocation) -> dict[str, Any]:
    windows = db.session.scalars(select(ReceivingWindow).where(
        ReceivingWindow.location_id == location.id).order_by(
        ReceivingWindow.weekday, ReceivingWindow.opens)).all()
    return {"location_id": location.id, "service_minutes": location.service_minutes,
            "receiving_notes": location.receiving_notes,
            "windows": [{"weekday": w.weekday, "opens": w.opens, "closes": w.closes}
                        for w in windows]}


# -- planning --------------------------------------------------------------------------


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _at(day: date, seconds: int, zone: ZoneInfo) -> datetime:
    """Seconds after local midnight of `day` as an aware UTC datetime."""
    local = datetime.combine(day, time(0), tzinfo=zone) + timedelta(seconds=seconds)
    return local.astimezone(ZoneInfo("UTC"))


def cases_of(line: OrderLine, units: int) -> int:
    """Cases a quantity of the line takes in the van: the unit itself when it is a case,
    else whole cases of `case_size` units."""
    product = line.product
    if line.unit.lower() in ("case", "cs") or not product or product.case_size <= 1:
        return units
    return math.ceil(units / product.case_size)


def _due(supplier_id: int, warehouse_id: int, day: date) -> list[tuple[Order, dict[int, int]]]:
    """Open orders due `day` with unshipped stock reserved in the warehouse: (order,
    {line id: units from this warehouse})."""
    due_on = func.coalesce(Order.eta, Order.requested_delivery_date)
    stmt = (
        select(Order).join(OrderLine, OrderLine.order_id == Order.id)
        .join(Allocation, Allocation.order_line_id == OrderLine.id)
        .where(Order.supplier_id == supplier_id, due_on == day,
               Order.status.in_(machine.OPEN), Allocation.warehouse_id == warehouse_id,
               Allocation.released_at.is_(None),
               Allocation.quantity > Allocation.shipped_quantity)
        .distinct().order_by(Order.id)
        .options(selectinload(Order.lines).selectinload(OrderLine.allocations),
                 selectinload(Order.delivery_location))
    )
    result = []
    for order in db.session.scalars(stmt):
        parts = {}
        for line in order.lines:
            units = sum(a.quantity - a.shipped_quantity
                        for a in reservations.open_allocations(line)
                        if a.warehouse_id == warehouse_id)
            if units > 0:
                parts[line.id] = units
        result.append((order, parts))
    return result


def _windows(location: DeliveryLocation, day: date) -> tuple[Window, ...] | None:
    rows = db.session.scalars(select(ReceivingWindow).where(
        ReceivingWindow.location_id == location.id)).all()
    if not rows:
        return None
    return tuple(sorted(Window(_seconds(w.opens), _seconds(w.closes))
                        for w in rows if w.weekday == day.isoweekday()))


def _point(location: DeliveryLocation) -> travel.Point | None:
    if location.latitude is None or location.longitude is None:
        return None
    lat, lon = float(location.latitude), float(location.longitude)
    if (lat, lon) == (0.0, 0.0) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None  # an unset position, not a delivery in the Gulf of Guinea
    return lat, lon


def _matrix(points: list[travel.Point | None]) -> travel.Matrix:
    config = current_app.config
    usable = [p if p is not None else points[0] for p in points]
    return travel.build(usable, osrm_url=config["ROUTING_OSRM_URL"],
                        detour=config["ROUTING_DETOUR_FACTOR"],
                        speed_kmh=config["ROUTING_SPEED_KMH"])


def _plan_vehicle(v: Vehicle) -> PlanVehicle:
    return PlanVehicle(v.id, v.capacity_cases,
                       float(v.capacity_kg) if v.capacity_kg is not None else None,
                       _seconds(v.shift_start), _seconds(v.shift_end))


def plan_run(supplier: Organization, warehouse_id: int, day: date) -> tuple[Run, bool]:
    """Plan (or replan) the warehouse's run for `day`; (run, created). 422 when there is
    nothing to plan — no vehicle, no order due — and nothing changes."""
    warehouse = db.session.get(Warehouse, warehouse_id)
    if warehouse is None or warehouse.supplier_id != supplier.id:
        raise ValidationFailed.one("warehouse_id", "Not one of your warehouses.")
    vehicles = db.session.scalars(select(Vehicle).where(
        Vehicle.warehouse_id == warehouse_id).order_by(Vehicle.id)).all()
    if not vehicles:
        raise ValidationFailed.one(
            "warehouse_id", f"{warehouse.name} has no vehicles yet: add one first.")
    runs = db.session.scalars(select(Run).where(
        Run.warehouse_id == warehouse_id, Run.date == day).with_for_update()).all()
    on_dispatched = {s.order_id for r in runs if r.status is not RunStatus.PLANNED
                     for route in r.routes for s in route.stops}
    due = [(o, parts) for o, parts in _due(supplier.id, warehouse_id, day)
           if o.id not in on_dispatched]
    if not due:
        raise ValidationFailed.one(
            "date", f"No orders are due from {warehouse.name} on {day.isoformat()}.")
    run = next((r for r in runs if r.status is RunStatus.PLANNED), None)
    created = run is None
    locked: dict[int, int] = {}
    if run is None:
        run = Run(supplier_id=supplier.id, warehouse_id=warehouse_id, date=day)
        db.session.add(run)
    else:
        locked = {s.order_id: route.vehicle_id for route in run.routes for s in route.stops
                  if s.locked}
        run.routes.clear()
        db.session.flush()

    zone = zone_of(supplier.id)
    jobs, loads = [], {}
    for order, parts in due:
        lines = {line.id: line for line in order.lines}
        cases = sum(cases_of(lines[i], units) for i, units in parts.items())
        kg = sum((lines[i].product.weight_kg or 0) * units for i, units in parts.items())
        loads[order.id] = (cases, Decimal(kg))
        location = order.delivery_location
        jobs.append(PlanJob(order.id, _point(location), cases, float(kg),
                            location.service_minutes * 60, _windows(location, day),
                            locked.get(order.id)))
    depot = (float(warehouse.latitude), float(warehouse.longitude))
    m = _matrix([depot] + [j.point for j in jobs])
    config = current_app.config
    result = plan(depot, [_plan_vehicle(v) for v in vehicles], jobs, m,
                  exploration=config["ROUTING_EXPLORATION"],
                  timeout_s=config["ROUTING_TIMEOUT_S"])

    # Every vehicle gets a route, an idle one empty, so the dispatcher can move stops onto it.
    busy = {r.vehicle_id for r in result.routes}
    ordered = [(r.vehicle_id, r) for r in result.routes] + [
        (v.id, None) for v in vehicles if v.id not in busy]
    by_vehicle = {v.id: v for v in vehicles}
    for position, (vehicle_id, planned) in enumerate(ordered):
        vehicle = by_vehicle[vehicle_id]
        route = Route(supplier_id=supplier.id, vehicle_id=vehicle.id,
                      driver_id=vehicle.driver_id, position=position)
        run.routes.append(route)
        if planned is None:
            planned = evaluate(_plan_vehicle(vehicle), [], [], m)
        _apply(route, planned, day, zone)
        for n, stop in enumerate(planned.stops, start=1):
            cases, kg = loads[stop.job_id]
            route.stops.append(Stop(
                supplier_id=supplier.id, order_id=stop.job_id, sequence=n, cases=cases,
                weight_kg=kg, locked=stop.job_id in locked))
        _times(route.stops, planned, day, zone)
    run.unassigned = [{"order_id": u.job_id, "reason": u.reason, "message": u.message}
                      for u in result.unassigned]
    db.session.flush()
    return run, created


def _apply(route: Route, planned: Any, day: date, zone: ZoneInfo) -> None:
    route.distance_m, route.duration_s = planned.distance_m, planned.duration_s
    route.starts_at, route.ends_at = _at(day, planned.start, zone), _at(day, planned.end, zone)


def _times(stops: list[Stop], planned: Any, day: date, zone: ZoneInfo) -> None:
    by_order = {s.order_id: s for s in stops}
    for stop in planned.stops:
        row = by_order[stop.job_id]
        row.eta = _at(day, stop.start, zone)
        window = stop.window
        row.window_start = _at(day, window.start, zone) if window else None
        row.window_end = _at(day, window.end, zone) if window else None


# -- the dispatcher's edits ------------------------------------------------------------


def _editable(run: Run) -> None:
    if run.status is not RunStatus.PLANNED:
        raise Conflict(f"The run is {run.status.value}; it can no longer change.",
                       code="run_dispatched")


def move_stop(stop: Stop, route: Route, position: int) -> Run:
    """Put the stop on `route` (same run) at `position` (1-based), renumber both routes and
    recompute their ETAs and totals; the stop is locked there."""
    run = stop.route.run
    _editable(run)
    if route.run_id != run.id:
        raise ValidationFailed.one("route_id", "Not a route of this run.")
    old = stop.route
    ordered = sorted((s for s in route.stops if s.id != stop.id), key=lambda s: s.sequence)
    ordered.insert(max(1, min(position, len(ordered) + 1)) - 1, stop)
    stop.route = route  # the relationship moves it off the old route
    stop.locked = True
    recompute(route, ordered)
    if old is not route:
        recompute(old, sorted(old.stops, key=lambda s: s.sequence))
    db.session.flush()
    return run


def set_locked(stop: Stop, locked: bool) -> Stop:
    _editable(stop.route.run)
    stop.locked = locked
    db.session.flush()
    return stop


def recompute(route: Route, ordered: list[Stop]) -> None:
    """Renumber the route's stops in the given order; recompute ETAs, distance and time."""
    run = route.run
    for n, stop in enumerate(ordered, start=1):
        stop.sequence = n
    warehouse = run.warehouse
    depot = (float(warehouse.latitude), float(warehouse.longitude))
    jobs = []
    for stop in ordered:
        location = stop.order.delivery_location
        jobs.append(PlanJob(stop.order_id, _point(location), stop.cases, float(stop.weight_kg),
                            location.service_minutes * 60, _windows(location, run.date)))
    m = _matrix([depot] + [j.point for j in jobs])
    planned = evaluate(_plan_vehicle(route.vehicle), jobs, list(range(1, len(jobs) + 1)), m)
    zone = zone_of(run.supplier_id)
    _apply(route, planned, run.date, zone)
    _times(ordered, planned, run.date, zone)


# -- dispatch --------------------------------------------------------------------------


def dispatch(run: Run, actor: User) -> Run:
    """Ship every stop's part and announce its window; 409 unless the run is planned."""
    locked = db.session.scalars(select(Run).where(Run.id == run.id).with_for_update()
                                .execution_options(populate_existing=True)).one()
    _editable(locked)
    if not any(route.stops for route in locked.routes):
        raise Conflict("The run has no stops to dispatch.", code="run_empty")
    for route in locked.routes:
        for stop in route.stops:
            order = stop.order
            parts = {line.id: sum(a.quantity - a.shipped_quantity
                                  for a in reservations.open_allocations(line)
                                  if a.warehouse_id == locked.warehouse_id)
                     for line in order.lines}
            lines = [{"line_id": i, "quantity": q} for i, q in parts.items() if q > 0]
            if lines and order.status in machine.OPEN:
                shipments.ship(order, actor, carrier=CARRIER,
                               tracking_number=f"{route.vehicle.name} · run {locked.id}",
                               lines=lines)
            stop.notices = [*stop.notices, "window"]
            signals.delivery_dispatched.send(
                order.supplier, order=order, actor=actor, stop=stop,
                window_start=_local(stop.window_start, locked.supplier_id),
                window_end=_local(stop.window_end, locked.supplier_id),
                eta=_local(stop.eta, locked.supplier_id))
    locked.status = RunStatus.DISPATCHED
    locked.dispatched_at = utcnow()
    db.session.flush()
    return locked


def _local(moment: datetime | None, supplier_id: int) -> datetime | None:
    return moment.astimezone(zone_of(supplier_id)) if moment is not None else None


def complete_if_done(run: Run) -> None:
    if run.status is RunStatus.DISPATCHED and all(
            s.status in (StopStatus.DELIVERED, StopStatus.PROBLEM)
            for route in run.routes for s in route.stops):
        run.status = RunStatus.COMPLETED


# -- reading ---------------------------------------------------------------------------


def runs_for(user: User, day: date | None) -> list[Run]:
    stmt = select(Run).order_by(Run.date.desc(), Run.id.desc())
    if day is not None:
        stmt = stmt.where(Run.date == day)
    if user.role is Role.DRIVER:
        stmt = stmt.where(Run.id.in_(select(Route.run_id).where(Route.driver_id == user.id)))
    return list(db.session.scalars(stmt.limit(200)))


def visible_routes(run: Run, user: User) -> list[Route]:
    """A driver sees only their own routes of a run; the supplier's other staff all."""
    if user.role is Role.DRIVER:
        return [r for r in run.routes if r.driver_id == user.id]
    return list(run.routes)
