"""Travel times and distances between points: from coordinates (great-circle distance × a
detour factor, at an average speed), or from an OSRM server's table service when one is
configured. Pure: no database, no Flask."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.error import URLError
from urllib.request import urlopen

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_000.0
# A pair OSRM cannot route between (an island, a closed road) is treated as a day away.
UNREACHABLE = 24 * 3600

Point = tuple[float, float]  # (latitude, longitude)


@dataclass(frozen=True)
class Matrix:
    """durations[i][j] seconds and distances[i][j] metres from point i to point j."""

    durations: list[list[int]]
    distances: list[list[int]]


def haversine_m(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def from_coordinates(points: Sequence[Point], detour: float = 1.3,
                     speed_kmh: float = 35.0) -> Matrix:
    metres_per_second = speed_kmh * 1000 / 3600
    distances = [[round(haversine_m(a, b) * detour) for b in points] for a in points]
    durations = [[round(d / metres_per_second) for d in row] for row in distances]
    return Matrix(durations, distances)


def from_osrm(base_url: str, points: Sequence[Point], timeout_s: float = 10.0) -> Matrix:
    """OSRM's table service (`/table/v1/driving/…?annotations=duration,distance`).
    Raises OSError (URLError) or ValueError when the server does not answer usefully."""
    coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
    url = f"{base_url}/table/v1/driving/{coordinates}?annotations=duration,distance"
    with urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (a configured http(s) URL)
        payload = json.loads(response.read())
    if payload.get("code") != "Ok" or "durations" not in payload:
        raise ValueError(f"OSRM answered {payload.get('code')!r}: {payload.get('message', '')}")
    durations = [[UNREACHABLE if v is None else round(v) for v in row]
                 for row in payload["durations"]]
    raw_distances = payload.get("distances")
    if raw_distances is None:  # an older server: distances from coordinates
        distances = from_coordinates(points).distances
    else:
        distances = [[0 if v is None else round(v) for v in row] for row in raw_distances]
    return Matrix(durations, distances)


def build(points: Sequence[Point], *, osrm_url: str | None, detour: float,
          speed_kmh: float) -> Matrix:
    """From OSRM when configured and answering; otherwise (and as a fallback, logged) from
    the coordinates, so a planner never fails because a routing server is down."""
    if osrm_url:
        try:
            return from_osrm(osrm_url, points)
        except (URLError, OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("OSRM table service unavailable (%s); using coordinates", exc)
    return from_coordinates(points, detour, speed_kmh)
