"""A supplier with a small catalog in stock, a buyer with a delivery location, connected:
the buyer writes in their account thread and the drafts follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from messaging.chat.models import Thread, ThreadKind
from tests.api.util import commit
from tests.conftest import ApiClient
from wholesale.extensions import db

CATALOG = [  # sku, name, unit, case size, price, stock
    ("LET-HRT", "Romaine hearts", "case", 24, "18.00", 40),
    ("LET-WHL", "Romaine, whole heads", "each", 1, "1.20", 200),
    ("LEM", "Lemons 115 ct", "case", 115, "42.00", 30),
    ("EGG", "Eggs, large, 15 dozen", "case", 180, "51.00", 20),
    ("MOZ", "Fresh mozzarella 1 lb", "each", 1, "6.50", 3),
]


@dataclass
class Shop:
    supplier_id: int
    buyer_id: int
    thread_id: int
    location_id: int
    products: dict[str, int]
    buyer: ApiClient
    supplier: ApiClient
    stranger: ApiClient

    def say(self, text: str, client: ApiClient | None = None) -> dict[str, Any]:
        """The buyer (or `client`) writes in the account thread."""
        response = (client or self.buyer).post(f"/api/v1/threads/{self.thread_id}/messages",
                                               json={"body": text})
        assert response.status_code == 201, response.json
        return response.json

    def drafts(self, status: str = "open") -> list[dict[str, Any]]:
        response = self.supplier.get(f"/api/v1/drafts?status={status}")
        assert response.status_code == 200, response.json
        return response.json["items"]

    def events(self) -> list[dict[str, Any]]:
        items = self.buyer.get(f"/api/v1/threads/{self.thread_id}/messages?limit=200").json
        return [m for m in items["items"] if m["kind"] == "event"]


def stocked_account(factory, catalog=CATALOG, supplier_name: str = "Golden Gate"
                    ) -> tuple[Any, Any, Any, dict[str, int], int]:
    """A supplier with `catalog` in stock in one warehouse, a connected buyer with a delivery
    location: (supplier, buyer, location, {sku: product id}, the account thread's id)."""
    supplier, buyer = factory.supplier(supplier_name), factory.buyer("Bistro Verde")
    factory.connect(supplier, buyer)
    location = factory.location(buyer)
    products = factory.stocked_products(supplier, catalog)
    thread_id = db.session.scalar(select(Thread.id).where(
        Thread.kind == ThreadKind.ACCOUNT, Thread.supplier_id == supplier.id,
        Thread.buyer_id == buyer.id).execution_options(all_tenants=True))
    return supplier, buyer, location, products, thread_id


@pytest.fixture
def shop(factory, api_as) -> Shop:
    supplier, buyer, location, products, thread_id = stocked_account(factory)
    other_supplier, other_buyer = factory.supplier("Elsewhere"), factory.buyer("Stranger")
    factory.connect(other_supplier, other_buyer)
    shop = Shop(supplier.id, buyer.id, thread_id, location.id, products,
                api_as(factory.owner(buyer)), api_as(factory.owner(supplier)),
                api_as(factory.owner(other_buyer)))
    commit()
    return shop
