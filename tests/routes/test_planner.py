"""The planner and the travel matrix, as pure functions (no database)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from wholesale.routes import matrix as travel
from wholesale.routes.planner import PlanJob, PlanVehicle, Window, evaluate, plan

H = 3600
DEPOT = (37.80, -122.27)  # Oakland
# A few San Francisco kitchens, 12–16 km from the depot.
SF = [(37.76, -122.42), (37.77, -122.41), (37.78, -122.40), (37.79, -122.43), (37.75, -122.44)]


def van(id: int = 1, cases: int = 100, kg: float | None = None, start: int = 6 * H,
        end: int = 14 * H) -> PlanVehicle:
    return PlanVehicle(id, cases, kg, start, end)


def solve(vehicles: list[PlanVehicle], jobs: list[PlanJob]):
    points = [DEPOT] + [j.point or DEPOT for j in jobs]
    return plan(DEPOT, vehicles, jobs, travel.from_coordinates(points))


def reasons(result) -> dict[int, str]:
    return {u.job_id: u.reason for u in result.unassigned}


def test_haversine_and_the_matrix_follow_the_settings() -> None:
    assert 13_000 < travel.haversine_m(DEPOT, SF[0]) < 15_000
    slow = travel.from_coordinates([DEPOT, SF[0]], detour=1.0, speed_kmh=36)
    fast = travel.from_coordinates([DEPOT, SF[0]], detour=1.5, speed_kmh=72)
    assert fast.distances[0][1] == pytest.approx(slow.distances[0][1] * 1.5, abs=1)
    # 1.5× the distance at twice the speed: three quarters of the time.
    assert fast.durations[0][1] == pytest.approx(slow.durations[0][1] * 0.75, abs=1)
    assert slow.durations[0][0] == 0


def test_capacity_fills_the_van_and_names_what_is_too_big() -> None:
    jobs = [PlanJob(i, SF[i], cases=4) for i in range(3)] + [PlanJob(9, SF[3], cases=20)]
    result = solve([van(cases=10)], jobs)
    assert reasons(result) == {9: "capacity", **{i: "fleet_full" for i in range(3)
                                                 if i not in {s.job_id for s in
                                                              result.routes[0].stops}}}
    assert len(result.routes[0].stops) == 2  # 8 of 10 cases; a third would make 12


def test_weight_is_a_second_capacity() -> None:
    jobs = [PlanJob(1, SF[0], cases=1, kg=600), PlanJob(2, SF[1], cases=1, kg=600),
            PlanJob(3, SF[2], cases=1, kg=2000)]
    result = solve([van(kg=1000)], jobs)
    assert reasons(result)[3] == "capacity"
    assert len(result.routes[0].stops) == 1
    assert len(reasons(result)) == 2  # one of the 600 kg drops has no room left


def test_windows_are_kept_and_unreachable_ones_named() -> None:
    jobs = [PlanJob(1, SF[0], cases=1, windows=(Window(9 * H, 10 * H),)),
            PlanJob(2, SF[1], cases=1, windows=(Window(7 * H, 8 * H),)),
            PlanJob(3, SF[2], cases=1, windows=(Window(5 * H, 6 * H + 60),))]
    result = solve([van()], jobs)
    assert reasons(result) == {3: "window"}
    [route] = result.routes
    assert [s.job_id for s in route.stops] == [2, 1]
    for stop in route.stops:
        assert stop.window.start <= stop.start <= stop.window.end
        assert not stop.late
    # Waits for the 09:00 window rather than arriving early.
    assert route.stops[1].start == 9 * H


def test_shifts_bound_the_day() -> None:
    evening = PlanJob(1, SF[0], cases=1, windows=(Window(13 * H + 55 * 60, 20 * H),))
    morning = PlanJob(2, SF[1], cases=1)
    result = solve([van(end=14 * H)], [evening, morning])
    assert reasons(result) == {1: "shift"}
    route = result.routes[0]
    assert route.start >= 6 * H and route.end <= 14 * H


def test_closed_days_and_missing_coordinates_are_reasons() -> None:
    result = solve([van()], [PlanJob(1, SF[0], cases=1, windows=()),
                             PlanJob(2, None, cases=1), PlanJob(3, SF[2], cases=1)])
    assert reasons(result) == {1: "closed", 2: "no_coordinates"}
    assert [s.job_id for s in result.routes[0].stops] == [3]


def test_a_locked_job_stays_on_its_vehicle() -> None:
    jobs = [PlanJob(i, SF[i], cases=5) for i in range(5)]
    free = solve([van(1, cases=25), van(2, cases=25)], jobs)
    [route] = free.routes  # one van is enough; the other stays home
    other = 2 if route.vehicle_id == 1 else 1
    pinned = [PlanJob(j.id, j.point, j.cases, vehicle_id=other if j.id == 3 else None)
              for j in jobs]
    result = solve([van(1, cases=25), van(2, cases=25)], pinned)
    on = {s.job_id: r.vehicle_id for r in result.routes for s in r.stops}
    assert on[3] == other
    assert len(on) == 5 and not result.unassigned


def test_evaluate_recomputes_etas_in_a_given_order_and_flags_lateness() -> None:
    jobs = [PlanJob(1, SF[0], cases=1, service_s=600, windows=(Window(6 * H, 6 * H + 2400),)),
            PlanJob(2, SF[4], cases=1, service_s=600)]
    m = travel.from_coordinates([DEPOT, SF[0], SF[4]])
    good = evaluate(van(), jobs, [1, 2], m)
    assert not good.stops[0].late
    assert good.stops[0].arrival == 6 * H + m.durations[0][1]
    assert good.stops[1].arrival == good.stops[0].start + 600 + m.durations[1][2]
    late = evaluate(van(), list(reversed(jobs)), [2, 1], m)
    assert late.stops[1].job_id == 1 and late.stops[1].late
    assert late.duration_s == m.durations[0][2] + m.durations[2][1] + m.durations[1][0]


class _Osrm(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        body = json.dumps({"code": "Ok", "durations": [[0, 100], [120, 0]],
                           "distances": [[0, 1500], [1600, None]]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_osrm_table_service_is_used_when_configured_and_coordinates_when_down() -> None:
    server = HTTPServer(("127.0.0.1", 0), _Osrm)
    server.paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        m = travel.build([DEPOT, SF[0]], osrm_url=url, detour=1.3, speed_kmh=35)
        assert m.durations == [[0, 100], [120, 0]] and m.distances == [[0, 1500], [1600, 0]]
        assert server.paths == [  # type: ignore[attr-defined]
            "/table/v1/driving/-122.270000,37.800000;-122.420000,37.760000"
            "?annotations=duration,distance"]
    finally:
        server.shutdown()
    down = travel.build([DEPOT, SF[0]], osrm_url=url, detour=1.3, speed_kmh=35)
    assert down == travel.from_coordinates([DEPOT, SF[0]], 1.3, 35)
