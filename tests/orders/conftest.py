"""A small shop for order tests: a supplier with a near and a far warehouse, a connected
buyer with a delivery location in San Francisco, products and stock — built through the
real services and the stock ledger."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import ApiClient
from tests.factories import Factory
from wholesale.accounts.models import Organization, User
from wholesale.catalog.models import PriceBreak, Product
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.inventory.ledger import get_or_create_level, move
from wholesale.inventory.models import MovementKind, StockLevel, StockMovement
from wholesale.orders import rules
from wholesale.orders.cart_models import Cart, CartItem
from wholesale.orders.models import (
    Allocation,
    IdempotencyKey,
    Order,
    OrderContact,
    OrderingRules,
    OrderLine,
)
from wholesale.sites.models import DeliveryLocation, Warehouse

_skus = itertools.count(1)

COUNTED = (Order, OrderLine, Allocation, OrderContact, StockMovement, IdempotencyKey)


@dataclass
class Shop:
    factory: Factory
    supplier: Organization
    buyer: Organization
    supplier_user: User
    buyer_user: User
    location: DeliveryLocation
    near: Warehouse  # Oakland, ~14 km from the location
    far: Warehouse  # Sacramento, ~120 km away
    products: list[Product] = field(default_factory=list)

    def product(self, stock: dict[Warehouse, int] | None = None, *, price: str = "10.00",
                **fields: Any) -> Product:
        n = next(_skus)
        values: dict[str, Any] = {
            "sku": f"SKU-{n:04d}", "name": f"Product {n}", "unit": "case",
            "price": Decimal(price), "currency": "USD",
        }
        values.update(fields)
        product = Product(supplier_id=self.supplier.id, **values)
        db.session.add(product)
        db.session.flush()
        for warehouse, quantity in (stock or {}).items():
            self.receive(product, warehouse, quantity)
        self.products.append(product)
        return product

    def price_break(self, product: Product, min_qty: int, price: str) -> None:
        db.session.add(PriceBreak(product_id=product.id, min_qty=min_qty, price=Decimal(price)))
        db.session.flush()

    def receive(self, product: Product, warehouse: Warehouse, quantity: int) -> None:
        level = get_or_create_level(self.supplier.id, warehouse.id, product.id)
        if quantity:
            move(level.id, MovementKind.RECEIPT, on_hand=quantity, reason="test stock")

    def level(self, product: Product, warehouse: Warehouse) -> StockLevel:
        stmt = select(StockLevel).where(StockLevel.product_id == product.id,
                                        StockLevel.warehouse_id == warehouse.id)
        level = db.session.scalars(stmt.execution_options(all_tenants=True,
                                                          populate_existing=True)).one()
        return level

    def reserved(self, product: Product) -> int:
        stmt = select(func.coalesce(func.sum(StockLevel.__table__.c.reserved), 0)).where(
            StockLevel.__table__.c.product_id == product.id)
        return db.session.execute(stmt).scalar_one()

    def rules(self, **values: Any) -> OrderingRules:
        existing = db.session.get(OrderingRules, self.supplier.id)
        if existing is None:
            existing = rules.new_rules(self.supplier.id)
        for name, value in values.items():
            setattr(existing, name, value)
        db.session.flush()
        return existing

    def delivery_date(self) -> date:
        """A date every check accepts (the second valid one: safe across a cut-off)."""
        return rules.valid_delivery_dates(rules.rules_for(self.supplier.id), utcnow())[1]

    def body(self, *lines: tuple[Product | int, Any], **extra: Any) -> dict[str, Any]:
        """An API body ordering (product, quantity) pairs."""
        body: dict[str, Any] = {
            "supplier_id": self.supplier.id,
            "lines": [{"product_id": p if isinstance(p, int) else p.id, "quantity": q}
                      for p, q in lines],
            "requested_delivery_date": self.delivery_date().isoformat(),
            "delivery_location_id": self.location.id,
        }
        body.update(extra)
        return body

    def place_kwargs(self, *lines: tuple[Product | int, Any], **extra: Any) -> dict[str, Any]:
        """Keyword arguments for place_order() as the buyer's owner on the portal."""
        from wholesale.orders.models import Channel

        kwargs: dict[str, Any] = {
            "actor": self.buyer_user, "buyer": self.buyer, "supplier_id": self.supplier.id,
            "lines": [{"product_id": p if isinstance(p, int) else p.id, "quantity": q}
                      for p, q in lines],
            "requested_delivery_date": self.delivery_date(),
            "delivery_location_id": self.location.id, "notes": "", "contacts": [],
            "po_number": "", "channel": Channel.PORTAL, "idempotency_key": None,
            "fingerprint": None,
        }
        kwargs.update(extra)
        return kwargs


def build_shop(factory: Factory, supplier_name: str = "Golden Gate Provisions") -> Shop:
    supplier = factory.supplier(supplier_name)
    buyer = factory.buyer("Bistro Verde")
    factory.connect(supplier, buyer)
    near = factory.warehouse(supplier, "Oakland", "37.80", "-122.27")
    far = factory.warehouse(supplier, "Sacramento", "38.58", "-121.49")
    location = factory.location(buyer, "Mission kitchen", "37.76", "-122.42")
    return Shop(factory, supplier, buyer, factory.owner(supplier), factory.owner(buyer),
                location, near, far)


def counts() -> dict[str, int]:
    """Rows in every table a placement writes (Core: no tenant filter)."""
    return {
        model.__tablename__: db.session.execute(
            select(func.count()).select_from(model.__table__)).scalar_one()
        for model in (*COUNTED, StockLevel)
    } | {
        "reserved": db.session.execute(
            select(func.coalesce(func.sum(StockLevel.__table__.c.reserved), 0))).scalar_one(),
        "carts": db.session.execute(select(func.count()).select_from(Cart.__table__))
        .scalar_one(),
        "cart_items": db.session.execute(select(func.count()).select_from(CartItem.__table__))
        .scalar_one(),
    }


@pytest.fixture
def shop(factory: Factory) -> Shop:
    return build_shop(factory)


class CommittingApi(ApiClient):
    """An API client that commits what the test set up before each request (an error
    response rolls the session back, which would otherwise drop the test's own data)."""

    def open(self, method: str, path: str, **kwargs: Any) -> Any:
        db.session.commit()
        return super().open(method, path, **kwargs)


@pytest.fixture
def api_as(app, factory: Factory) -> Callable[[User | None], CommittingApi]:
    def make(user: User | None) -> CommittingApi:
        return CommittingApi(app.test_client(), factory.token(user) if user else None)

    return make


@pytest.fixture
def unchanged() -> Callable[[], Callable[[], None]]:
    """`check = unchanged()` before an action, `check()` after: nothing was written."""

    def start() -> Callable[[], None]:
        before = counts()

        def check() -> None:
            assert counts() == before

        return check

    return start
