"""Customers and suppliers: the two sides of a trading relationship (CONTRACT.md §3)."""

from __future__ import annotations

import pytest

from tests.api.util import assert_error, commit


def test_a_supplier_connects_an_existing_buyer_by_email(api_as, factory):
    supplier_org = factory.supplier("Harbor Wholesale")
    buyer_org = factory.buyer("Corner Cafe")
    supplier_id, buyer_id = supplier_org.id, buyer_org.id
    buyer_email = factory.owner(buyer_org).email
    as_supplier = api_as(factory.owner(supplier_org))
    as_buyer = api_as(factory.owner(buyer_org))
    commit()

    response = as_supplier.post(
        "/api/v1/customers", json={"buyer_email": f"  {buyer_email.upper()} "}
    )
    assert response.status_code == 201, response.json
    assert isinstance(response.json["id"], int)
    assert response.json["organization"]["id"] == buyer_id
    assert response.json["organization"]["name"] == "Corner Cafe"
    assert response.json["organization"]["kind"] == "buyer"
    assert response.json["payment_terms"]

    customers = as_supplier.get("/api/v1/customers")
    assert customers.status_code == 200
    assert [c["organization"]["id"] for c in customers.json["items"]] == [buyer_id]
    assert customers.json["next_cursor"] is None

    suppliers = as_buyer.get("/api/v1/suppliers")
    assert suppliers.status_code == 200
    assert [s["organization"]["id"] for s in suppliers.json["items"]] == [supplier_id]
    assert suppliers.json["items"][0]["organization"]["name"] == "Harbor Wholesale"
    assert suppliers.json["items"][0]["id"] == response.json["id"]


def test_connecting_twice_keeps_one_relationship(api_as, factory):
    client = api_as(factory.owner(factory.supplier()))
    buyer_email = factory.owner(factory.buyer()).email
    commit()
    first = client.post("/api/v1/customers", json={"buyer_email": buyer_email})
    second = client.post("/api/v1/customers", json={"buyer_email": buyer_email})
    assert first.status_code == 201, first.json
    assert second.status_code == 201, second.json  # CONTRACT.md: connecting answers 201
    assert first.json["id"] == second.json["id"]
    assert len(client.get("/api/v1/customers").json["items"]) == 1


@pytest.mark.parametrize(
    "email",
    ["nobody@nowhere.test", "not an email", "supplier"],
    ids=["unknown", "malformed", "a-supplier"],
)
def test_connecting_needs_a_buyer_account(api_as, factory, email):
    if email == "supplier":
        email = factory.owner(factory.supplier()).email
    client = api_as(factory.owner(factory.supplier()))
    commit()
    response = client.post("/api/v1/customers", json={"buyer_email": email})
    assert_error(response, 422, "validation_error", fields=("buyer_email",))
    assert client.get("/api/v1/customers").json["items"] == []


def test_each_side_sees_only_its_own_relationships(api_as, factory):
    supplier_a, supplier_b = factory.supplier(), factory.supplier()
    buyer_a, buyer_b = factory.buyer(), factory.buyer()
    factory.connect(supplier_a, buyer_a)
    factory.connect(supplier_b, buyer_b)
    factory.connect(supplier_b, buyer_a)
    ids = {org: org.id for org in (supplier_a, supplier_b, buyer_a, buyer_b)}
    clients = {org: api_as(factory.owner(org)) for org in ids}
    commit()

    def listed(org, path):
        response = clients[org].get(path)
        assert response.status_code == 200
        return sorted(item["organization"]["id"] for item in response.json["items"])

    assert listed(supplier_a, "/api/v1/customers") == [ids[buyer_a]]
    assert listed(supplier_b, "/api/v1/customers") == sorted([ids[buyer_a], ids[buyer_b]])
    assert listed(buyer_a, "/api/v1/suppliers") == sorted([ids[supplier_a], ids[supplier_b]])
    assert listed(buyer_b, "/api/v1/suppliers") == [ids[supplier_b]]


def test_the_wrong_side_is_forbidden(api_as, factory):
    as_supplier = api_as(factory.owner(factory.supplier()))
    buyer = factory.owner(factory.buyer())
    buyer_email, as_buyer = buyer.email, api_as(buyer)
    commit()
    assert_error(as_buyer.get("/api/v1/customers"), 403, "forbidden_role")
    assert_error(
        as_buyer.post("/api/v1/customers", json={"buyer_email": buyer_email}),
        403,
        "forbidden_role",
    )
    assert_error(as_supplier.get("/api/v1/suppliers"), 403, "forbidden_role")
