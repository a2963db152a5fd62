"""Helpers for the catalog and inventory tests: products and stock through the services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from wholesale.accounts.models import Organization
from wholesale.catalog import services
from wholesale.catalog.models import Product
from wholesale.extensions import db
from wholesale.inventory import stock
from wholesale.sites.models import Warehouse

_n = iter(range(1, 1_000_000))


def product(supplier: Organization, **fields: Any) -> Product:
    n = next(_n)
    data: dict[str, Any] = {"sku": f"SKU-{n}", "name": f"Product {n}", "unit": "case",
                            "price": Decimal("10.00"), "currency": "USD"}
    data.update(fields)
    for key in ("price",):
        if isinstance(data[key], str):
            data[key] = Decimal(data[key])
    for brk in data.get("price_breaks", []):
        brk["price"] = Decimal(str(brk["price"]))
    return services.create_product(supplier, data)


def receive(supplier: Organization, warehouse: Warehouse, item: Product, quantity: int,
            reason: str = "test receipt") -> None:
    owner = supplier.users[0]
    stock.receive(owner, warehouse.id, item.id, quantity, reason)


def commit() -> None:
    """Make the test's setup survive error responses (which roll the shared session back):
    commit (a savepoint, still undone after the test; it expires loaded objects) and forget
    the previous request's tenant and user, as a fresh request would."""
    from flask import g

    db.session.commit()
    g.pop("tenant_org_id", None)
    g.pop("_login_user", None)


def assert_error(response: Any, status: int, code: str | None = None,
                 fields: tuple[str, ...] = ()) -> dict[str, Any]:
    """`response` is a CONTRACT.md §3 error with this status (and code, and field paths)."""
    text = response.get_data(as_text=True)[:800]
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {text}"
    assert response.mimetype == "application/json", text
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) in ({"code", "message"}, {"code", "message", "fields"}), error
    assert error["message"].strip(), error
    if code is not None:
        assert error["code"] == code, error
    if status == 422:
        assert error.get("fields"), f"a 422 must say which fields are wrong: {error}"
    for path in fields:
        assert path in error.get("fields", {}), f"{path!r} not in {error.get('fields')}"
    for path, messages in error.get("fields", {}).items():
        assert path and messages and all(isinstance(m, str) and m for m in messages), error
    return error


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block: work over many rows is checked by how many
    it runs (batches, not a statement or two per row), not by a clock."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
