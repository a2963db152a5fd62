"""The drafts endpoints (CONTRACT.md §3 "Conversations and chat-first ordering")."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import select

from wholesale.api.pagination import Page, paginate
from wholesale.api.registry import route
from wholesale.drafts import services
from wholesale.drafts.models import DraftStatus, OrderDraft
from wholesale.drafts.schemas import DraftSchema, DraftsQuery, DraftUpdate
from wholesale.orders import queries
from wholesale.orders.models import Order
from wholesale.orders.schemas import OrderSchema
from wholesale.tenancy import as_tenant


@route("/drafts", summary="Order drafts read from buyers' messages, oldest first "
       "(`?status=open` for the ones waiting)", query=DraftsQuery, response=DraftSchema,
       paginated=True)
def list_drafts(query: dict[str, Any]) -> Page:
    stmt = select(OrderDraft)
    if query.get("status"):
        stmt = stmt.where(OrderDraft.status == DraftStatus(query["status"]))
    with as_tenant(current_user.organization_id):
        return paginate(stmt, OrderDraft.id, query)


@route("/drafts/<int:draft_id>", summary="One draft, priced, with what stops it from being "
       "placed as it is", response=DraftSchema)
def get_draft(draft_id: int) -> OrderDraft:
    return services.get(current_user, draft_id)


@route("/drafts/<int:draft_id>", "PATCH", summary="Correct an open draft's lines, date or "
       "location (a line whose product changes teaches the intake)", body=DraftUpdate,
       response=DraftSchema, extra_responses={409: "invalid_transition: the draft is closed"})
def update_draft(draft_id: int, data: dict[str, Any]) -> OrderDraft:
    draft = services.get(current_user, draft_id)
    return services.correct(draft, current_user, lines=data.get("lines"),
                           requested_delivery_date=data.get("requested_delivery_date"),
                           delivery_location_id=data.get("delivery_location_id"),
                           send_back=data["send_back"])


@route("/drafts/<int:draft_id>/confirm", "POST", summary="Place the draft's order (201); "
       "again: the same order (200)", response=OrderSchema, status=201,
       extra_responses={200: "Already confirmed: the order it placed",
                        409: "invalid_transition (discarded or expired) or insufficient_stock",
                        422: "the order can't be placed as it is (open questions, MOQ, …)"})
def confirm_draft(draft_id: int) -> tuple[Order, int]:
    order, created = services.confirm(services.get(current_user, draft_id), current_user)
    # As GET /orders/{id} shows it (a buyer sees the warehouses its lines ship from).
    return queries.get_order(order.id), 201 if created else 200


@route("/drafts/<int:draft_id>/discard", "POST", summary="Discard an open draft",
       response=DraftSchema, extra_responses={409: "invalid_transition: the draft is closed"})
def discard_draft(draft_id: int) -> OrderDraft:
    return services.discard(services.get(current_user, draft_id), current_user)
