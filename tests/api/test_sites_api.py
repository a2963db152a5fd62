"""Warehouses (suppliers) and delivery locations (buyers), and list pagination."""

from __future__ import annotations

import pytest

from tests.api.util import assert_error, commit

WAREHOUSE = {
    "name": "North depot",
    "address": "1 Dock Road, Oakland",
    "latitude": 37.8044,
    "longitude": -122.2712,
}
LOCATION = {
    "name": "Kitchen",
    "address": "2 Market Street, San Francisco",
    "latitude": 37.7749,
    "longitude": -122.4194,
    "contact_phone": "+1 415 555 0100",
    "contact_email": "Kitchen@Bistro.test",
}


def test_a_supplier_adds_and_reads_a_warehouse(api_as, factory):
    org = factory.supplier()
    org_id, client = org.id, api_as(factory.owner(org))
    commit()
    response = client.post("/api/v1/warehouses", json=WAREHOUSE)
    assert response.status_code == 201, response.json
    created = response.json
    assert isinstance(created["id"], int)
    assert created["name"] == "North depot"
    assert created["supplier_id"] == org_id
    assert created["latitude"] == pytest.approx(37.8044)
    assert created["longitude"] == pytest.approx(-122.2712)
    assert created["created_at"]

    read = client.get(f"/api/v1/warehouses/{created['id']}")
    assert read.status_code == 200
    assert read.json == created
    listed = client.get("/api/v1/warehouses")
    assert [w["id"] for w in listed.json["items"]] == [created["id"]]


def test_coordinates_are_accepted_as_strings_and_answered_as_numbers(api_as, factory):
    client = api_as(factory.owner(factory.supplier()))
    commit()
    response = client.post(
        "/api/v1/warehouses", json={**WAREHOUSE, "latitude": "-33.8688", "longitude": "151.2093"}
    )
    assert response.status_code == 201, response.json
    for key, value in (("latitude", -33.8688), ("longitude", 151.2093)):
        assert isinstance(response.json[key], int | float), response.json
        assert not isinstance(response.json[key], bool)
        assert response.json[key] == pytest.approx(value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"latitude": 91}, "latitude"),
        ({"latitude": -90.5}, "latitude"),
        ({"longitude": 180.01}, "longitude"),
        ({"latitude": "north"}, "latitude"),
        ({"latitude": None}, "latitude"),
        ({"latitude": True}, "latitude"),
        ({"latitude": "NaN"}, "latitude"),
        ({"longitude": "Infinity"}, "longitude"),
        ({"longitude": [1]}, "longitude"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"address": None}, "address"),
        ({"name": 12}, "name"),
        ({"color": "blue"}, "color"),
    ],
)
def test_warehouse_validation(api_as, factory, changes, field):
    client = api_as(factory.owner(factory.supplier()))
    commit()
    response = client.post("/api/v1/warehouses", json={**WAREHOUSE, **changes})
    assert_error(response, 422, "validation_error", fields=(field,))
    assert client.get("/api/v1/warehouses").json["items"] == []


@pytest.mark.parametrize("missing", ["name", "address", "latitude", "longitude"])
def test_warehouse_required_fields(api_as, factory, missing):
    client = api_as(factory.owner(factory.supplier()))
    body = {k: v for k, v in WAREHOUSE.items() if k != missing}
    commit()
    assert_error(
        client.post("/api/v1/warehouses", json=body), 422, "validation_error", fields=(missing,)
    )


def test_a_buyer_adds_and_reads_a_delivery_location(api_as, factory):
    org = factory.buyer()
    org_id, client = org.id, api_as(factory.owner(org))
    commit()
    response = client.post("/api/v1/locations", json=LOCATION)
    assert response.status_code == 201, response.json
    created = response.json
    assert isinstance(created["id"], int)
    assert created["buyer_id"] == org_id
    assert created["contact_email"] == "kitchen@bistro.test"
    assert created["contact_phone"] == "+1 415 555 0100"
    assert created["latitude"] == pytest.approx(37.7749)
    read = client.get(f"/api/v1/locations/{created['id']}")
    assert read.status_code == 200
    assert read.json == created
    assert [x["id"] for x in client.get("/api/v1/locations").json["items"]] == [created["id"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"latitude": 91}, "latitude"),
        ({"longitude": "-181"}, "longitude"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"contact_phone": "1" * 33}, "contact_phone"),
    ],
)
def test_location_validation(api_as, factory, changes, field):
    client = api_as(factory.owner(factory.buyer()))
    commit()
    response = client.post("/api/v1/locations", json={**LOCATION, **changes})
    assert_error(response, 422, "validation_error", fields=(field,))


def test_optional_location_contacts_may_be_left_out(api_as, factory):
    client = api_as(factory.owner(factory.buyer()))
    body = {k: v for k, v in LOCATION.items() if not k.startswith("contact_")}
    commit()
    response = client.post("/api/v1/locations", json=body)
    assert response.status_code == 201, response.json
    assert response.json["contact_email"] is None
    assert response.json["contact_phone"] is None


def test_sites_belong_to_their_kind_of_organization(api_as, factory):
    supplier = api_as(factory.owner(factory.supplier()))
    buyer = api_as(factory.owner(factory.buyer()))
    commit()
    assert_error(buyer.post("/api/v1/warehouses", json=WAREHOUSE), 403, "forbidden_role")
    assert_error(buyer.get("/api/v1/warehouses"), 403, "forbidden_role")
    assert_error(supplier.post("/api/v1/locations", json=LOCATION), 403, "forbidden_role")
    assert_error(supplier.get("/api/v1/locations"), 403, "forbidden_role")


def test_a_connected_supplier_reads_its_customers_location_but_not_others(api_as, factory):
    supplier, stranger = factory.supplier(), factory.supplier()
    buyer = factory.buyer()
    factory.connect(supplier, buyer)
    location_id = factory.location(buyer, name="Back door").id
    as_supplier, as_stranger = api_as(factory.owner(supplier)), api_as(factory.owner(stranger))
    commit()
    read = as_supplier.get(f"/api/v1/locations/{location_id}")
    assert read.status_code == 200
    assert read.json["name"] == "Back door"
    assert_error(as_stranger.get(f"/api/v1/locations/{location_id}"), 404, "not_found")


def test_unknown_ids_are_404(api_as, factory):
    client = api_as(factory.owner(factory.supplier()))
    commit()
    assert_error(client.get("/api/v1/warehouses/987654"), 404, "not_found")


# -- pagination ---------------------------------------------------------------------------------


def test_pages_walk_every_item_once(api_as, factory):
    org = factory.supplier()
    other = factory.supplier()
    factory.warehouse(other, name="Someone else's")
    created = [factory.warehouse(org, name=f"Depot {i}").id for i in range(5)]
    client = api_as(factory.owner(org))
    commit()

    pages: list[list[int]] = []
    cursor = None
    for _ in range(10):  # a bound, so a broken cursor cannot loop forever
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/warehouses", query_string=query)
        assert response.status_code == 200, response.json
        assert set(response.json) == {"items", "next_cursor"}
        pages.append([item["id"] for item in response.json["items"]])
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor
    assert [len(p) for p in pages] == [2, 2, 1]
    seen = [i for page in pages for i in page]
    assert seen == sorted(created)  # no gaps, no duplicates, in order


def test_a_full_last_page_has_no_next_cursor(api_as, factory):
    org = factory.supplier()
    for i in range(4):
        factory.warehouse(org, name=f"Depot {i}")
    client = api_as(factory.owner(org))
    commit()
    first = client.get("/api/v1/warehouses?limit=2").json
    assert first["next_cursor"]
    second = client.get(f"/api/v1/warehouses?limit=2&cursor={first['next_cursor']}").json
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None


def test_the_default_page_size_is_50(api_as, factory):
    org = factory.supplier()
    for i in range(51):
        factory.warehouse(org, name=f"Depot {i}")
    client = api_as(factory.owner(org))
    commit()
    response = client.get("/api/v1/warehouses")
    assert len(response.json["items"]) == 50
    assert response.json["next_cursor"]
    rest = client.get(
        "/api/v1/warehouses", query_string={"cursor": response.json["next_cursor"]}
    )
    assert len(rest.json["items"]) == 1
    assert rest.json["next_cursor"] is None
