"""A run as the API and the pages show it (CONTRACT.md §3): a driver sees only their own
routes; a stop's order number and address come along for the pages."""

from __future__ import annotations

from typing import Any

from wholesale.accounts.models import User
from wholesale.routes.models import Run
from wholesale.routes.services import visible_routes


def run_payload(run: Run, user: User) -> dict[str, Any]:
    return {
        "id": run.id, "date": run.date, "warehouse_id": run.warehouse_id,
        "status": run.status.value,
        "routes": [{
            "id": route.id, "vehicle_id": route.vehicle_id, "driver_id": route.driver_id,
            "distance_m": route.distance_m, "duration_s": route.duration_s,
            "stops": [{
                "id": s.id, "order_id": s.order_id, "sequence": s.sequence, "eta": s.eta,
                "window_start": s.window_start, "window_end": s.window_end,
                "status": s.status.value, "locked": s.locked, "missed_window": s.missed_window,
                "cases": s.cases, "weight_kg": s.weight_kg, "recipient": s.recipient,
            } for s in sorted(route.stops, key=lambda s: s.sequence)],
        } for route in visible_routes(run, user)],
        "unassigned": list(run.unassigned or []),
    }
