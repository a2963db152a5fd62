"""Bad input is a clear 4xx, never a 500 (CONTRACT.md §3), on both databases: numbers beyond
the key columns in query strings, forms and paths; NUL characters in query strings, paths
and form fields; JSON nested past any sane depth; and an empty body on an action.

PostgreSQL refuses an integer beyond its column and a NUL in text; SQLite refuses integers
beyond 64 bits: run this module on both (see tests/conftest.py).
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields

from tests.api.util import assert_error, commit
from tests.catalog.util import product
from tests.factories import PASSWORD
from wholesale.accounts.models import User
from wholesale.api.registry import OPERATIONS
from wholesale.catalog.models import Product
from wholesale.db import MAX_ID, parse_id
from wholesale.extensions import db
from wholesale.sites.models import Warehouse
from wholesale.urls import digits_up_to

HUGE = ["2147483648", "9223372036854775808", "99999999999999999999", "9" * 5000]


@pytest.fixture
def people(factory) -> dict[str, Any]:
    supplier, buyer = factory.supplier("Golden Gate"), factory.buyer("Bistro")
    factory.connect(supplier, buyer)
    warehouse = factory.warehouse(supplier, name="Main depot")
    item = product(supplier, sku="TOM-1", name="Roma tomatoes")
    users = {"supplier": factory.owner(supplier), "buyer": factory.owner(buyer)}
    found = {"warehouse": warehouse.id, "product": item.id,
             "user_ids": {k: u.id for k, u in users.items()},
             "tokens": {k: factory.token(u) for k, u in users.items()},
             "emails": {k: u.email for k, u in users.items()}}
    commit()
    return found


def api(app, people, who: str) -> Any:
    from tests.conftest import ApiClient

    return ApiClient(app.test_client(), people["tokens"][who])


def portal(app, people, who: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"email": people["emails"][who],
                                           "password": PASSWORD})
    assert response.status_code == 302
    return client


# -- integers beyond the key columns ---------------------------------------------------------

QUERY_INTS = [
    ("supplier", "/api/v1/products", "supplier_id"),
    ("buyer", "/api/v1/products", "supplier_id"),
    ("supplier", "/api/v1/stock", "product_id"),
    ("supplier", "/api/v1/stock", "warehouse_id"),
    ("supplier", "/api/v1/stock/movements", "product_id"),
    ("supplier", "/api/v1/stock/movements", "warehouse_id"),
]


@pytest.mark.parametrize(("who", "path", "name"), QUERY_INTS)
@pytest.mark.parametrize("value", HUGE, ids=["2**31", "2**63", "20-digits", "5000-digits"])
def test_a_huge_id_in_an_api_query_string_is_422(app, people, who, path, name, value):
    response = api(app, people, who).get(path, query_string={name: value})
    assert_error(response, 422, "validation_error", fields=(name,))


@pytest.mark.parametrize(("who", "path", "name"), QUERY_INTS)
def test_the_largest_id_in_an_api_query_string_is_fine(app, people, who, path, name):
    response = api(app, people, who).get(path, query_string={name: str(MAX_ID)})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.get_json()["items"] == []


def _integer_fields(schema: type[Schema], seen: set[type[Schema]]) -> list[tuple[type, str]]:
    """Every (schema, field name) that loads input, nested schemas included, except the raw
    values a service parses itself (fields.Raw, fields.Function: test_errors.py sends those
    huge numbers through the real endpoints)."""
    if schema in seen:
        return []
    seen.add(schema)
    found = []
    for name, field in schema().load_fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested) and isinstance(inner.nested, type):
            found += _integer_fields(inner.nested, seen)
        elif not isinstance(inner, fields.Raw | fields.Function):
            found.append((schema, name))
    return found


def test_every_number_the_api_reads_is_bounded():
    """An integer field without a bound would pass 2**63 to the database: each field of each
    query and body schema, given a huge number, refuses it (or does not read it as one)."""
    seen: set[type[Schema]] = set()
    unbounded = []
    for op in OPERATIONS:
        for schema, as_text in ((op.query, True), (op.body, False)):
            if schema is None:
                continue
            for owner, name in _integer_fields(schema, seen):
                for huge in (10**20, -(10**20)):
                    data = {name: str(huge) if as_text else huge}
                    try:
                        loaded = owner().load(data, partial=True)
                    except ValidationError as exc:
                        loaded = exc.valid_data or {}
                    value = loaded.get(name) if isinstance(loaded, dict) else None
                    if isinstance(value, int | float) and abs(value) > MAX_ID:
                        unbounded.append(f"{owner.__name__}.{name}")
    assert not unbounded, sorted(set(unbounded))


def test_a_huge_product_id_in_a_bulk_edit_changes_nothing(app, people):
    client = portal(app, people, "supplier")
    for value in HUGE + ["\u00b2"]:
        response = client.post("/catalog/bulk", data={"product_ids": [value, people["product"]],
                                                      "action": "archive"})
        assert response.status_code == 302, value
        client.post("/catalog/bulk", data={"product_ids": [people["product"]],
                                           "action": "restore"})
    response = client.post("/catalog/bulk", data={"product_ids": HUGE, "action": "archive"})
    assert response.status_code == 302
    assert db.session.get(Product, people["product"]).archived_at is None


@pytest.mark.parametrize("who", ["supplier", "buyer"])
@pytest.mark.parametrize("value", HUGE + ["\u00b2", "-1"])
def test_huge_or_odd_numbers_in_page_query_strings_are_ignored(app, people, who, value):
    client = portal(app, people, who)
    paths = ["/catalog?page={v}", "/catalog?supplier={v}", "/invoices?partner={v}",
             "/invoices?page={v}", "/orders?partner={v}"]
    if who == "supplier":
        paths += ["/inventory?page={v}", "/inventory/dead?days={v}"]
    for path in paths:
        response = client.get(path.format(v=value))
        assert response.status_code == 200, (path, response.status_code)


def test_a_huge_quantity_or_warehouse_in_the_stock_form_is_refused(app, people):
    client = portal(app, people, "supplier")
    url = f"/inventory/products/{people['product']}"
    for warehouse, quantity in [(people["warehouse"], "9" * 5000), (people["warehouse"], "²"),
                                (HUGE[2], "5"), (people["warehouse"], "-" + "9" * 30)]:
        response = client.post(url, data={"kind": "receive", "warehouse_id": str(warehouse),
                                          "quantity": quantity, "reason": "count"})
        assert response.status_code in (404, 409, 422), (warehouse, quantity[:10])


# -- ids beyond the range in the path ----------------------------------------------------------


def test_the_id_pattern_matches_exactly_the_ids_in_range():
    pattern = re.compile(digits_up_to(MAX_ID))
    samples = [0, 1, 9, 10, MAX_ID - 1, MAX_ID, MAX_ID + 1, 2 * MAX_ID, 10**10 - 1, 10**10,
               *(random.randint(0, 10**11) for _ in range(2000))]
    for n in samples:
        assert bool(pattern.fullmatch(str(n))) == (n <= MAX_ID), n
    assert not pattern.fullmatch("\u00b2") and not pattern.fullmatch("-1")
    for limit in (1, 9, 10, 100, 1000, 2000, 2999):
        pattern = re.compile(digits_up_to(limit))
        assert [n for n in range(limit + 50) if pattern.fullmatch(str(n))] == list(
            range(limit + 1))


def _methods(rule: Any) -> list[str]:
    return sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))


def test_an_id_beyond_the_range_in_any_path_is_404_for_every_method(app, client):
    """Werkzeug noted the methods of a same-path rule before refusing the number, so an
    out-of-range id answered 405 to PATCH/POST/DELETE; every route, every method: 404."""
    wrong = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for huge in ("2147483648", "99999999999999999999"):
            path = re.sub(r"<int:\w+>", huge, rule.rule)
            path = re.sub(r"<(?:\w+:)?\w+>", "x", path)
            for method in _methods(rule):
                response = client.open(path, method=method, json={})
                if response.status_code != 404:
                    wrong.append(f"{method} {path}: {response.status_code}")
    assert not wrong, wrong


def test_a_path_id_beyond_the_range_is_404_json_under_the_api(app, people):
    client = api(app, people, "supplier")
    for method in ("GET", "PATCH", "POST", "DELETE", "PUT"):
        assert_error(client.open(method, "/api/v1/products/99999999999999999999", json={}),
                     404, "not_found")


def test_parse_id_takes_only_ascii_ids_in_range():
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7 and parse_id(str(MAX_ID)) == MAX_ID
    for bad in (None, "", "0", "-1", "+1", "1.0", "\u00b2", "\u0661", str(MAX_ID + 1), "9" * 5000):
        assert parse_id(bad) is None, bad


# -- NUL characters ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/catalog?category=%00", "/catalog?q=a%00b",
                                  "/orders?status=%00", "/inventory?q=%00"])
def test_a_nul_in_a_page_query_string_is_a_clear_error_page(app, people, path):
    response = portal(app, people, "supplier").get(path)
    assert response.status_code == 422
    assert response.mimetype == "text/html" and "NUL" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/o/%00", "/o/abc%00def", "/invitations/%00"])
def test_a_nul_in_a_path_part_is_404(app, people, path):
    assert portal(app, people, "buyer").get(path).status_code == 404


@pytest.mark.parametrize(("path", "name"), [("/api/v1/products?q=%00", "q"),
                                            ("/api/v1/products?category=x%00", "category"),
                                            ("/api/v1/orders?status=%00", "status")])
def test_a_nul_in_an_api_query_string_is_422_naming_the_field(app, people, path, name):
    assert_error(api(app, people, "supplier").get(path), 422, "validation_error", fields=(name,))


def test_a_nul_in_the_profile_name_changes_nothing(app, people):
    client = portal(app, people, "supplier")
    response = client.post("/settings/profile", data={
        "name": "Ann\x00", "email": people["emails"]["supplier"], "phone": ""})
    assert response.status_code == 422 and "NUL" in response.get_data(as_text=True)
    assert db.session.get(User, people["user_ids"]["supplier"]).name != "Ann\x00"


def test_a_nul_in_a_product_name_changes_nothing(app, people):
    client = portal(app, people, "supplier")
    response = client.post(f"/catalog/{people['product']}/edit", data={
        "sku": "TOM-1", "name": "Roma\x00", "unit": "case", "price": "2.00",
        "currency": "USD"})
    assert response.status_code == 422
    assert db.session.get(Product, people["product"]).name == "Roma tomatoes"


def test_a_nul_in_a_warehouse_name_changes_nothing(app, people):
    client = portal(app, people, "supplier")
    response = client.post("/settings/warehouses", data={
        "name": "Depot\x00", "address": "1 Dock Road", "latitude": "1", "longitude": "2"})
    assert response.status_code == 422
    assert db.session.query(Warehouse).filter(Warehouse.name.like("Depot%")).count() == 0


def test_a_nul_in_a_form_field_name_is_refused_too(app, people):
    response = portal(app, people, "supplier").post("/settings/warehouses",
                                                    data={"na\x00me": "x"})
    assert response.status_code == 422


# -- JSON bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"name": ' + b"[" * 100_000,
                                  b'{"name": ' + b"[" * 900 + b"]" * 900 + b"}",
                                  b'{"name": ' + b'{"a": ' * 40 + b"1" + b"}" * 41])
def test_deeply_nested_json_is_400(app, people, body):
    client = api(app, people, "supplier")
    response = client.open("POST", "/api/v1/warehouses", data=body,
                           headers={"Content-Type": "application/json"})
    assert_error(response, 400, "malformed_json")


def test_deeply_nested_json_where_the_body_is_read_before_the_view(app, client):
    """The token endpoint's rate limit reads the body before the view does."""
    response = client.post("/api/v1/auth/tokens", data=b"[" * 100_000,
                           content_type="application/json")
    assert 400 <= response.status_code < 500


def test_json_nested_as_deep_as_real_bodies_still_reads(app, people):
    client = api(app, people, "supplier")
    body = {"sku": "NEST-1", "name": "Nested", "unit": "case", "price": "1.00",
            "currency": "USD", "price_breaks": [{"min_qty": 10, "price": "0.90"}]}
    assert client.post("/api/v1/products", json=body).status_code == 201


def test_an_empty_body_on_an_action_with_no_required_field_reads_as_an_empty_object(app, people):
    """CONTRACT.md §3: accept, decline, … take an empty body as {}; here the change does not
    exist, so the answer is 404 (the body was read), not 400 malformed_json."""
    client = api(app, people, "supplier")
    for data in (b"", None):
        response = client.open("POST", "/api/v1/delivery-changes/12345/accept", data=data)
        assert_error(response, 404, "not_found")


def test_an_empty_body_where_fields_are_required_is_still_400(app, people):
    response = api(app, people, "supplier").open("POST", "/api/v1/warehouses", data=b"")
    assert_error(response, 400, "malformed_json")
