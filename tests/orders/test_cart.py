"""The buyer's cart, live quantity checks, checkout (one order per checkout key), reorder."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import login
from tests.orders.conftest import Shop
from wholesale.extensions import db
from wholesale.orders.cart_models import Cart, CartItem
from wholesale.orders.models import Channel, Order


@pytest.fixture
def buyer(client: FlaskClient, shop: Shop) -> FlaskClient:
    db.session.commit()
    login(client, shop.buyer_user)
    return client


def _items() -> dict[int, int]:
    return dict(db.session.execute(select(CartItem.product_id, CartItem.quantity)).all())


def _orders() -> list[Order]:
    db.session.expire_all()
    return list(db.session.scalars(select(Order).order_by(Order.id)
                                   .execution_options(all_tenants=True)))


def _checkout_form(shop: Shop, page: str, **extra: Any) -> dict[str, Any]:
    key = re.search(r'name="checkout_key" value="([0-9a-f]+)"', page).group(1)
    form = {"supplier_id": shop.supplier.id, "checkout_key": key,
            "delivery_location_id": shop.location.id,
            "requested_delivery_date": shop.delivery_date().isoformat(),
            "notes": "Back door", "po_number": "PO-9",
            "contacts-0-name": "Chef", "contacts-0-email": "chef@example.test",
            "contacts-1-name": "", "contacts-1-email": ""}
    form.update(extra)
    return form


def test_add_to_cart_and_again(buyer: FlaskClient, shop: Shop) -> None:
    product = shop.product({shop.near: 50})
    db.session.commit()
    response = buyer.post("/cart/add", data={"product_id": product.id, "quantity": "3"})
    assert response.status_code == 302
    buyer.post("/cart/add", data={"product_id": str(product.id), "quantity": "2"})
    assert _items() == {product.id: 5}
    page = buyer.get("/cart").get_data(as_text=True)
    assert product.name in page and 'value="5"' in page



def test_adding_offers_the_cart_and_counts_it(buyer: FlaskClient, shop: Shop) -> None:
    """The form's message links to the cart; catalog.js gets the same as JSON with the new
    count for the Cart links; a bad add answers 422 and changes nothing."""
    product, other = shop.product({shop.near: 50}), shop.product({shop.near: 50})
    db.session.commit()
    page = buyer.post("/cart/add", data={"product_id": product.id, "quantity": "3"},
                      follow_redirects=True).get_data(as_text=True)
    assert re.search(r'<a [^>]*href="/cart" data-flash-cart>View cart &amp; check out</a>',
                     page)
    assert re.search(r'data-cart-nav-count aria-label="1 in cart">1<', page)
    json_headers = {"Accept": "application/json"}
    added = buyer.post("/cart/add", data={"product_id": other.id, "quantity": "2"},
                       headers=json_headers)
    assert added.status_code == 200
    assert added.json == {"message": f"{other.name}: 2 {other.unit} in your cart.",
                          "cart_count": 2, "cart_url": "/cart"}
    bad = buyer.post("/cart/add", data={"product_id": other.id, "quantity": "0"},
                     headers=json_headers)
    assert bad.status_code == 422 and "quantity" in bad.json["error"]["fields"]
    assert _items() == {product.id: 3, other.id: 2}


@pytest.mark.parametrize("form", [
    {"product_id": "999999", "quantity": "1"},
    {"product_id": "abc", "quantity": "1"},
    {"quantity": "1"},
    {"product_id": "FOREIGN", "quantity": "1"},
    {"product_id": "MINE", "quantity": "0"},
    {"product_id": "MINE", "quantity": "-2"},
    {"product_id": "MINE", "quantity": "1.5"},
    {"product_id": "MINE", "quantity": ""},
])
def test_bad_adds_change_nothing(buyer: FlaskClient, shop: Shop, unchanged, form) -> None:
    mine = shop.product({shop.near: 50})
    stranger = shop.factory.supplier()
    foreign = Shop(shop.factory, stranger, shop.buyer, shop.factory.owner(stranger),
                   shop.buyer_user, shop.location, shop.near, shop.near).product()
    ids = {"MINE": str(mine.id), "FOREIGN": str(foreign.id)}
    form = {k: ids.get(v, v) for k, v in form.items()}
    db.session.commit()
    check = unchanged()
    response = buyer.post("/cart/add", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert 'alert--error' in response.get_data(as_text=True)
    check()


def test_live_quantity_check(buyer: FlaskClient, shop: Shop) -> None:
    product = shop.product({shop.near: 20}, min_order_qty=6, order_multiple=6, price="2.50")
    db.session.commit()
    buyer.post("/cart/add", data={"product_id": product.id, "quantity": "6"})
    url = f"/cart/items/{product.id}"

    response = buyer.post(url, json={"quantity": 7})
    assert response.status_code == 200
    cart = response.get_json()
    [line] = cart["lines"]
    assert line["quantity"] == 7 and line["line_total"] == "17.50"
    assert any("multiples of 6" in p for p in line["problems"])
    assert cart["can_checkout"] is False

    line = buyer.post(url, json={"quantity": 24}).get_json()["lines"][0]
    assert line["problems"] == ["Only 20 case available."]

    cart = buyer.post(url, json={"quantity": 12}).get_json()
    assert cart["lines"][0]["problems"] == [] and cart["can_checkout"] is True
    assert cart["subtotal"] == "30.00"

    for bad in ("x", -1, 1.5, None):
        response = buyer.post(url, json={"quantity": bad})
        assert response.status_code == 422
        assert "quantity" in response.get_json()["error"]["fields"]
    assert _items() == {product.id: 12}

    assert buyer.post(url, json={"quantity": 0}).get_json()["lines"] == []
    assert _items() == {}


def test_backorderable_shortfall_is_a_note_not_a_problem(buyer: FlaskClient,
                                                         shop: Shop) -> None:
    product = shop.product({shop.near: 2}, allow_backorder=True)
    db.session.commit()
    buyer.post("/cart/add", data={"product_id": product.id, "quantity": "5"})
    cart = buyer.post(f"/cart/items/{product.id}", json={"quantity": 5}).get_json()
    assert cart["lines"][0]["problems"] == []
    assert cart["lines"][0]["notes"] == ["Only 2 in stock: 3 will be backordered."]


def test_minimum_order_value_blocks_checkout(buyer: FlaskClient, shop: Shop) -> None:
    from decimal import Decimal

    shop.rules(min_order_value=Decimal("100.00"))
    product = shop.product({shop.near: 50}, price="10.00")
    db.session.commit()
    buyer.post("/cart/add", data={"product_id": product.id, "quantity": "2"})
    cart = buyer.post(f"/cart/items/{product.id}", json={"quantity": 2}).get_json()
    assert cart["can_checkout"] is False and "minimum order value" in cart["problems"][0]


def test_checkout_offers_only_valid_dates(buyer: FlaskClient, shop: Shop) -> None:
    from wholesale.db import utcnow
    from wholesale.orders import rules

    shop.rules(delivery_days="2,4")
    product = shop.product({shop.near: 50})
    db.session.commit()
    buyer.post("/cart/add", data={"product_id": product.id, "quantity": "2"})
    page = buyer.get(f"/checkout?supplier={shop.supplier.id}").get_data(as_text=True)
    offered = re.findall(r'<option value="(\d{4}-\d\d-\d\d)"', page)
    valid = rules.valid_delivery_dates(rules.rules_for(shop.supplier.id), utcnow())
    assert offered == [d.isoformat() for d in valid]
    assert all(rules.date.fromisoformat(d).isoweekday() in (2, 4) for d in offered)
    assert "Mission kitchen" in page


def test_checkout_places_one_order_even_on_a_double_click(buyer: FlaskClient,
                                                          shop: Shop) -> None:
    product = shop.product({shop.near: 50}, price="4.00")
    db.session.commit()
    buyer.post("/cart/add", data={"product_id": product.id, "quantity": "5"})
    page = buyer.get("/checkout").get_data(as_text=True)
    form = _checkout_form(shop, page)

    first = buyer.post("/checkout", data=form)
    assert first.status_code == 302 and "/placed" in first.location
    second = buyer.post("/checkout", data=form)  # the double click, after the first commit
    assert second.status_code == 302 and second.location == first.location

    [order] = _orders()
    assert order.channel is Channel.PORTAL and order.placed_by_id == shop.buyer_user.id
    assert (order.notes, order.po_number) == ("Back door", "PO-9")
    assert [(c.name, c.email) for c in order.contacts] == [("Chef", "chef@example.test")]
    assert [(ln.quantity, str(ln.unit_price)) for ln in order.lines] == [(5, "4.00")]
    assert db.session.scalar(select(func.count()).select_from(Cart)) == 0  # emptied

    confirmation = buyer.get(first.location).get_data(as_text=True)
    assert f"Order {order.display_number} is placed" in confirmation


def test_checkout_errors_are_shown_and_change_nothing(buyer: FlaskClient, shop: Shop,
                                                      unchanged) -> None:
    product = shop.product({shop.near: 50})
    db.session.commit()
    buyer.post("/cart/add", data={"product_id": product.id, "quantity": "5"})
    page = buyer.get("/checkout").get_data(as_text=True)
    check = unchanged()
    response = buyer.post("/checkout", data=_checkout_form(
        shop, page, requested_delivery_date="2001-01-01", **{"contacts-0-email": "nope"}))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "too early" in text and "Enter an email address." in text
    check()


def test_stale_checkout_page_after_the_cart_changed(buyer: FlaskClient, shop: Shop,
                                                    unchanged) -> None:
    product = shop.product({shop.near: 50})
    db.session.commit()
    buyer.post("/cart/add", data={"product_id": product.id, "quantity": "5"})
    page = buyer.get("/checkout").get_data(as_text=True)
    form = _checkout_form(shop, page, checkout_key="0" * 32)
    check = unchanged()
    response = buyer.post("/checkout", data=form)
    assert response.status_code == 409
    check()


def test_insufficient_stock_at_checkout(buyer: FlaskClient, shop: Shop, unchanged) -> None:
    product = shop.product({shop.near: 50})
    db.session.commit()
    buyer.post("/cart/add", data={"product_id": product.id, "quantity": "5"})
    page = buyer.get("/checkout").get_data(as_text=True)
    level = shop.level(product, shop.near)
    from wholesale.inventory.ledger import move
    from wholesale.inventory.models import MovementKind

    move(level.id, MovementKind.ADJUSTMENT, on_hand=-48, reason="breakage")
    db.session.commit()
    check = unchanged()
    response = buyer.post("/checkout", data=_checkout_form(shop, page))
    assert response.status_code == 409
    assert "Only 2 case" in response.get_data(as_text=True)
    check()


def test_reorder_fills_the_cart(buyer: FlaskClient, shop: Shop) -> None:
    from wholesale.orders.placement import place_order

    a = shop.product({shop.near: 50})
    b = shop.product({shop.near: 1}, allow_backorder=True)
    gone = shop.product({shop.near: 50})
    order = place_order(**shop.place_kwargs((a, 3), (b, 4), (gone, 2))).order
    from wholesale.db import utcnow

    gone.archived_at = utcnow()
    db.session.commit()
    response = buyer.post(f"/orders/{order.id}/reorder", follow_redirects=True)
    assert response.status_code == 200
    assert _items() == {a.id: 3, b.id: 4}  # the backordered 3 of b included
    assert gone.name in response.get_data(as_text=True)  # said it was skipped


def test_suppliers_have_no_cart(client: FlaskClient, shop: Shop) -> None:
    db.session.commit()
    login(client, shop.supplier_user)
    assert client.get("/cart").status_code == 404
    assert client.post("/cart/add", data={"product_id": "1", "quantity": "1"}).status_code \
        == 404
