"""Fixtures for invoicing tests: the orders tests' shop, an order placed and shipped
through the real services, API clients that commit what the test set up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.factories import Factory
from tests.orders.conftest import CommittingApi, Shop, build_shop
from wholesale.accounts.models import User
from wholesale.catalog.models import Product
from wholesale.extensions import db
from wholesale.fulfilment import shipments
from wholesale.invoicing import issuing, settings
from wholesale.invoicing.models import Invoice
from wholesale.orders.models import Order
from wholesale.orders.placement import place_order
from wholesale.trading.models import PaymentTerms

NOW = datetime(2025, 3, 14, 18, 0, tzinfo=UTC)  # Friday Mar 14, 11:00 in Los Angeles


@pytest.fixture
def shop(factory: Factory) -> Shop:
    return build_shop(factory)


def place(shop: Shop, *lines: tuple[Product, int], **extra: Any) -> Order:
    return place_order(**shop.place_kwargs(*lines, **extra)).order


def ship(shop: Shop, order: Order, lines: list[tuple[int, int]] | None = None) -> Any:
    wanted = [{"line_id": lid, "quantity": q} for lid, q in lines] if lines else None
    return shipments.ship(order.id, shop.supplier_user, carrier="UPS", tracking_number="1Z",
                          lines=wanted)


def shipped_order(shop: Shop, *lines: tuple[Product, int]) -> Order:
    order = place(shop, *lines)
    ship(shop, order)
    return order


def issue(shop: Shop, order: Order, now: datetime = NOW, **kwargs: Any) -> Invoice:
    return issuing.issue(order.id, shop.supplier_user, now=now, **kwargs)


def set_terms(shop: Shop, terms: PaymentTerms) -> None:
    rel = settings.relationship_between(shop.supplier.id, shop.buyer.id)
    assert rel is not None
    rel.payment_terms = terms
    db.session.flush()


def set_tax(shop: Shop, rate: str) -> None:
    settings.update_settings(shop.supplier, {"tax_rate": rate})


def money(value: str) -> Decimal:
    return Decimal(value)


@pytest.fixture
def api_as(app, factory: Factory) -> Callable[[User | None], CommittingApi]:
    def make(user: User | None) -> CommittingApi:
        return CommittingApi(app.test_client(), factory.token(user) if user else None)

    return make
