"""`GET /api/v1/openapi.json` is a valid OpenAPI document that describes every endpoint."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from wholesale.api.registry import OPERATIONS

IGNORED_METHODS = {"HEAD", "OPTIONS"}
_PARAM = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")


@pytest.fixture
def spec(client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def _app_routes(app) -> set[tuple[str, str]]:
    return {
        (_PARAM.sub(r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - IGNORED_METHODS
    }


def test_the_document_is_valid_openapi(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]


def test_it_needs_no_token(client, spec):
    assert client.get("/api/v1/openapi.json").json == spec


def test_every_route_is_described(app, spec):
    routes = _app_routes(app)
    assert len(routes) >= 10
    described = {(path, method) for path, ops in spec["paths"].items() for method in ops
                 if method in {"get", "post", "put", "patch", "delete"}}
    missing = sorted(routes - described)
    assert not missing, f"routes missing from openapi.json: {missing}"
    phantom = sorted(described - routes)
    assert not phantom, f"openapi.json describes routes the app does not serve: {phantom}"


def test_the_server_is_the_public_base_url(app, spec):
    assert spec["servers"][0]["url"] == app.config["PUBLIC_BASE_URL"]
    assert all(path.startswith("/api/v1/") for path in spec["paths"])


def test_private_operations_need_the_bearer_token_and_public_ones_do_not(spec):
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearer": []}]
    by_key = {(op.rule, op.method.lower()): op for op in OPERATIONS}
    for path, operations in spec["paths"].items():
        for method, doc in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            rule = next(k for k in by_key if _PARAM.sub(r"{\1}", k[0]) == path and k[1] == method)
            op = by_key[rule]
            effective = doc.get("security", spec["security"])
            if op.public:
                assert effective == [], f"{method} {path} is public but requires a token"
            else:
                assert effective and any("bearer" in s for s in effective), f"{method} {path}"
                assert "401" in doc["responses"], f"{method} {path} does not document 401"
            if op.kinds:
                assert "403" in doc["responses"], f"{method} {path} does not document 403"


def test_path_parameters_are_declared(spec):
    for path, operations in spec["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, doc in operations.items():
            declared = {p["name"] for p in doc.get("parameters", []) if p.get("in") == "path"}
            assert declared == names, f"{method} {path}: {declared} != {names}"


def test_request_bodies_reference_schemas(spec):
    bodies = 0
    for path, operations in spec["paths"].items():
        for method, doc in operations.items():
            op = next(
                (o for o in OPERATIONS
                 if _PARAM.sub(r"{\1}", o.rule) == path and o.method.lower() == method),
                None,
            )
            assert op is not None, f"{method} {path}"
            if op.body is None:
                assert "requestBody" not in doc, f"{method} {path}"
                continue
            bodies += 1
            schema = doc["requestBody"]["content"]["application/json"]["schema"]
            assert "$ref" in schema, f"{method} {path}: request body schema is not a reference"
            resolved = _resolve(spec, schema)
            assert resolved.get("type") == "object", f"{method} {path}"
            assert resolved.get("properties"), f"{method} {path}: empty request schema"
            declared = set(op.body().load_fields)
            assert set(resolved["properties"]) >= declared, f"{method} {path}"
    assert bodies >= 5


def test_errors_reference_the_error_schema(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(error["properties"]["error"]["required"]) == {"code", "message"}
    for path, operations in spec["paths"].items():
        for method, doc in operations.items():
            for status, response in doc["responses"].items():
                if status == "414":  # the HTTP server's, not the API's
                    assert set(response["content"]) == {"text/html"}, f"{method} {path}"
                elif int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (
                        f"{method} {path} {status}"
                    )


def test_success_responses_are_described(spec):
    for path, operations in spec["paths"].items():
        for method, doc in operations.items():
            ok = [s for s in doc["responses"] if s.startswith("2")]
            assert ok, f"{method} {path} has no success response"
    signup = spec["paths"]["/api/v1/signup"]["post"]["responses"]
    assert "201" in signup
    listing = spec["paths"]["/api/v1/warehouses"]["get"]
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(page["required"]) == {"items", "next_cursor"}
    query = {p["name"] for p in listing["parameters"] if p["in"] == "query"}
    assert {"limit", "cursor"} <= query


def _operations(spec: dict[str, Any]):
    for path, operations in spec["paths"].items():
        for method, doc in operations.items():
            yield path, method, doc


def test_answers_any_operation_can_give_are_documented_everywhere(spec):
    for path, method, doc in _operations(spec):
        assert {"400", "404", "405", "414", "422"} <= set(doc["responses"]), f"{method} {path}"
        if method in {"post", "put", "patch"}:
            assert "413" in doc["responses"], f"{method} {path}"
    assert "429" in spec["paths"]["/api/v1/auth/tokens"]["post"]["responses"]


def test_money_is_documented_as_a_decimal_string(spec):
    """Regression: `fields.Decimal(as_string=True)` was documented as a number, while the API
    (rightly) answers "12.50"."""
    schemas = spec["components"]["schemas"]
    for schema, field in [("Line", "unit_price"), ("Line", "line_total"), ("Order", "subtotal")]:
        prop = schemas[schema]["properties"][field]
        assert prop["type"] == "string" and prop["format"] == "decimal", (schema, field, prop)
        assert re.fullmatch(prop["pattern"], "12.50") and not re.fullmatch(prop["pattern"], "12.5")
    money = re.compile(r"price|total|amount|cost|balance|credit|subtotal|tax")
    decimals = [
        (name, field, prop)
        for name, schema in schemas.items()
        for field, prop in schema.get("properties", {}).items()
        if prop.get("format") == "decimal"
        or (prop.get("type") == "number" and money.search(field))
    ]
    assert len(decimals) > 10
    assert all(prop["type"] == "string" for _, _, prop in decimals), decimals


def test_the_documented_money_matches_what_an_order_answers(client, factory, api_as, spec):
    from wholesale.demo import seed_demo

    _, buyer = seed_demo(history=False)
    order = api_as(factory.owner(buyer)).get("/api/v1/orders?limit=1").json["items"][0]
    line = spec["components"]["schemas"]["Line"]["properties"]
    assert re.fullmatch(line["unit_price"]["pattern"], order["lines"][0]["unit_price"])
    assert re.fullmatch(spec["components"]["schemas"]["Order"]["properties"]["subtotal"][
        "pattern"], order["subtotal"])


def test_placing_an_order_documents_the_idempotency_key_and_the_replay(spec):
    place = spec["paths"]["/api/v1/orders"]["post"]
    header = next(p for p in place["parameters"] if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["required"] is True
    for status in ("200", "201"):  # a replay answers the order, not an error
        schema = place["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Order"}, status
