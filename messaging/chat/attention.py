"""What counts as unread: what a person would want to read, not every line of a thread.

A message counts for a person (who did not write it) when it is
- a text from the other organization (a colleague's reply to the customer is not for me),
- an internal note (the supplier's staff write them to each other),
- an event that waits for this side: a request to answer, a draft to confirm, a problem to
  act on, or the answer to this side's own request.
Other events (placed, picking, shipped, invoiced…) stay in the thread and the inbox preview
without raising the badge. The unread queries (services._unread_stmt), the organizations
told when a message is stored (`wanting_organizations`, for `chat_unread_threads`) and the
live counting in the browser (static/js/chat-inbox.js, given `rules_for(side)`) say the same.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from messaging.chat.models import Message, MessageKind, Side

# event type → sides that are waiting on it
EVENTS: dict[Side, frozenset[str]] = {
    Side.SUPPLIER: frozenset({
        "delivery_change_requested", "expedite", "credit_hold", "shipment_problem",
        "delivery_problem", "contact_reply", "standing_failed",
    }),
    Side.BUYER: frozenset({
        "delivery_change_accepted", "delivery_change_declined", "delivery_problem",
        "intake_reply", "standing_failed",
    }),
}
# a draft event's `change` → sides that are waiting on it (the supplier confirms a draft,
# the buyer confirms one the supplier sent back)
DRAFT_CHANGES: dict[Side, frozenset[str]] = {
    Side.SUPPLIER: frozenset({"opened", "replaced", "amended", "answered"}),
    Side.BUYER: frozenset({"sent_back", "confirm_failed"}),
}


def _waits_for(side: Side) -> ColumnElement[bool]:
    return or_(
        Message.event_type.in_(sorted(EVENTS[side])),
        and_(Message.event_type == "draft",
             Message.data["change"].as_string().in_(sorted(DRAFT_CHANGES[side]))),
    )


def wanted(organization_id: int) -> ColumnElement[bool]:
    """Messages the organization's people would want to read (the author aside)."""
    return or_(
        and_(Message.kind == MessageKind.TEXT, Message.author_org_id != organization_id),
        Message.kind == MessageKind.NOTE,
        and_(Message.kind == MessageKind.EVENT, or_(
            and_(Message.supplier_id == organization_id, _waits_for(Side.SUPPLIER)),
            and_(Message.buyer_id == organization_id, _waits_for(Side.BUYER)),
        )),
    )


def _waits(side: Side, event_type: str | None, data: dict[str, Any] | None) -> bool:
    if event_type in EVENTS[side]:
        return True
    change = (data or {}).get("change")
    return event_type == "draft" and isinstance(change, str) and change in DRAFT_CHANGES[side]


def wanting_organizations(row: dict[str, Any]) -> list[int]:
    """The organizations whose people (the author aside) would want to read the message
    `row` (kind, author_org_id, event_type, data, supplier_id, buyer_id): `wanted()` and
    what each side may see, for one message about to be stored."""
    kind, author_org = MessageKind(row["kind"]), row.get("author_org_id")
    wanting = []
    for side, org in ((Side.SUPPLIER, row["supplier_id"]), (Side.BUYER, row["buyer_id"])):
        if kind is MessageKind.TEXT:
            wants = author_org is not None and author_org != org
        elif kind is MessageKind.NOTE:
            wants = side is Side.SUPPLIER  # the buyer never sees a note
        else:
            wants = _waits(side, row.get("event_type"), row.get("data"))
        if wants:
            wanting.append(org)
    return wanting


def rules_for(side: Side) -> dict[str, Any]:
    """The same rule for the browser's live counting."""
    return {"side": side.value, "events": sorted(EVENTS[side]),
            "draft_changes": sorted(DRAFT_CHANGES[side])}
