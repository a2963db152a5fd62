"""The route planner: a capacitated vehicle-routing problem with receiving windows and
driver shifts, solved by VROOM (pyvroom) over a travel-time matrix. Pure: plain data in,
plain data out (no database, no Flask), so the tests and bench/route_plan.py drive it
directly.

Times are seconds since local midnight of the delivery date. Location 0 of the matrix is
the warehouse, location i+1 is jobs[i]. Capacity has two dimensions: cases, and grams
(kilograms × 1000, VROOM counts in integers); a vehicle without a weight limit gets an
unreachable one.

Before solving, each job is checked on its own against the fleet, so the reason it cannot
be served is specific: no coordinates, closed that weekday, larger than every vehicle, a
window no vehicle can reach in time, or a drop that would end after every shift. A job
that passes but still is not placed found no room left (`fleet_full`). A locked job
(`vehicle_id` set) may only go on that vehicle (VROOM skills)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy
import vroom

from wholesale.routes.matrix import Matrix, Point

NO_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class Window:
    start: int
    end: int


@dataclass(frozen=True)
class PlanVehicle:
    id: int
    capacity_cases: int
    capacity_kg: float | None
    shift_start: int
    shift_end: int


@dataclass(frozen=True)
class PlanJob:
    id: int
    point: Point | None
    cases: int
    kg: float = 0.0
    service_s: int = 600
    # None: any time in a shift; (): closed that day.
    windows: tuple[Window, ...] | None = None
    vehicle_id: int | None = None  # locked to this vehicle


@dataclass(frozen=True)
class PlannedStop:
    job_id: int
    arrival: int  # when the vehicle gets there
    start: int  # when the drop begins (after waiting for the window to open)
    window: Window | None  # the window it is served in (None: no window)

    @property
    def late(self) -> bool:
        return self.window is not None and self.start > self.window.end


@dataclass
class PlannedRoute:
    vehicle_id: int
    stops: list[PlannedStop]
    distance_m: int
    duration_s: int  # driving time
    start: int  # leaves the warehouse
    end: int  # back at the warehouse


@dataclass(frozen=True)
class Unassigned:
    job_id: int
    reason: str
    message: str


@dataclass
class Plan:
    routes: list[PlannedRoute]
    unassigned: list[Unassigned] = field(default_factory=list)

    @property
    def duration_s(self) -> int:
        return sum(r.duration_s for r in self.routes)


def _grams(kg: float | None) -> int:
    return NO_LIMIT if kg is None else round(kg * 1000)


def _precheck(job: PlanJob, index: int, vehicles: Sequence[PlanVehicle],
              matrix: Matrix) -> Unassigned | None:
    """Why this job cannot be served by any vehicle even on an empty route, or None."""
    if job.point is None:
        return Unassigned(job.id, "no_coordinates",
                          "The delivery location has no coordinates.")
    if job.windows == ():
        return Unassigned(job.id, "closed",
                          "The delivery location takes no deliveries on this weekday.")
    fleet = [v for v in vehicles if job.vehicle_id in (None, v.id)]
    if not fleet:
        return Unassigned(job.id, "no_vehicle", "The vehicle it was locked to is not available.")
    if all(job.cases > v.capacity_cases or _grams(job.kg) > _grams(v.capacity_kg)
           for v in fleet):
        return Unassigned(job.id, "capacity",
                          f"{job.cases} cases / {job.kg:g} kg is more than any vehicle carries.")
    there, back = matrix.durations[0][index], matrix.durations[index][0]
    windows = job.windows or (Window(0, 48 * 3600),)
    reachable = False
    for vehicle in fleet:
        arrival = vehicle.shift_start + there
        for window in windows:
            if arrival > window.end:
                continue
            reachable = True
            if max(arrival, window.start) + job.service_s + back <= vehicle.shift_end:
                return None
    if not reachable:
        return Unassigned(job.id, "window",
                          "No vehicle can get there before its receiving window closes.")
    return Unassigned(job.id, "shift", "The drop would end after every driver's shift.")


def plan(depot: Point, vehicles: Sequence[PlanVehicle], jobs: Sequence[PlanJob],
         matrix: Matrix, *, exploration: int = 5, timeout_s: float | None = None,
         threads: int = 2) -> Plan:
    """Assign and order the jobs on the vehicles (see the module docstring). `matrix`
    covers [depot, *job points] (a job without a point gets any row; it is never used)."""
    del depot  # location 0 of the matrix
    unassigned: list[Unassigned] = []
    feasible: list[tuple[int, PlanJob]] = []
    for i, job in enumerate(jobs, start=1):
        why = _precheck(job, i, vehicles, matrix)
        if why is None:
            feasible.append((i, job))
        else:
            unassigned.append(why)
    if not feasible or not vehicles:
        return Plan([], unassigned + [Unassigned(j.id, "fleet_full", "No vehicle is available.")
                                      for _, j in feasible])

    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=numpy.asarray(matrix.durations))
    problem.set_distances_matrix(profile="car", matrix_input=numpy.asarray(matrix.distances))
    skill = {v.id: n for n, v in enumerate(vehicles, start=1)}
    problem.add_vehicle([
        vroom.Vehicle(v.id, start=0, end=0,
                      capacity=[v.capacity_cases, _grams(v.capacity_kg)],
                      time_window=vroom.TimeWindow(v.shift_start, v.shift_end),
                      skills={skill[v.id]})
        for v in vehicles
    ])
    problem.add_job([
        vroom.Job(job.id, location=i, default_service=job.service_s,
                  delivery=[job.cases, round(job.kg * 1000)],
                  time_windows=[vroom.TimeWindow(w.start, w.end) for w in job.windows or ()],
                  skills={skill[job.vehicle_id]} if job.vehicle_id is not None else set())
        for i, job in feasible
    ])
    solution = problem.solve(
        exploration_level=exploration, nb_threads=threads,
        timeout=timedelta(seconds=timeout_s) if timeout_s else None)
    by_id = {job.id: job for _, job in feasible}
    routes = _routes(solution, by_id)
    placed = {s.job_id for r in routes for s in r.stops}
    unassigned += [Unassigned(job.id, "fleet_full",
                              "No room left: the vehicles' capacity or shift time is used up.")
                   for _, job in feasible if job.id not in placed]
    return Plan(routes, unassigned)


def _routes(solution: vroom.Solution, jobs: dict[int, PlanJob]) -> list[PlannedRoute]:
    """Read the solution's steps (the structured array, not `to_dict()`, which captures
    the process-wide stdout and so is not safe in a threaded server)."""
    steps = numpy.asarray(solution._routes_numpy())
    routes: dict[int, PlannedRoute] = {}
    for step in steps:
        vehicle_id, kind = int(step["vehicle_id"]), step["type"].decode()
        route = routes.setdefault(vehicle_id, PlannedRoute(vehicle_id, [], 0, 0, 0, 0))
        arrival = int(step["arrival"])
        if kind == "start":
            route.start = arrival
        elif kind == "end":
            route.end = arrival
            route.distance_m = int(step["distance"])
            route.duration_s = int(step["duration"])
        elif kind == "job":
            job = jobs[int(step["id"])]
            start = arrival + int(step["waiting_time"])
            route.stops.append(PlannedStop(job.id, arrival, start, _window_of(job, start)))
    return [r for r in routes.values() if r.stops]


def _window_of(job: PlanJob, start: int) -> Window | None:
    if not job.windows:
        return None
    containing = [w for w in job.windows if w.start <= start <= w.end]
    if containing:
        return containing[0]
    later = [w for w in job.windows if w.start >= start]
    return later[0] if later else job.windows[-1]


def evaluate(vehicle: PlanVehicle, jobs: Sequence[PlanJob], indexes: Sequence[int],
             matrix: Matrix) -> PlannedRoute:
    """The ETAs of a route in a given order (after a stop was dragged): leave at the shift
    start, wait for a window that has not opened yet, never skip a stop; a stop reached
    after its window closed is `late`. `indexes[i]` is jobs[i]'s location in the matrix."""
    clock, at, distance, driving = vehicle.shift_start, 0, 0, 0
    stops: list[PlannedStop] = []
    for job, index in zip(jobs, indexes, strict=True):
        leg = matrix.durations[at][index]
        clock += leg
        driving += leg
        distance += matrix.distances[at][index]
        arrival = clock
        window = _window_of(job, arrival)
        start = max(arrival, window.start) if window is not None else arrival
        stops.append(PlannedStop(job.id, arrival, start, window))
        clock = start + job.service_s
        at = index
    driving += matrix.durations[at][0]
    distance += matrix.distances[at][0]
    return PlannedRoute(vehicle.id, stops, distance, driving, vehicle.shift_start,
                        clock + matrix.durations[at][0])
