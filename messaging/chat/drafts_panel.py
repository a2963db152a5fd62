"""The supplier inbox's panel of open drafts (orders read from buyers' messages waiting for
a confirmation), oldest first, the uncertain ones marked, each leading to its account
thread."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from messaging.chat.inbox import side_of_user
from messaging.chat.models import Side
from wholesale.accounts.models import Organization, User
from wholesale.drafts.models import DraftStatus, OrderDraft
from wholesale.extensions import db
from wholesale.tenancy import as_tenant

PANEL_LIMIT = 50
LOW_CONFIDENCE = 0.75  # as wholesale/drafts/payloads.py flags a draft


@dataclass(frozen=True)
class OpenDraft:
    draft: OrderDraft
    buyer: Organization

    @property
    def low_confidence(self) -> bool:
        return any(line.get("confidence", 1) < LOW_CONFIDENCE for line in self.draft.lines)

    @property
    def needs_answer(self) -> bool:
        return bool(self.draft.questions or self.draft.unmatched)


def open_drafts(user: User, limit: int = PANEL_LIMIT) -> list[OpenDraft]:
    """The open drafts of the user's organization, for a supplier; nothing for a buyer."""
    if side_of_user(user) is not Side.SUPPLIER:
        return []
    stmt = (select(OrderDraft, Organization)
            .join(Organization, Organization.id == OrderDraft.buyer_id)
            .where(OrderDraft.status == DraftStatus.OPEN,
                   OrderDraft.supplier_id == user.organization_id)
            .order_by(OrderDraft.id).limit(limit))
    with as_tenant(user.organization_id):
        return [OpenDraft(draft, buyer) for draft, buyer in db.session.execute(stmt).all()]
