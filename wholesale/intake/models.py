"""Learned wording: a buyer's phrase → the product it means, taught by a correction.

Rows are per buyer. A phrase counts for the whole supplier once two different buyers have
taught it the same product (`services.supplier_aliases`), so no row is ever "promoted" and
nothing needs to be kept in step.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, String, UniqueConstraint, or_
from sqlalchemy.orm import Mapped, mapped_column

from wholesale.db import Base, TimestampMixin, utcnow
from wholesale.tenancy import TenantScoped

PHRASE_LENGTH = 200


class IntakeAlias(TenantScoped, TimestampMixin, Base):
    __tablename__ = "intake_aliases"
    __table_args__ = (UniqueConstraint("supplier_id", "buyer_id", "phrase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # (supplier_id first: the unique constraint's index serves "this supplier's aliases")
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The normal form (matching.phrase_key): lower case, singular, without filler words.
    phrase: Mapped[str] = mapped_column(String(PHRASE_LENGTH))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    taught_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return or_(cls.supplier_id == org_id, cls.buyer_id == org_id)
