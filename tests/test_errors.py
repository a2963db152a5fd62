"""One error format under /api (CONTRACT.md §3), friendly HTML pages elsewhere, and never a
500 for bad input."""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from marshmallow import Schema, fields

from tests import databases
from tests.api.util import assert_error, assert_error_shape, commit
from wholesale.accounts.models import OrgKind
from wholesale.api.registry import OPERATIONS, flatten_messages, load
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.sites.models import Warehouse

ON_POSTGRES = databases.is_postgres(databases.test_database_url())
WAREHOUSE = {"name": "Depot", "address": "1 Dock Road", "latitude": 1.5, "longitude": 2.5}


@pytest.fixture
def supplier(api_as, factory):
    client = api_as(factory.owner(factory.supplier()))
    commit()
    return client


def post_raw(client: Any, path: str, data: bytes | str, content_type: str = "application/json"):
    return client.open("POST", path, data=data, headers={"Content-Type": content_type})


# -- the request body ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"{", b'{"name": }', b"{'name': 'x'}", b"nul", b'{"a": 1}}', b"\xff\xfe{", b"[1, 2"],
    ids=["open-brace", "missing-value", "single-quotes", "bare-word", "trailing", "bad-utf8",
         "open-list"],
)
def test_malformed_json_is_400(supplier, data):
    assert_error(post_raw(supplier, "/api/v1/warehouses", data), 400, "malformed_json")


@pytest.mark.parametrize(
    "data", [b"[]", b"[1, 2]", b'"a string"', b"42", b"true", b"null"],
)
def test_a_body_that_is_not_an_object_is_400(supplier, data):
    assert_error(post_raw(supplier, "/api/v1/warehouses", data), 400, "malformed_json")


def test_an_empty_body_is_400(supplier):
    assert_error(post_raw(supplier, "/api/v1/warehouses", b""), 400, "malformed_json")
    assert_error(supplier.post("/api/v1/warehouses"), 400, "malformed_json")


def test_json_without_a_json_content_type_is_still_read(supplier):
    response = post_raw(supplier, "/api/v1/warehouses", json.dumps(WAREHOUSE), "text/plain")
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**WAREHOUSE, "latitude": "north"}, ("latitude",)),
        ({**WAREHOUSE, "name": ["a"]}, ("name",)),
        ({"name": "Depot"}, ("address", "latitude", "longitude")),
        ({**WAREHOUSE, "surprise": 1}, ("surprise",)),
        ({**WAREHOUSE, "id": 5}, ("id",)),
    ],
    ids=["wrong-type", "list-for-string", "missing", "unknown-field", "read-only-field"],
)
def test_field_problems_are_422_with_each_field_named(supplier, body, fields):
    error = assert_error(
        supplier.post("/api/v1/warehouses", json=body), 422, "validation_error", fields=fields
    )
    assert set(error["fields"]) == set(fields)


class _Line(Schema):
    product_id = fields.Integer(required=True)
    quantity = fields.Integer(required=True)


class _Order(Schema):
    supplier_id = fields.Integer(required=True)
    lines = fields.List(fields.Nested(_Line), required=True)
    contact = fields.Nested(_Line)


def test_nested_field_problems_use_dotted_paths():
    with pytest.raises(ValidationFailed) as caught:
        load(
            _Order,
            {
                "supplier_id": "x",
                "lines": [{"product_id": 1, "quantity": 2}, {"product_id": 1, "quantity": "many"}],
                "contact": {"quantity": 1},
            },
        )
    fields_ = caught.value.fields
    assert set(fields_) == {"supplier_id", "lines.1.quantity", "contact.product_id"}
    assert all(isinstance(m, list) and m and all(isinstance(x, str) for x in m)
               for m in fields_.values())
    assert caught.value.status == 422 and caught.value.code == "validation_error"


def test_flatten_messages_keeps_every_message():
    assert flatten_messages({"a": {"b": ["x", "y"]}, "c": ["z"], "_schema": ["w"]}) == {
        "a.b": ["x", "y"],
        "c": ["z"],
        "_schema": ["w"],
    }
    assert flatten_messages(["top"]) == {"_schema": ["top"]}


# -- lists -----------------------------------------------------------------------------------------


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=500", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=1.5", "limit"),
        ("limit=", "limit"),
        ("cursor=not-a-cursor!", "cursor"),
        ("cursor=%00%01", "cursor"),
        (f"cursor={_cursor({'after': 'x'})}", "cursor"),
        (f"cursor={_cursor({'before': 1})}", "cursor"),
        (f"cursor={_cursor([1])}", "cursor"),
        (f"cursor={base64.urlsafe_b64encode(b'{not json').decode()}", "cursor"),
        ("cursor=%F0%9F%9A%80", "cursor"),
    ],
)
def test_bad_list_parameters_are_422(supplier, query, field):
    response = supplier.get(f"/api/v1/warehouses?{query}")
    assert_error(response, 422, "validation_error", fields=(field,))


def test_the_largest_page_is_200(api_as, factory):
    """limit=200 is allowed and gives 200 rows when there are more, the rest behind the
    cursor; limit=201 is refused (above)."""
    org = factory.supplier()
    db.session.add_all(Warehouse(supplier_id=org.id, name=f"W{n:03d}", address="1 Main St",
                                 latitude=Decimal("37.8"), longitude=Decimal("-122.27"))
                       for n in range(201))
    client = api_as(factory.owner(org))
    commit()
    page = client.get("/api/v1/warehouses?limit=200")
    assert page.status_code == 200 and len(page.json["items"]) == 200
    rest = client.get(f"/api/v1/warehouses?limit=200&cursor={page.json['next_cursor']}")
    assert [w["name"] for w in rest.json["items"]] == ["W200"]
    assert rest.json["next_cursor"] is None
    assert len(client.get("/api/v1/warehouses?limit=1").json["items"]) == 1


# Ids beyond the database's integer column (PostgreSQL `integer` stops at 2**31 - 1, SQLite
# at 2**63 - 1): asking for one is a plain 404 (or a 422 for a cursor), never a 500.
BIG_IDS = [2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30]


@pytest.mark.parametrize("after", BIG_IDS)
def test_a_cursor_past_any_id_is_not_a_server_error(supplier, after):
    """Within the id column's range a cursor past every row is the empty last page; past the
    range (no row can have such an id: PostgreSQL's `integer`) it is not a cursor of ours."""
    response = supplier.get(f"/api/v1/warehouses?cursor={_cursor({'after': after})}")
    if after <= 2**31 - 1:
        assert response.status_code == 200
        assert response.json == {"items": [], "next_cursor": None}
    else:
        assert_error(response, 422, "validation_error", fields=("cursor",))


def test_a_negative_cursor_is_not_a_server_error(supplier):
    response = supplier.get(f"/api/v1/warehouses?cursor={_cursor({'after': -5})}")
    assert_error(response, 422, "validation_error", fields=("cursor",))


@pytest.mark.parametrize("ident", BIG_IDS)
def test_a_huge_id_in_the_path_is_404_not_a_server_error(supplier, ident):
    assert_error(supplier.get(f"/api/v1/warehouses/{ident}"), 404, "not_found")
    assert_error(supplier.get(f"/api/v1/locations/{ident}"), 404, "not_found")


# -- sizes, paths and methods ----------------------------------------------------------------------


def test_an_oversized_body_is_413_json(app, supplier):
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        big = {**WAREHOUSE, "address": "x" * 4096}
        assert_error(supplier.post("/api/v1/warehouses", json=big), 413, "payload_too_large")
        # Also where the body is read before the view (the token rate limit looks at it).
        anon = type(supplier)(app.test_client(), None)
        response = anon.post(
            "/api/v1/auth/tokens", json={"email": "a@b.test", "password": "x" * 4096}
        )
        assert_error(response, 413, "payload_too_large")
        # A body just under the limit is fine.
        assert supplier.post("/api/v1/warehouses", json=WAREHOUSE).status_code == 201
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/warehouses/abc", "/api/v2/me", "/api/", "/api", "/api/v1"]
)
def test_an_unknown_api_path_is_404_json(supplier, path):
    assert_error(supplier.get(path), 404, "not_found")


def test_an_unknown_api_path_is_404_json_without_a_token(client):
    assert_error(client.get("/api/v1/does-not-exist"), 404, "not_found")
    assert_error(client.post("/api/v1/does-not-exist", json={}), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/v1/me"),
        ("POST", "/api/v1/me"),
        ("PUT", "/api/v1/warehouses"),
        ("PATCH", "/api/v1/warehouses/1"),
        ("GET", "/api/v1/signup"),
        ("GET", "/api/v1/auth/tokens"),
    ],
)
def test_a_wrong_method_is_405_json(supplier, method, path):
    response = supplier.open(method, path, json={})
    assert_error(response, 405, "method_not_allowed")


def test_a_405_says_which_methods_are_allowed(supplier):
    response = supplier.open("DELETE", "/api/v1/warehouses", json={})
    assert response.status_code == 405
    assert set(response.headers.get("Allow", "").replace(" ", "").split(",")) >= {"GET", "POST"}


def test_a_non_api_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "<html" in text.lower()
    assert '"error"' not in text


def test_an_api_error_is_never_an_html_page(supplier):
    for response in (
        supplier.get("/api/v1/nope"),
        supplier.open("DELETE", "/api/v1/me"),
        post_raw(supplier, "/api/v1/warehouses", b"{"),
    ):
        assert response.mimetype == "application/json"
        assert "<html" not in response.get_data(as_text=True).lower()


# -- no 500 for hostile input ----------------------------------------------------------------------

_counter = itertools.count(1)

HOSTILE_VALUES: list[Any] = [
    None,
    "",
    " ",
    "x" * 100_000,
    "9" * 5_000,  # past Python's int() digit limit
    {"nested": {"deeper": [1, {"deepest": None}]}},
    [[[[]]]],
    "123",
    "1e309",
    "-0",
    "NaN",
    -1,
    -1e308,
    1e308,
    10**30,
    -(10**30),
    0,
    True,
    "Ünïcødé ✓ 🚀 中文 עברית",
    "'; DROP TABLE users; --",
    "<script>alert(1)</script>",
    "\ud800",
    "pair \ud83d\ude80 ok",
    "../../etc/passwd",
]

# Bodies that pass validation, so a hostile value in one field reaches the service and the
# database. Called with a fresh number so that unique values (emails) stay unique.
VALID_BODIES: dict[tuple[str, str], Callable[[int], dict[str, Any]]] = {
    ("POST", "/api/v1/signup"): lambda n: {
        "kind": "buyer",
        "organization": f"Fuzz {n}",
        "name": "Fuzz",
        "email": f"fuzz{n}@example.test",
        "password": "a long enough password",
    },
    ("POST", "/api/v1/auth/tokens"): lambda n: {"email": f"fuzz{n}@example.test", "password": "x"},
    ("POST", "/api/v1/invitations"): lambda n: {"email": f"invitee{n}@example.test"},
    ("POST", "/api/v1/customers"): lambda n: {"buyer_email": f"nobody{n}@example.test"},
    ("POST", "/api/v1/warehouses"): lambda n: dict(WAREHOUSE, name=f"Depot {n}"),
    ("POST", "/api/v1/products"): lambda n: {
        "sku": f"FUZZ-{n}",
        "name": f"Fuzz product {n}",
        "unit": "case",
        "price": "12.50",
        "currency": "USD",
    },
    ("POST", "/api/v1/locations"): lambda n: {
        "name": f"Kitchen {n}",
        "address": "2 Market Street",
        "latitude": "10",
        "longitude": "20",
        "contact_phone": "+1 555 0100",
        "contact_email": f"kitchen{n}@example.test",
    },
}


# A NUL character (PostgreSQL text cannot hold it) and a lone UTF-16 surrogate (valid JSON,
# but not encodable as UTF-8 for the database) must be refused as malformed JSON.
NUL_VALUES = ["\u0000", "name\u0000with nul"]
LONE_SURROGATE = "\ud800"
STRING_FIELDS = [
    ("/api/v1/signup", "organization"),
    ("/api/v1/signup", "name"),
    ("/api/v1/signup", "phone"),
    ("/api/v1/warehouses", "name"),
    ("/api/v1/warehouses", "address"),
    ("/api/v1/locations", "name"),
    ("/api/v1/locations", "contact_phone"),
]


def _post_with(app, api_as, factory, path: str, field: str, value: str) -> Any:
    from tests.conftest import ApiClient

    if path == "/api/v1/signup":
        client = ApiClient(app.test_client(), None)
    else:
        kind = "supplier" if path == "/api/v1/warehouses" else "buyer"
        client = api_as(factory.owner(factory.organization(OrgKind(kind))))
    commit()
    body = dict(VALID_BODIES[("POST", path)](next(_counter)), **{field: value})
    return client.post(path, json=body)


@pytest.mark.parametrize(("path", "field"), STRING_FIELDS)
def test_a_nul_character_is_malformed_json(app, api_as, factory, path, field):
    for value in NUL_VALUES:
        response = _post_with(app, api_as, factory, path, field, value)
        assert_error(response, 400, "malformed_json")


@pytest.mark.parametrize(("path", "field"), STRING_FIELDS)
def test_a_lone_surrogate_is_malformed_json(app, api_as, factory, path, field):
    """Valid JSON ("\\ud800") but not Unicode any database can store."""
    response = _post_with(app, api_as, factory, path, field, LONE_SURROGATE)
    assert_error(response, 400, "malformed_json")


def _hostile_bodies(op: Any) -> list[Any]:
    names = sorted(op.body().load_fields) if op.body is not None else ["x"]
    bodies: list[Any] = [{}]
    for value in HOSTILE_VALUES:
        bodies.append({name: value for name in names})
    valid = VALID_BODIES.get((op.method, op.rule))
    if valid is not None:
        for name in names:
            for value in HOSTILE_VALUES:
                bodies.append(dict(valid(next(_counter)), **{name: value}))
        bodies.append(valid(next(_counter)))
    return bodies


def _path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "1", rule)


# Huge amounts in money or percentage fields (catalog/fields.py Money, Percent) once raised
# decimal.InvalidOperation in quantize() before the range check.
HUGE_NUMBERS: list[Any] = ["1e309", "9" * 5_000, 1e308, -1e308, 10**30, -(10**30)]


def _decimal_field_names(op: Any) -> set[str]:
    if op.body is None:
        return set()
    return {
        name
        for name, field_ in op.body().load_fields.items()
        if type(field_).__name__ in {"Money", "Percent"}
    }


def test_a_huge_amount_is_a_validation_error(app, api_as, factory):
    client = api_as(factory.owner(factory.supplier()))
    commit()
    ops = [op for op in OPERATIONS if op.method != "GET" and _decimal_field_names(op)]
    assert ops, "no operation takes a money or percentage field"
    failures = []
    for op in ops:
        if op.kinds and "supplier" not in op.kinds:
            continue
        for value in HUGE_NUMBERS:
            body = {name: value for name in _decimal_field_names(op)}
            response = client.open(op.method, _path(op.rule), json=body)
            if response.status_code != 422:
                failures.append(f"{op.method} {op.rule} {str(value)[:20]}: {response.status_code}")
    assert not failures, failures


def test_hostile_bodies_never_cause_a_server_error(app, api_as, factory):
    from tests.conftest import ApiClient

    users = {
        "supplier": api_as(factory.owner(factory.supplier())),
        "buyer": api_as(factory.owner(factory.buyer())),
    }
    anonymous = ApiClient(app.test_client(), None)
    commit()
    posts = [op for op in OPERATIONS if op.method in ("POST", "PATCH", "PUT")]
    assert posts
    failures: list[str] = []
    for op in posts:
        client = anonymous if op.public else users[(op.kinds or ("supplier",))[0]]
        for body in _hostile_bodies(op):
            response = client.open(
                op.method, _path(op.rule), json=body, headers={"Idempotency-Key": "fuzz"}
            )
            if response.status_code >= 500:
                shown = json.dumps(body)
                shown = shown if len(shown) < 200 else shown[:60] + " ... " + shown[-120:]
                failures.append(f"{op.method} {op.rule} {shown}")
            elif response.status_code >= 400:
                assert_error_shape(response)
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:40])
