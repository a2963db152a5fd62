"""API: vehicles, delivery runs and the driver's stop actions (CONTRACT.md §3)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import select

from wholesale.api.pagination import Page, paginate
from wholesale.api.registry import route
from wholesale.errors import NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.routes import services, stops
from wholesale.routes.models import Route, Run, Stop, Vehicle
from wholesale.routes.schemas import (
    DeliveredSchema,
    LockSchema,
    MoveSchema,
    PlanSchema,
    ProblemSchema,
    ReceivingSchema,
    RunListSchema,
    RunQuery,
    RunSchema,
    StopSchema,
    VehicleSchema,
)
from wholesale.routes.serialize import run_payload
from wholesale.sites.models import DeliveryLocation
from wholesale.tenancy import get_or_404


@route("/vehicles", "POST", summary="Add a delivery vehicle", body=VehicleSchema,
       response=VehicleSchema, status=201, kinds=["supplier"])
def add_vehicle(data: dict[str, Any]) -> Vehicle:
    return services.add_vehicle(current_user.organization, **data)


@route("/vehicles", summary="The supplier's vehicles", response=VehicleSchema,
       kinds=["supplier"], paginated=True)
def list_vehicles(query: dict[str, Any]) -> Page:
    stmt = select(Vehicle).where(Vehicle.supplier_id == current_user.organization_id)
    return paginate(stmt, Vehicle.id, query)


@route("/locations/<int:location_id>/receiving", summary="A delivery location's receiving "
       "windows per weekday, service time and notes for the driver", response=ReceivingSchema)
def get_receiving(location_id: int) -> dict[str, Any]:
    return services.receiving_of(get_or_404(DeliveryLocation, location_id))


@route("/locations/<int:location_id>/receiving", "PUT", summary="Set when a delivery location "
       "takes deliveries (replaces its windows); the buyer, or the supplier for a customer",
       body=ReceivingSchema, response=ReceivingSchema)
def set_receiving(location_id: int, data: dict[str, Any]) -> dict[str, Any]:
    location = get_or_404(DeliveryLocation, location_id)
    windows = [(w["weekday"], w["opens"], w["closes"]) for w in data["windows"]]
    services.set_receiving(location, windows, service_minutes=data["service_minutes"],
                           notes=data["receiving_notes"])
    return services.receiving_of(location)


@route("/runs", "POST", summary="Plan (or replan) a warehouse's delivery run for a date",
       body=PlanSchema, response=RunSchema, status=201, kinds=["supplier"],
       extra_responses={200: "the date's planned run, replanned"})
def plan_run(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    run, created = services.plan_run(current_user.organization, data["warehouse_id"],
                                     data["date"])
    return run_payload(run, current_user), 201 if created else 200


@route("/runs", summary="Delivery runs (a driver: those with their routes)", query=RunQuery,
       response=RunListSchema, kinds=["supplier"], drivers=True)
def list_runs(query: dict[str, Any]) -> dict[str, Any]:
    runs = services.runs_for(current_user, query["date"])
    return {"items": [run_payload(r, current_user) for r in runs]}


def _run(run_id: int) -> Run:
    run = get_or_404(Run, run_id)
    if not services.visible_routes(run, current_user) and current_user.role.value == "driver":
        raise NotFound("Run not found.")
    return run


@route("/runs/<int:run_id>", summary="One delivery run", response=RunSchema,
       kinds=["supplier"], drivers=True)
def get_run(run_id: int) -> dict[str, Any]:
    return run_payload(_run(run_id), current_user)


@route("/runs/<int:run_id>/dispatch", "POST", summary="Dispatch a run: ship and tell buyers",
       response=RunSchema, kinds=["supplier"])
def dispatch_run(run_id: int) -> dict[str, Any]:
    run = services.dispatch(get_or_404(Run, run_id), current_user)
    return run_payload(run, current_user)


@route("/stops/<int:stop_id>/lock", "POST",
       summary="Lock a planned stop on its vehicle (a replan keeps it there), or unlock it",
       body=LockSchema, response=StopSchema, kinds=["supplier"])
def lock_stop(stop_id: int, data: dict[str, Any]) -> Stop:
    return services.set_locked(get_or_404(Stop, stop_id), data["locked"])


@route("/stops/<int:stop_id>/move", "POST",
       summary="Move a planned stop to a route of the same run at a position; it is locked "
               "there and both routes' ETAs are recomputed",
       body=MoveSchema, response=RunSchema, kinds=["supplier"])
def move_stop(stop_id: int, data: dict[str, Any]) -> dict[str, Any]:
    stop = get_or_404(Stop, stop_id)
    target = db.session.scalars(select(Route).where(Route.id == data["route_id"])).first()
    if target is None:
        raise ValidationFailed.one("route_id", "Not a route of this run.")
    return run_payload(services.move_stop(stop, target, data["position"]), current_user)


@route("/stops/<int:stop_id>/arrived", "POST", summary="The driver arrived at a stop",
       response=StopSchema, kinds=["supplier"], drivers=True)
def stop_arrived(stop_id: int) -> Stop:
    return stops.arrived(current_user, stop_id)


@route("/stops/<int:stop_id>/delivered", "POST",
       summary="Delivered, with the recipient and a signature and/or photo",
       body=DeliveredSchema, response=StopSchema, kinds=["supplier"], drivers=True)
def stop_delivered(stop_id: int, data: dict[str, Any]) -> Stop:
    return stops.delivered(current_user, stop_id, **data)


@route("/stops/<int:stop_id>/problem", "POST", summary="The driver could not deliver",
       body=ProblemSchema, response=StopSchema, kinds=["supplier"], drivers=True)
def stop_problem(stop_id: int, data: dict[str, Any]) -> Stop:
    return stops.problem(current_user, stop_id, **data)
