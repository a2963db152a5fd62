"""How fast and how good is the route planner? (no database)

    .venv/bin/python bench/route_plan.py [--stops 200] [--vehicles 8] [--seed 7]
                                         [--levels 1,2,3,4,5] [--best-timeout 60]
                                         [--timeout S]

A generated day from one warehouse in Oakland: `--stops` drops within ~15 km, each with a
2–4 hour receiving window between 06:00 and 16:00, 1–15 cases and 8–20 kg a case, 5–12
minutes of service; `--vehicles` vans of 240 cases / 3 t on a 05:00–17:00 shift. Travel
times come from the coordinates (× 1.3 detour at 35 km/h), as without OSRM.

For each VROOM exploration level it prints the planning time (matrix included), the total
drive time and the unassigned count; then a nearest-neighbour baseline (each van in turn
takes the nearest drop that still fits its load, window and shift) and the solver's best
effort (level 5 with `--best-timeout` seconds and, if that is not longer, without one).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wholesale.routes import matrix as travel  # noqa: E402
from wholesale.routes.planner import Plan, PlanJob, PlanVehicle, Window, plan  # noqa: E402

H = 3600
DEPOT = (37.80, -122.27)


def generate(stops: int, vehicles: int, seed: int) -> tuple[list[PlanVehicle], list[PlanJob]]:
    rng = random.Random(seed)
    jobs = []
    for i in range(1, stops + 1):
        point = (DEPOT[0] + rng.uniform(-0.12, 0.12), DEPOT[1] + rng.uniform(-0.15, 0.15))
        opens = rng.randrange(6 * H, 13 * H, 15 * 60)
        window = Window(opens, min(opens + rng.choice((2, 3, 4)) * H, 16 * H))
        cases = rng.randint(1, 15)
        jobs.append(PlanJob(i, point, cases, cases * rng.uniform(8, 20),
                            rng.randint(5, 12) * 60, (window,)))
    fleet = [PlanVehicle(v, 240, 3000.0, 5 * H, 17 * H) for v in range(1, vehicles + 1)]
    return fleet, jobs


def nearest_neighbour(fleet: list[PlanVehicle], jobs: list[PlanJob],
                      m: travel.Matrix) -> tuple[int, int]:
    """(total drive seconds, unassigned count) of the greedy baseline."""
    left = dict(enumerate(jobs, start=1))
    total = 0
    for vehicle in fleet:
        at, clock, cases, kg = 0, vehicle.shift_start, 0, 0.0
        while True:
            best = None
            for index, job in left.items():
                if cases + job.cases > vehicle.capacity_cases or \
                        kg + job.kg > (vehicle.capacity_kg or float("inf")):
                    continue
                arrival = clock + m.durations[at][index]
                window = job.windows[0]
                start = max(arrival, window.start)
                if start > window.end or \
                        start + job.service_s + m.durations[index][0] > vehicle.shift_end:
                    continue
                if best is None or m.durations[at][index] < m.durations[at][best]:
                    best = index
            if best is None:
                break
            job = left.pop(best)
            total += m.durations[at][best]
            clock = max(clock + m.durations[at][best], job.windows[0].start) + job.service_s
            cases, kg, at = cases + job.cases, kg + job.kg, best
        total += m.durations[at][0]
    return total, len(left)


def timed(fleet: list[PlanVehicle], jobs: list[PlanJob], level: int,
          timeout: float | None) -> tuple[float, Plan]:
    began = time.perf_counter()
    m = travel.from_coordinates([DEPOT] + [j.point for j in jobs])
    result = plan(DEPOT, fleet, jobs, m, exploration=level, timeout_s=timeout)
    return time.perf_counter() - began, result


def hours(seconds: int) -> str:
    return f"{seconds / 3600:.2f} h"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=200)
    parser.add_argument("--vehicles", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--levels", default="1,2,3,4,5")
    parser.add_argument("--best-timeout", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=None,
                        help="cap each level's solving time (ROUTING_TIMEOUT_S)")
    args = parser.parse_args()
    fleet, jobs = generate(args.stops, args.vehicles, args.seed)
    m = travel.from_coordinates([DEPOT] + [j.point for j in jobs])

    print(f"{args.stops} stops with windows, {args.vehicles} vehicles, seed {args.seed}")
    nn_drive, nn_left = nearest_neighbour(fleet, jobs, m)
    best_s, best = timed(fleet, jobs, 5, args.best_timeout)
    print(f"best effort (level 5, ≤{args.best_timeout:g} s): {best_s:6.2f} s  "
          f"drive {hours(best.duration_s)}  unassigned {len(best.unassigned)}")
    print(f"nearest neighbour:                 drive {hours(nn_drive)}  unassigned {nn_left}")
    print("level  plan time  drive      vs best  vs nearest-neighbour  unassigned")
    for level in (int(x) for x in args.levels.split(",")):
        seconds, result = timed(fleet, jobs, level, args.timeout)
        print(f"{level:5d}  {seconds:7.2f} s  {hours(result.duration_s)}  "
              f"{(result.duration_s / best.duration_s - 1) * 100:+6.1f} %  "
              f"{(result.duration_s / nn_drive - 1) * 100:+8.1f} %            "
              f"{len(result.unassigned)}")


if __name__ == "__main__":
    main()
