"""API: reading a message into a draft without saving anything (CONTRACT.md §3)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from wholesale.api.registry import route
from wholesale.intake import services
from wholesale.intake.parser import ParseResult
from wholesale.intake.schemas import IntakeParseRequest, IntakeParseSchema


@route("/intake/parse", "POST", summary="Read a buyer's message into a draft order (no side "
       "effects)", body=IntakeParseRequest, response=IntakeParseSchema,
       extra_responses={404: "not a connected supplier / not one of your customers"})
def parse_message(data: dict[str, Any]) -> ParseResult:
    return services.read_message(current_user, data["text"], supplier_id=data.get("supplier_id"),
                                 buyer_id=data.get("buyer_id"), today=data.get("today"))
