"""A draft as the API, the socket `draft` event and the chat's draft card show it."""

from __future__ import annotations

from typing import Any

from wholesale.accounts.models import User
from wholesale.drafts.models import OrderDraft
from wholesale.drafts.preview import Preview, preview
from wholesale.extensions import db


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def draft_payload(draft: OrderDraft, viewer: User | None = None) -> dict[str, Any]:
    """Every field of CONTRACT.md §3's draft, with prices, issues and questions added."""
    seen: Preview | None = None
    actor = viewer or (db.session.get(User, draft.created_by_id) if draft.created_by_id
                       else None)
    if actor is not None:
        seen = preview(draft, actor)
    priced = {ln.product_id: ln for ln in seen.lines} if seen else {}
    lines = []
    for line in draft.lines:
        found = priced.get(line["product_id"])
        lines.append({
            **line,
            "unit_price": str(found.unit_price) if found and found.unit_price is not None
            else None,
            "line_total": str(found.total) if found and found.total is not None else None,
        })
    return {
        "id": draft.id,
        "thread_id": draft.thread_id,
        "supplier_id": draft.supplier_id,
        "buyer_id": draft.buyer_id,
        "source": draft.source.value,
        "text": draft.text,
        "lines": lines,
        "unmatched": list(draft.unmatched),
        "questions": list(draft.questions),
        "requested_delivery_date": _iso(draft.requested_delivery_date),
        "date_note": draft.date_note,
        "delivery_location_id": draft.delivery_location_id,
        "status": draft.status.value,
        "order_id": draft.order_id,
        "awaiting_buyer": draft.awaiting_buyer,
        "currency": seen.currency if seen else None,
        "subtotal": str(seen.subtotal) if seen else None,
        "issues": list(seen.issues) if seen else [],
        "backordered": list(seen.backordered) if seen else [],
        "low_confidence": any(line.get("confidence", 1) < 0.75 for line in draft.lines),
        "created_at": _iso(draft.created_at),
        "expires_at": _iso(draft.expires_at),
    }
