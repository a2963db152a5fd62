"""Search by name or SKU, on SQLite (LIKE) and PostgreSQL (full-text, prefix matching)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.catalog.util import commit, product
from wholesale.extensions import db


@pytest.fixture
def catalog(api_as, factory):
    supplier = factory.supplier()
    buyer = factory.buyer()
    factory.connect(supplier, buyer)
    names = {
        "TOM-001": "Roma tomatoes",
        "TOM-002": "Cherry tomatoes, mixed",
        "CHS-100": "Aged cheddar cheese",
        "BEV-7": "Sparkling water 24x330ml",
        "CLN-3": "Dish soap (lemon)",
    }
    for sku, name in names.items():
        product(supplier, sku=sku, name=name)
    product(factory.supplier(), sku="TOM-999", name="Foreign tomatoes")  # never found
    clients = api_as(factory.owner(supplier)), api_as(factory.owner(buyer))
    commit()
    return clients


def skus(client, q):
    response = client.get("/api/v1/products", query_string={"q": q})
    assert response.status_code == 200, response.json
    return sorted(p["sku"] for p in response.json["items"])


@pytest.mark.parametrize("who", [0, 1])
def test_search_by_name_words_prefixes_and_sku(catalog, who):
    client = catalog[who]
    assert skus(client, "tomatoes") == ["TOM-001", "TOM-002"]
    assert skus(client, "tomat") == ["TOM-001", "TOM-002"]  # prefix
    assert skus(client, "TOMATO cherry") == ["TOM-002"]  # every word, any case
    assert skus(client, "chee") == ["CHS-100"]
    assert skus(client, "TOM-00") == ["TOM-001", "TOM-002"]  # SKU prefix
    assert skus(client, "chs-100") == ["CHS-100"]
    assert skus(client, "water 24") == ["BEV-7"]
    assert skus(client, "lemon") == ["CLN-3"]
    assert skus(client, "nothing-like-this") == []


def test_odd_input_is_harmless(catalog):
    client = catalog[1]
    for q in ["'", "\\", "%", "_", "a & b | !c", "tom:*", "(", "));DROP TABLE products;--",
              "   ", "ü", "x" * 200]:
        response = client.get("/api/v1/products", query_string={"q": q})
        assert response.status_code == 200, (q, response.json)
    assert skus(client, "%") == []
    assert skus(client, "   ") == ["BEV-7", "CHS-100", "CLN-3", "TOM-001", "TOM-002"]
    response = client.get("/api/v1/products", query_string={"q": "x" * 201})
    assert response.status_code == 422


def test_postgres_uses_the_gin_index(catalog):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from sqlalchemy import select

    from wholesale.catalog import search
    from wholesale.catalog.models import Product

    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    stmt = select(Product.id).where(search.matches("tomat"))
    compiled = stmt.compile(db.session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = "\n".join(r[0] for r in db.session.execute(text(f"EXPLAIN {compiled}")))
    assert "ix_products_search" in plan, plan
