"""A buyer's cart per supplier, kept on the server."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.catalog.models import Product
from wholesale.db import Base, TimestampMixin, utcnow
from wholesale.tenancy import TenantScoped


def _new_checkout_key() -> str:
    return uuid.uuid4().hex


class Cart(TenantScoped, TimestampMixin, Base):
    __tablename__ = "carts"
    __table_args__ = (UniqueConstraint("user_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # The Idempotency-Key of the next checkout: a double click places one order.
    checkout_key: Mapped[str] = mapped_column(String(64), default=_new_checkout_key)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    items: Mapped[list[CartItem]] = relationship(back_populates="cart", order_by="CartItem.id",
                                                 cascade="all, delete-orphan")

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        return cls.buyer_id == org_id


class CartItem(Base):
    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("cart_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)

    cart: Mapped[Cart] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()
