"""The drafts' shop (a supplier with a small catalog in stock and a buyer, connected, with
their account thread), and a standing-order body starting next week."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.drafts.conftest import Shop, shop  # noqa: F401  (the fixture)


def next_monday(today: date | None = None) -> date:
    today = today or date.today()
    return today + timedelta(days=7 - today.weekday() + 7)


def body(shop: Shop, **changes: Any) -> dict[str, Any]:  # noqa: F811
    data = {"supplier_id": shop.supplier_id, "delivery_location_id": shop.location_id,
            "lines": [{"product_id": shop.products["LET-HRT"], "quantity": 3},
                      {"product_id": shop.products["LEM"], "quantity": 1}],
            "weekdays": [2, 5], "starts_on": next_monday().isoformat()}
    data.update(changes)
    return data
