"""Fulfilment pages: the supplier's order board, pick lists and packing slips, and the
order-page actions (forms that post here and go back to the page they came from)."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from wholesale.fulfilment import backorders

bp = Blueprint("fulfilment", __name__)


@bp.record_once
def _wire(_state: BlueprintSetupState) -> None:
    backorders.subscribe()
