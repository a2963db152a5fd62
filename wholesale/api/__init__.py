"""The JSON API under /api/v1 (CONTRACT.md §3).

Endpoints are declared with `route()` from `wholesale.api.registry` in each domain module's
`api.py`; importing those modules registers them on `bp`.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
