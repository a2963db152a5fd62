"""Fixtures for purchasing tests: the orders tests' shop (a supplier with a near and a far
warehouse, a connected buyer), API clients that commit what the test set up, the lifecycle
signal recorder, and a vendor made through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.fulfilment.conftest import api_as, sent, shop  # noqa: F401  (fixtures)
from tests.orders.conftest import Shop
from wholesale.catalog.models import Product


def item(product: Product, pack_size: int = 1, cost: str = "2.00", **extra: Any
         ) -> dict[str, Any]:
    return {"product_id": product.id, "pack_size": pack_size, "cost": cost,
            "currency": "USD", **extra}


@pytest.fixture
def supplier_api(shop: Shop, api_as: Callable[..., Any]) -> Any:  # noqa: F811
    return api_as(shop.supplier_user)


@pytest.fixture
def make_vendor(supplier_api: Any) -> Callable[..., dict[str, Any]]:
    """`make_vendor(name, items, **fields)` through `POST /vendors`; returns its JSON."""

    def make(name: str, items: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
        body = {"name": name, "email": f"{name.split()[0].lower()}@vendor.test",
                "lead_days": 3, "items": items, **fields}
        response = supplier_api.post("/api/v1/vendors", json=body)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.json

    return make
