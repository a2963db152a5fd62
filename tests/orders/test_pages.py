"""Order lists (filters, keyset pages), the order page, supplier phone orders."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import login
from tests.factories import PASSWORD
from tests.orders.conftest import Shop
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.orders import rules
from wholesale.orders.models import Channel, Order
from wholesale.orders.placement import place_order


def _as(client: FlaskClient, user) -> FlaskClient:
    db.session.commit()
    login(client, user)
    return client


def _numbers(html: str) -> list[str]:
    return re.findall(r'href="/orders/\d+">(GG-\d{5})</a>', html)


def test_order_list_filters_and_pages(client: FlaskClient, shop: Shop) -> None:
    product = shop.product({shop.near: 500}, allow_backorder=True)
    dates = rules.valid_delivery_dates(rules.rules_for(shop.supplier.id), utcnow())
    orders = [place_order(**shop.place_kwargs(
        (product, 1), requested_delivery_date=dates[1 + i % 3])).order for i in range(30)]
    other_buyer = shop.factory.buyer("Other Diner")
    shop.factory.connect(shop.supplier, other_buyer)
    theirs = place_order(**shop.place_kwargs(
        (product, 1), actor=shop.factory.owner(other_buyer), buyer=other_buyer,
        delivery_location_id=shop.factory.location(other_buyer).id)).order

    page = _as(client, shop.buyer_user).get("/orders").get_data(as_text=True)
    first = _numbers(page)
    assert first == [o.display_number for o in reversed(orders)][:25]
    assert theirs.display_number not in page
    older = re.search(r'href="(/orders\?cursor=[^"]+)"', page).group(1).replace("&amp;", "&")
    assert _numbers(client.get(older).get_data(as_text=True)) == \
        [o.display_number for o in reversed(orders)][25:]

    page = client.get(f"/orders?delivery_from={dates[2]}&delivery_to={dates[2]}")
    assert _numbers(page.get_data(as_text=True)) == [
        o.display_number for o in reversed(orders) if o.requested_delivery_date == dates[2]]
    today = utcnow().date()
    assert _numbers(client.get(f"/orders?placed_to={today - timedelta(days=1)}")
                    .get_data(as_text=True)) == []
    assert "No orders match" in client.get("/orders?status=delivered").get_data(as_text=True)
    bad = client.get("/orders?placed_from=soon&status=lost")
    assert bad.status_code == 200 and "(ignored)" in bad.get_data(as_text=True)


def test_supplier_list_filters_by_customer(client: FlaskClient, shop: Shop) -> None:
    product = shop.product({shop.near: 50})
    mine = place_order(**shop.place_kwargs((product, 1))).order
    other_buyer = shop.factory.buyer("Other Diner")
    shop.factory.connect(shop.supplier, other_buyer)
    theirs = place_order(**shop.place_kwargs(
        (product, 1), actor=shop.factory.owner(other_buyer), buyer=other_buyer,
        delivery_location_id=shop.factory.location(other_buyer).id)).order
    _as(client, shop.supplier_user)
    assert _numbers(client.get("/orders").get_data(as_text=True)) == [
        theirs.display_number, mine.display_number]
    assert _numbers(client.get(f"/orders?partner={other_buyer.id}").get_data(as_text=True)) \
        == [theirs.display_number]


def test_order_page_for_both_sides(client: FlaskClient, shop: Shop) -> None:
    product = shop.product({shop.near: 3, shop.far: 2}, allow_backorder=True, price="7.25")
    order = place_order(**shop.place_kwargs(
        (product, 8), po_number="PO-77", notes="Call first",
        contacts=[{"name": "Sous chef", "phone": "+1 555 0100"}])).order
    backorder = order.backorders[0]
    ids = (order.id, backorder.id)
    supplier_email = shop.supplier_user.email
    _as(client, shop.buyer_user)
    db.session.expunge_all()  # nothing the placement loaded may help the page
    page = client.get(f"/orders/{ids[0]}").get_data(as_text=True)
    for text in ("Order GG-00001", "PO-77", "Call first", "Sous chef", "Mission kitchen",
                 "$36.25", "Oakland", "Sacramento", "GG-00002", "Reorder"):
        assert text in page, text
    page = client.get(f"/orders/{ids[1]}").get_data(as_text=True)
    assert "This is the backorder of" in page and "GG-00001" in page

    client.post("/logout")
    client.post("/login", data={"email": supplier_email, "password": PASSWORD})
    page = client.get(f"/orders/{ids[0]}").get_data(as_text=True)
    assert "Bistro Verde" in page and "Reorder" not in page


def test_others_cannot_see_an_order(client: FlaskClient, shop: Shop) -> None:
    product = shop.product({shop.near: 5})
    order = place_order(**shop.place_kwargs((product, 1))).order
    outsider = shop.factory.buyer()
    _as(client, shop.factory.owner(outsider))
    assert client.get(f"/orders/{order.id}").status_code == 404
    assert client.get(f"/orders/{order.id}/placed").status_code == 404
    assert client.post(f"/orders/{order.id}/reorder").status_code == 404
    assert client.get("/orders/99999999999").status_code == 404


def test_empty_states(client: FlaskClient, shop: Shop) -> None:
    _as(client, shop.buyer_user)
    assert "No orders yet" in client.get("/orders").get_data(as_text=True)
    assert "Your cart is empty" in client.get("/cart").get_data(as_text=True)
    assert client.get("/checkout").status_code == 404


def _phone_form(shop: Shop, lines: list[tuple[int, str]], **extra: str) -> dict[str, str]:
    form = {"buyer_id": str(shop.buyer.id), "form_key": uuid.uuid4().hex,
            "delivery_location_id": str(shop.location.id),
            "requested_delivery_date": shop.delivery_date().isoformat(), "notes": "",
            "po_number": ""}
    for i, (product_id, quantity) in enumerate(lines):
        form[f"lines-{i}-product_id"] = str(product_id)
        form[f"lines-{i}-quantity"] = quantity
    form.update(extra)
    return form


def test_supplier_enters_a_phone_order(client: FlaskClient, shop: Shop) -> None:
    product = shop.product({shop.near: 50}, category="Oils")
    _as(client, shop.supplier_user)
    page = client.get("/orders/new").get_data(as_text=True)
    assert "Bistro Verde" in page
    page = client.get(f"/orders/new?buyer_id={shop.buyer.id}").get_data(as_text=True)
    assert product.name in page and "Mission kitchen" in page

    form = _phone_form(shop, [(product.id, "4")], **{"lines-1-product_id": "",
                                                      "lines-1-quantity": ""})
    response = client.post("/orders/new", data=form)
    assert response.status_code == 302
    again = client.post("/orders/new", data=form)  # submitted twice: still one order
    assert again.status_code == 302 and again.location == response.location
    orders = db.session.scalars(select(Order).execution_options(all_tenants=True)).all()
    assert len(orders) == 1
    assert orders[0].channel is Channel.PHONE and orders[0].buyer_id == shop.buyer.id
    assert orders[0].placed_by_id == shop.supplier_user.id


def test_phone_order_errors(client: FlaskClient, shop: Shop, unchanged) -> None:
    product = shop.product({shop.near: 50}, order_multiple=6)
    stranger = shop.factory.buyer()
    _as(client, shop.supplier_user)
    check = unchanged()
    response = client.post("/orders/new", data=_phone_form(shop, [(product.id, "4"),
                                                                  (product.id + 999, "1")]))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "multiples of 6" in text and "No such product" in text
    response = client.post("/orders/new", data=_phone_form(
        shop, [(product.id, "6")], buyer_id=str(stranger.id)))
    assert response.status_code == 404
    response = client.post("/orders/new", data=_phone_form(shop, [(product.id, "6")],
                                                           form_key=""))
    assert response.status_code == 400
    check()


@pytest.mark.parametrize("path", ["/orders/new"])
def test_buyers_cannot_enter_phone_orders(client: FlaskClient, shop: Shop, path: str) -> None:
    _as(client, shop.buyer_user)
    assert client.get(path).status_code == 404


# An unknown partner or a far date filters down to nothing (200); a cursor that is not one
# of ours is refused (422).
@pytest.mark.parametrize(("query", "status"), [
    ("partner=99999999999", 200), ("partner=-1", 200), ("placed_to=9999-12-31", 200),
    ("delivery_from=0001-01-01", 200), ("cursor=%%%", 422), ("cursor=eyJ4Ijox", 422)])
def test_odd_list_filters_are_no_500(client: FlaskClient, shop: Shop, query: str,
                                     status: int) -> None:
    _as(client, shop.buyer_user)
    response = client.get("/orders?" + query)
    assert response.status_code == status


@pytest.mark.parametrize("supplier_id", ["abc", "99999999999", "", "0"])
def test_odd_checkout_posts_are_no_500(client: FlaskClient, shop: Shop, unchanged,
                                       supplier_id: str) -> None:
    product = shop.product({shop.near: 5})
    _as(client, shop.buyer_user)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    check = unchanged()
    response = client.post("/checkout", data={"supplier_id": supplier_id,
                                              "checkout_key": "k" * 32})
    assert response.status_code in (302, 404, 409, 422), response.status_code
    check()


def test_confirmation_when_nothing_was_in_stock(client: FlaskClient, shop: Shop) -> None:
    product = shop.product({}, allow_backorder=True, price="5.00")
    order = place_order(**shop.place_kwargs((product, 3))).order
    _as(client, shop.buyer_user)
    page = client.get(f"/orders/{order.id}/placed").get_data(as_text=True)
    assert "Nothing was in stock yet: the whole order is on backorder" in page
    assert "GG-00002" in page and "$15.00" in page


def _selected_location(html: str) -> str | None:
    select_html = html.split('id="delivery_location_id"', 1)[1].split("</select>", 1)[0]
    found = re.search(r'<option value="(\d+)" selected>', select_html)
    return found.group(1) if found else None


def test_checkout_preselects_the_only_location_and_names_fields_by_label(
        client: FlaskClient, shop: Shop) -> None:
    from wholesale.orders import carts

    product = shop.product({shop.near: 50})
    carts.add_to_cart(shop.buyer_user, product.id, 2)
    _as(client, shop.buyer_user)
    page = client.get("/checkout").get_data(as_text=True)
    assert _selected_location(page) == str(shop.location.id)

    # With two locations the buyer chooses; a missing choice is named as the form labels it.
    shop.factory.location(shop.buyer, name="Second kitchen")
    db.session.commit()
    page = client.get("/checkout").get_data(as_text=True)
    assert _selected_location(page) is None
    key = re.search(r'name="checkout_key" value="([^"]+)"', page).group(1)
    response = client.post("/checkout", data={
        "supplier_id": str(shop.supplier.id), "checkout_key": key, "delivery_location_id": "",
        "requested_delivery_date": shop.delivery_date().isoformat(), "po_number": "x" * 200})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "delivery_location_id:" not in html and "po_number:" not in html
    assert "Deliver to: Choose one of" in html
    assert "PO number: " in html
