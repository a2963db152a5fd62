"""POST/GET /api/v1/orders: idempotency, the order as JSON, lists, bad input, tenants."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from tests.orders.conftest import Shop
from tests.orders.errors import assert_error
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.orders import rules


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


@pytest.fixture
def buyer_api(api_as, shop: Shop):
    return api_as(shop.buyer_user)


@pytest.fixture
def supplier_api(api_as, shop: Shop):
    return api_as(shop.supplier_user)


def test_place_an_order(buyer_api, shop: Shop) -> None:
    product = shop.product({shop.near: 6, shop.far: 10}, price="12.50")
    body = shop.body((product, 8), notes="Ring twice", po_number="PO-1",
                     contacts=[{"name": "Chef Ana", "email": "ana@example.test"}])
    response = buyer_api.post("/api/v1/orders", json=body, headers=key())
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert order["id"] > 0
    assert order["number"] == "GG-00001" and order["sequence"] == 1
    assert order["status"] == "placed" and order["channel"] == "api"
    assert order["supplier"] == {"id": shop.supplier.id, "name": "Golden Gate Provisions"}
    assert order["buyer"]["id"] == shop.buyer.id
    assert order["placed_by"]["id"] == shop.buyer_user.id
    assert order["currency"] == "USD"
    assert order["subtotal"] == order["total"] == "100.00"
    assert order["requested_delivery_date"] == body["requested_delivery_date"]
    assert order["delivery_location"]["id"] == shop.location.id
    assert order["delivery_location"]["name"] == "Mission kitchen"
    assert order["placed_at"].endswith("+00:00")
    assert (order["notes"], order["po_number"]) == ("Ring twice", "PO-1")
    assert order["contacts"] == [{"name": "Chef Ana", "email": "ana@example.test",
                                  "phone": None}]
    [line] = order["lines"]
    assert line["product_id"] == product.id and line["sku"] == product.sku
    assert (line["quantity"], line["unit_price"], line["line_total"]) == (8, "12.50", "100.00")
    assert line["allocated_quantity"] == 8
    # Oakland (nearest) has only 6; Sacramento has all 8: one warehouse fills the line.
    assert [(a["warehouse"]["name"], a["quantity"]) for a in line["allocations"]] == [
        ("Sacramento", 8)]
    assert order["backorder_of"] is None and order["backorders"] == []

    read = buyer_api.get(f"/api/v1/orders/{order['id']}")
    assert read.status_code == 200 and read.get_json() == order


def test_same_key_same_body_is_the_same_order(buyer_api, shop: Shop, unchanged) -> None:
    product = shop.product({shop.near: 100})
    headers = key()
    first = buyer_api.post("/api/v1/orders", json=shop.body((product, 3)), headers=headers)
    assert first.status_code == 201
    check = unchanged()
    # The same body, keys in another order: the same canonical request.
    body = dict(reversed(list(shop.body((product, 3)).items())))
    again = buyer_api.post("/api/v1/orders", json=body, headers=headers)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    check()


BASE = {"notes": "Back door", "po_number": "PO-7",
        "contacts": [{"name": "Chef Ana", "email": "ana@example.test", "phone": "+15555550101"}]}


# Each field of the order as asked for is part of the key's fingerprint: the same key with
# any one of them changed is another request (409), not a replay.
@pytest.mark.parametrize("change", [
    "quantity", "date", "location", "notes", "po_number", "contact_name", "contact_email",
    "contact_phone", "no_contacts",
])
def test_same_key_other_body_is_409(buyer_api, shop: Shop, unchanged, change: str) -> None:
    product = shop.product({shop.near: 100})
    headers = key()
    first = shop.body((product, 3), **BASE)
    assert buyer_api.post("/api/v1/orders", json=first, headers=headers).status_code == 201
    other = shop.body((product, 4 if change == "quantity" else 3), **BASE)
    contact = dict(BASE["contacts"][0])
    if change == "date":
        dates = rules.valid_delivery_dates(rules.rules_for(shop.supplier.id), utcnow())
        other["requested_delivery_date"] = dates[2].isoformat()
    elif change == "location":
        other["delivery_location_id"] = shop.factory.location(shop.buyer, "Annex").id
    elif change in ("notes", "po_number"):
        other[change] = BASE[change] + " (2)"
    elif change.startswith("contact_"):
        field = change.removeprefix("contact_")
        contact[field] = {"name": "Chef Bo", "email": "bo@example.test",
                          "phone": "+15555550102"}[field]
        other["contacts"] = [contact]
    elif change == "no_contacts":
        other["contacts"] = []
    assert other != first
    check = unchanged()
    response = buyer_api.post("/api/v1/orders", json=other, headers=headers)
    assert_error(response, 409, "idempotency_key_reused")
    check()
    # and the first body is still a replay of the first order
    assert buyer_api.post("/api/v1/orders", json=first, headers=headers).status_code == 200


def test_no_key_is_400(buyer_api, api_as, shop: Shop, unchanged) -> None:
    product = shop.product({shop.near: 100})
    check = unchanged()
    response = buyer_api.post("/api/v1/orders", json=shop.body((product, 3)))
    assert_error(response, 400, "idempotency_key_required")
    response = buyer_api.post("/api/v1/orders", json=shop.body((product, 3)),
                              headers={"Idempotency-Key": "   "})
    assert_error(response, 400, "idempotency_key_required")
    # Even before the body is read; but a bad token is still a 401.
    assert_error(buyer_api.post("/api/v1/orders", data="{nope"), 400,
                 "idempotency_key_required")
    assert_error(api_as(None).post("/api/v1/orders", json=shop.body((product, 3))), 401)
    assert_error(buyer_api.post("/api/v1/orders", json=shop.body((product, 3)),
                                headers={"Idempotency-Key": "x" * 300}), 400)
    check()


def test_supplier_places_a_phone_order_for_a_customer(supplier_api, shop: Shop) -> None:
    product = shop.product({shop.near: 100})
    body = shop.body((product, 3), buyer_id=shop.buyer.id)
    del body["supplier_id"]
    response = supplier_api.post("/api/v1/orders", json=body, headers=key())
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert order["channel"] == "phone" and order["buyer"]["id"] == shop.buyer.id
    assert order["placed_by"]["id"] == shop.supplier_user.id


def test_supplier_needs_a_connected_buyer(supplier_api, shop: Shop, unchanged) -> None:
    product = shop.product({shop.near: 100})
    stranger = shop.factory.buyer()
    check = unchanged()
    assert_error(supplier_api.post("/api/v1/orders", json=shop.body((product, 3)),
                                   headers=key()), 422, "validation_error", ("buyer_id",))
    assert_error(supplier_api.post("/api/v1/orders",
                                   json=shop.body((product, 3), buyer_id=stranger.id),
                                   headers=key()), 404)
    check()


def test_buyer_cannot_order_for_someone_else(buyer_api, shop: Shop, unchanged) -> None:
    product = shop.product({shop.near: 100})
    other = shop.factory.buyer()
    check = unchanged()
    assert_error(buyer_api.post("/api/v1/orders",
                                json=shop.body((product, 3), buyer_id=other.id),
                                headers=key()), 422, fields=("buyer_id",))
    check()


def test_unconnected_supplier_is_404(buyer_api, shop: Shop, unchanged) -> None:
    stranger = shop.factory.supplier()
    product = shop.product({shop.near: 100})
    check = unchanged()
    response = buyer_api.post("/api/v1/orders",
                              json=shop.body((product, 1), supplier_id=stranger.id),
                              headers=key())
    assert_error(response, 404)
    check()


def test_insufficient_stock_is_409_naming_the_lines(buyer_api, shop: Shop, unchanged) -> None:
    fine = shop.product({shop.near: 100})
    short = shop.product({shop.near: 2, shop.far: 3})
    check = unchanged()
    response = buyer_api.post("/api/v1/orders", json=shop.body((fine, 1), (short, 9)),
                              headers=key())
    error = assert_error(response, 409, "insufficient_stock", ("lines.1.quantity",))
    assert error["fields"]["lines.1.quantity"] == [f"Only 5 case of {short.sku} available."]
    check()


def test_backorder_links(buyer_api, shop: Shop) -> None:
    product = shop.product({shop.near: 2}, allow_backorder=True)
    response = buyer_api.post("/api/v1/orders", json=shop.body((product, 5)), headers=key())
    assert response.status_code == 201
    order = response.get_json()
    [backorder_ref] = order["backorders"]
    assert backorder_ref["number"] == "GG-00002" and backorder_ref["status"] == "placed"
    backorder = buyer_api.get(f"/api/v1/orders/{backorder_ref['id']}").get_json()
    assert backorder["backorder_of"] == {"id": order["id"], "number": "GG-00001",
                                         "status": "placed"}
    assert [(ln["quantity"], ln["allocated_quantity"], ln["allocations"])
            for ln in backorder["lines"]] == [(3, 0, [])]
    assert order["lines"][0]["quantity"] == 2


def test_nothing_in_stock_is_all_on_the_linked_backorder(buyer_api, shop: Shop) -> None:
    product = shop.product({shop.near: 0}, allow_backorder=True, price="3.00")
    response = buyer_api.post("/api/v1/orders", json=shop.body((product, 4)), headers=key())
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    # No line of the placed order looks firm: it holds what was reserved, i.e. nothing.
    assert order["lines"] == [] and order["subtotal"] == "0.00"
    assert order["backorder_of"] is None and order["status"] == "placed"
    [backorder_ref] = order["backorders"]
    backorder = buyer_api.get(f"/api/v1/orders/{backorder_ref['id']}").get_json()
    assert backorder["backorder_of"] == {"id": order["id"], "number": "GG-00001",
                                         "status": "placed"}
    assert [(ln["product_id"], ln["quantity"], ln["allocated_quantity"], ln["unit_price"])
            for ln in backorder["lines"]] == [(product.id, 4, 0, "3.00")]
    assert backorder["subtotal"] == "12.00"
    assert shop.reserved(product) == 0


BAD_BODIES: list[tuple[str, Any, str]] = [
    ("zero", {"quantity": 0}, "lines.0.quantity"),
    ("negative", {"quantity": -5}, "lines.0.quantity"),
    ("fraction", {"quantity": 1.5}, "lines.0.quantity"),
    ("string", {"quantity": "2"}, "lines.0.quantity"),
    ("boolean", {"quantity": True}, "lines.0.quantity"),
    ("huge", {"quantity": 10**12}, "lines.0.quantity"),
    ("unknown product", {"product_id": 987654}, "lines.0.product_id"),
    ("huge product id", {"product_id": 10**15}, "lines.0.product_id"),
    ("product id string", {"product_id": "abc"}, "lines.0.product_id"),
]


@pytest.mark.parametrize(("label", "change", "field"), BAD_BODIES,
                         ids=[b[0] for b in BAD_BODIES])
def test_bad_lines_are_422(buyer_api, shop: Shop, unchanged, label, change, field) -> None:
    product = shop.product({shop.near: 100})
    body = shop.body((product, 1))
    body["lines"][0].update(change)
    check = unchanged()
    assert_error(buyer_api.post("/api/v1/orders", json=body, headers=key()), 422,
                 "validation_error", (field,))
    check()


def test_products_of_another_supplier_in_one_order(buyer_api, shop: Shop, unchanged) -> None:
    other = shop.factory.supplier()
    shop.factory.connect(other, shop.buyer)
    theirs = Shop(shop.factory, other, shop.buyer, shop.factory.owner(other), shop.buyer_user,
                  shop.location, shop.near, shop.near).product()
    stranger = shop.factory.supplier()
    hidden = Shop(shop.factory, stranger, shop.buyer, shop.factory.owner(stranger),
                  shop.buyer_user, shop.location, shop.near, shop.near).product()
    mine = shop.product({shop.near: 100})
    check = unchanged()
    response = buyer_api.post("/api/v1/orders",
                              json=shop.body((mine, 1), (theirs, 1), (hidden, 1)),
                              headers=key())
    error = assert_error(response, 422, "validation_error",
                         ("lines.1.product_id", "lines.2.product_id"))
    assert error["fields"]["lines.1.product_id"] == error["fields"]["lines.2.product_id"]
    assert str(hidden.id) not in error["message"] and hidden.sku not in str(error)
    check()


def test_bad_dates_and_locations(buyer_api, shop: Shop, unchanged) -> None:
    product = shop.product({shop.near: 100})
    order_rules = shop.rules(delivery_days="1,2,3,4,5")
    earliest = rules.earliest_delivery_date(order_rules, utcnow())
    saturday = next(earliest + timedelta(days=d) for d in range(7)
                    if (earliest + timedelta(days=d)).isoweekday() == 6)
    other = shop.factory.buyer()
    theirs = shop.factory.location(other, "Elsewhere")
    check = unchanged()
    cases = [
        ({"requested_delivery_date": (earliest - timedelta(days=1)).isoformat()},
         "requested_delivery_date"),
        ({"requested_delivery_date": saturday.isoformat()}, "requested_delivery_date"),
        ({"requested_delivery_date": "tomorrow"}, "requested_delivery_date"),
        ({"delivery_location_id": theirs.id}, "delivery_location_id"),
        ({"delivery_location_id": 0}, "delivery_location_id"),
        ({"contacts": [{"name": "No way to reach"}], "notes": "x" * 3000}, "notes"),
        ({"lines": []}, "lines"),
        ({"surprise": 1}, "surprise"),
    ]
    for change, field in cases:
        body = shop.body((product, 1), **change)
        assert_error(buyer_api.post("/api/v1/orders", json=body, headers=key()), 422,
                     "validation_error", (field,))
    check()


def test_malformed_json_is_400(buyer_api, shop: Shop, unchanged) -> None:
    check = unchanged()
    response = buyer_api.post("/api/v1/orders", data="{not json",
                              headers={**key(), "Content-Type": "application/json"})
    assert_error(response, 400)
    response = buyer_api.post("/api/v1/orders", json=[1, 2], headers=key())
    assert_error(response, 400)
    check()


def test_orders_of_others_are_404(api_as, buyer_api, shop: Shop) -> None:
    product = shop.product({shop.near: 100})
    order = buyer_api.post("/api/v1/orders", json=shop.body((product, 1)),
                           headers=key()).get_json()
    outsider = shop.factory.buyer()
    rival = shop.factory.supplier()
    for user in (shop.factory.owner(outsider), shop.factory.owner(rival)):
        assert_error(api_as(user).get(f"/api/v1/orders/{order['id']}"), 404)
        assert api_as(user).get("/api/v1/orders").get_json() == {"items": [],
                                                                 "next_cursor": None}
    assert_error(buyer_api.get("/api/v1/orders/99999999999"), 404)
    assert api_as(shop.supplier_user).get(f"/api/v1/orders/{order['id']}").status_code == 200


def test_list_filters_and_keyset_pagination(buyer_api, supplier_api, shop: Shop) -> None:
    product = shop.product({shop.near: 1000})
    dates = rules.valid_delivery_dates(rules.rules_for(shop.supplier.id), utcnow())
    ids = []
    for i in range(5):
        body = shop.body((product, 1), requested_delivery_date=dates[1 + i % 2].isoformat())
        ids.append(buyer_api.post("/api/v1/orders", json=body, headers=key()).get_json()["id"])
    seen: list[int] = []
    cursor = None
    while True:
        url = "/api/v1/orders?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = buyer_api.get(url).get_json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # A new order placed meanwhile never shifts the pages.
        if len(seen) == 2:
            ids.append(buyer_api.post("/api/v1/orders", json=shop.body((product, 1)),
                                      headers=key()).get_json()["id"])
    assert seen == sorted(ids[:5], reverse=True)

    def listed(query: str, api=buyer_api) -> list[int]:
        response = api.get("/api/v1/orders?" + query)
        assert response.status_code == 200, response.get_json()
        return [o["id"] for o in response.get_json()["items"]]

    assert listed(f"delivery_from={dates[2]}&delivery_to={dates[2]}") == [ids[3], ids[1]]
    assert listed("status=placed") == sorted(ids, reverse=True)
    assert listed("status=shipped") == []
    today = utcnow().date()
    assert len(listed(f"placed_from={today}&placed_to={today}")) == 6
    assert listed(f"placed_to={today - timedelta(days=1)}") == []
    assert listed(f"supplier_id={shop.supplier.id}") == sorted(ids, reverse=True)
    assert listed(f"buyer_id={shop.buyer.id}", supplier_api) == sorted(ids, reverse=True)
    assert listed(f"buyer_id={shop.buyer.id + 999}", supplier_api) == []
    for bad in ("status=lost", "placed_from=yesterday", "buyer_id=-1", "limit=0", "cursor=zz",
                "supplier_id=99999999999999999999"):
        assert_error(buyer_api.get("/api/v1/orders?" + bad), 422)


def test_openapi_describes_orders(api_as) -> None:
    spec = api_as(None).get("/api/v1/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/orders"]
    assert "get" in spec["paths"]["/api/v1/orders/{order_id}"]


def test_concurrent_style_retry_after_commit(buyer_api, shop: Shop) -> None:
    """The key is committed with the order: after a commit a retry still finds it."""
    product = shop.product({shop.near: 100})
    headers = key()
    first = buyer_api.post("/api/v1/orders", json=shop.body((product, 1)), headers=headers)
    db.session.expire_all()
    again = buyer_api.post("/api/v1/orders", json=shop.body((product, 1)), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]


@pytest.mark.parametrize("query", ["placed_to=9999-12-31", "placed_from=0001-01-01",
                                   "delivery_to=9999-12-31"])
def test_extreme_dates_are_plain_filters(buyer_api, query: str) -> None:
    response = buyer_api.get("/api/v1/orders?" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["items"] == []


def test_an_id_past_the_id_column_is_a_validation_error(buyer_api) -> None:
    assert_error(buyer_api.get("/api/v1/orders?buyer_id=2147483648"), 422, "validation_error",
                 ("buyer_id",))


def test_nul_characters_are_refused(buyer_api, shop: Shop, unchanged) -> None:
    product = shop.product({shop.near: 100})
    check = unchanged()
    for extra, field in (({"notes": "a\x00b"}, "notes"), ({"po_number": "\x00"}, "po_number"),
                         ({"contacts": [{"name": "A\x00", "email": "a@b.test"}]},
                          "contacts.0.name")):
        response = buyer_api.post("/api/v1/orders", json=shop.body((product, 1), **extra),
                                  headers=key())
        # Refused as malformed JSON by the API, or by the placement's own check.
        if response.status_code == 400:
            assert_error(response, 400, "malformed_json")
        else:
            assert_error(response, 422, "validation_error", (field,))
    check()


def test_nul_characters_are_refused_by_placement(shop: Shop, unchanged) -> None:
    from wholesale.errors import ValidationFailed
    from wholesale.orders.placement import place_order

    product = shop.product({shop.near: 100})
    check = unchanged()
    with pytest.raises(ValidationFailed) as caught:
        place_order(**shop.place_kwargs((product, 1), notes="a\x00b", po_number="\x00"))
    assert set(caught.value.fields) == {"notes", "po_number"}
    check()
