"""Products with their images and volume price breaks; price lists per trading relationship."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholesale.accounts.models import Organization
from wholesale.db import Base, TimestampMixin, utcnow
from wholesale.tenancy import TenantScoped
from wholesale.trading.models import TradingRelationship

Money = Numeric(12, 2)
Percent = Numeric(5, 2)


class Product(TenantScoped, TimestampMixin, Base):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("supplier_id", "sku"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("case_size >= 1", name="case_size_positive"),
        CheckConstraint("min_order_qty >= 1", name="min_order_qty_positive"),
        CheckConstraint("order_multiple >= 1", name="order_multiple_positive"),
        Index("ix_products_supplier_category", "supplier_id", "category"),
        # Search (wholesale.catalog.search): PostgreSQL only, created by migration c4a1e7d2b9f3;
        # written the way PostgreSQL prints it back, so autogenerate sees no difference.
        Index(
            "ix_products_search",
            text("to_tsvector('simple'::regconfig, regexp_replace((sku::text || ' '::text) "
                 "|| name::text, '[^[:alnum:]]+'::text, ' '::text, 'g'::text))"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    unit: Mapped[str] = mapped_column(String(20), default="each")
    case_size: Mapped[int] = mapped_column(Integer, default=1)
    min_order_qty: Mapped[int] = mapped_column(Integer, default=1)
    order_multiple: Mapped[int] = mapped_column(Integer, default=1)
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    allow_backorder: Mapped[bool] = mapped_column(Boolean, default=False)
    reorder_point: Mapped[int] = mapped_column(Integer, default=0)
    overstock_level: Mapped[int | None] = mapped_column(Integer)
    # A unit's weight (carrier parcels, delivery-run loads) and a case's outside size.
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    case_length_cm: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    case_width_cm: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    case_height_cm: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    archived_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    supplier: Mapped[Organization] = relationship()
    price_breaks: Mapped[list[PriceBreak]] = relationship(
        back_populates="product", order_by="PriceBreak.min_qty", cascade="all, delete-orphan"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )

    @property
    def active(self) -> bool:
        return self.archived_at is None

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        from wholesale.trading.models import partner_ids

        # The supplier's own, and the catalogs of suppliers a buyer trades with.
        return or_(cls.supplier_id == org_id, cls.supplier_id.in_(partner_ids(org_id)))


class PriceBreak(Base):
    """From `min_qty` units on, the unit price is `price` (volume pricing)."""

    __tablename__ = "price_breaks"
    __table_args__ = (
        UniqueConstraint("product_id", "min_qty"),
        CheckConstraint("min_qty >= 2", name="min_qty_at_least_two"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    min_qty: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Money)

    product: Mapped[Product] = relationship(back_populates="price_breaks")


class ProductImage(TimestampMixin, Base):
    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    # Path relative to instance/uploads; the file is served only through the app.
    stored_name: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="images")


class PriceList(TimestampMixin, Base):
    """A buyer's prices with one supplier: a percentage off everything, and/or per product."""

    __tablename__ = "price_lists"
    __table_args__ = (
        CheckConstraint("discount_percent >= 0 AND discount_percent <= 100",
                        name="discount_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("trading_relationships.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(100), default="")
    discount_percent: Mapped[Decimal | None] = mapped_column(Percent)

    trading_relationship: Mapped[TradingRelationship] = relationship()
    items: Mapped[list[PriceListItem]] = relationship(
        back_populates="price_list", cascade="all, delete-orphan"
    )


class PriceListItem(Base):
    """Per product: a fixed unit price, or a percentage off the catalog price."""

    __tablename__ = "price_list_items"
    __table_args__ = (
        UniqueConstraint("price_list_id", "product_id"),
        CheckConstraint("(fixed_price IS NULL) <> (discount_percent IS NULL)",
                        name="fixed_or_discount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"),
                                               index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    fixed_price: Mapped[Decimal | None] = mapped_column(Money)
    discount_percent: Mapped[Decimal | None] = mapped_column(Percent)

    price_list: Mapped[PriceList] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()
