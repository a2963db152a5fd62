"""The pages: the board (columns, counts, filters, bulk actions), pick lists and packing
slips (HTML and PDF), the order's fulfilment page and its forms for both sides."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from tests.conftest import login
from tests.fulfilment.conftest import place
from tests.orders.conftest import Shop, build_shop
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment import board, expedite, late, machine, shipments
from wholesale.inventory.ledger import get_or_create_level
from wholesale.orders.models import OrderStatus

S = OrderStatus
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def as_supplier(client, shop: Shop):
    db.session.commit()
    login(client, shop.supplier_user)
    return client


@pytest.fixture
def as_buyer(app, shop: Shop):
    db.session.commit()
    buyer = app.test_client()
    login(buyer, shop.buyer_user)
    return buyer


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() for page in reader.pages)


def test_the_board_shows_columns_counts_and_cards(shop: Shop, as_supplier) -> None:
    product = shop.product({shop.near: 50})
    a, b, c = (place(shop, (product, 2)) for _ in range(3))
    machine.transition(b, S.RECEIVED, shop.supplier_user)
    expedite.expedite(c, shop.buyer_user, "Health inspection")
    db.session.commit()
    page = as_supplier.get("/board")
    assert page.status_code == 200
    html = _text(page)
    for label in ("Placed", "Received", "Picking", "Packed", "Shipped", "Delivered"):
        assert f">{label}" in html
    placed = html.split('data-column="placed"')[1].split('data-column="received"')[0]
    # expedited first
    assert placed.index(c.display_number) < placed.index(a.display_number)
    assert 'data-count>2<' in placed and "Expedited" in placed
    assert b.display_number in html.split('data-column="received"')[1]
    assert "<kbd>j</kbd>" in html and "Print pick lists" in html


def test_board_columns_directly(shop: Shop) -> None:
    product = shop.product({shop.near: 50})
    orders = [place(shop, (product, 1)) for _ in range(4)]
    today = late.supplier_today(shop.supplier.id)
    orders[0].requested_delivery_date = today - timedelta(days=3)
    db.session.flush()
    columns = {c.status: c for c in board.board(shop.supplier, board.BoardFilters(), limit=2)}
    placed = columns[S.PLACED]
    assert placed.count == 4 and len(placed.cards) == 2 and placed.more == 2
    assert placed.cards[0].order is orders[0] and placed.cards[0].late  # due first
    assert placed.cards[0].warehouses == ["Oakland"] and placed.cards[0].units == 1
    expanded = board.board(shop.supplier, board.BoardFilters(), limit=1, expand=S.PLACED)
    assert [c.order.id for c in expanded[0].cards][:1] == [orders[0].id]
    assert len(expanded[0].cards) == 4 and expanded[0].count == 4
    late_only = board.board(shop.supplier, board.BoardFilters(late=True))
    assert [c.order.id for c in late_only[0].cards] == [orders[0].id]
    by_warehouse = board.board(shop.supplier, board.BoardFilters(warehouse_id=shop.far.id))
    assert by_warehouse[0].count == 0
    other = build_shop(shop.factory, "Other Foods")
    assert board.board(other.supplier, board.BoardFilters())[0].count == 0


def test_the_board_is_for_suppliers(as_buyer) -> None:
    assert as_buyer.get("/board").status_code == 404


def test_bulk_actions_move_orders_and_report_failures(shop: Shop, as_supplier) -> None:
    product = shop.product({shop.near: 50})
    a, b = place(shop, (product, 1)), place(shop, (product, 1))
    machine.transition(b, S.CANCELLED, shop.supplier_user, "duplicate")
    db.session.commit()
    response = as_supplier.post("/board/bulk", data={"action": "received",
                                                      "order_ids": [a.id, b.id]},
                                follow_redirects=True)
    html = _text(response)
    assert "1 order moved to received." in html and "is cancelled" in html
    db.session.expire_all()
    assert a.status is S.RECEIVED
    response = as_supplier.post("/board/bulk", data={"action": "pick_list",
                                                      "order_ids": [a.id]})
    assert response.status_code == 302 and f"order_ids={a.id}" in response.location
    response = as_supplier.post("/board/bulk", data={"action": "picking"},
                                follow_redirects=True)
    assert "Select at least one order first." in _text(response)


def test_pick_list_in_bin_order_as_html_and_pdf(shop: Shop, as_supplier) -> None:
    first = shop.product({shop.near: 20}, name="Zucchini")
    second = shop.product({shop.near: 20}, name="Apples")
    third = shop.product({shop.far: 20}, name="Pears")
    get_or_create_level(shop.supplier.id, shop.near.id, first.id).bin_location = "A-01"
    get_or_create_level(shop.supplier.id, shop.near.id, second.id).bin_location = "C-07"
    one = place(shop, (first, 3), (second, 2), (third, 5))
    two = place(shop, (first, 4))
    db.session.commit()
    url = f"/board/pick-list?order_ids={one.id}&order_ids={two.id}"
    html = _text(as_supplier.get(url))
    oakland = html.split("Sacramento —")[0]
    assert oakland.index("A-01") < oakland.index("C-07")
    assert "<strong>7</strong> case" in oakland  # zucchini for both orders
    assert f"{one.display_number} ×3, {two.display_number} ×4" in oakland
    assert "Pears" in html.split("Sacramento —")[1] and "Pears" not in oakland
    assert "fulfilment.css" in html

    response = as_supplier.get(url + "&format=pdf")
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = _pdf_text(response.data)
    assert "Pick list" in text and "Oakland" in text and "Sacramento" in text
    assert "A-01" in text and "Zucchini" in text and one.display_number in text

    only_far = _text(as_supplier.get(url + f"&warehouse_id={shop.far.id}"))
    assert "Sacramento" in only_far and "Zucchini" not in only_far


def test_packing_slip_with_buyer_details_and_backorders(shop: Shop, as_supplier) -> None:
    scarce = shop.product({shop.near: 2}, allow_backorder=True, name="Saffron")
    plenty = shop.product({shop.near: 20}, name="Rice")
    order = place(shop, (scarce, 5), (plenty, 3), po_number="PO-778")
    db.session.commit()
    html = _text(as_supplier.get(f"/board/packing-slips?order_ids={order.id}"))
    assert "Bistro Verde" in html and "Mission kitchen" in html and "PO-778" in html
    saffron = html.split("Saffron")[1].split("</tr>")[0]
    assert re.findall(r'class="num">([^<]*)<', saffron.replace("<strong>", "").replace(
        "</strong>", ""))[:4] == ["5 case", "2", "", "3"]
    text = _pdf_text(as_supplier.get(f"/board/packing-slips?order_ids={order.id}&format=pdf")
                     .data)
    assert f"Packing slip · order {order.display_number}" in text
    assert "Bistro Verde" in text and "Saffron" in text and "Backordered" in text


def test_printing_another_suppliers_orders_is_404(shop: Shop, as_supplier, factory) -> None:
    other = build_shop(factory, "Other Foods")
    theirs = place(other, (other.product({other.near: 5}), 1))
    db.session.commit()
    assert as_supplier.get(f"/board/pick-list?order_ids={theirs.id}").status_code == 404
    assert as_supplier.get("/board/packing-slips?order_ids=abc").status_code == 404


def test_the_order_page_for_both_sides(shop: Shop, as_supplier, as_buyer) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 2))
    db.session.commit()
    url = f"/orders/{order.id}"
    assert as_supplier.get(url + "/fulfilment").location.endswith(url)
    supplier_html = _text(as_supplier.get(url))
    assert 'data-move="received"' in supplier_html and "Record shipment" in supplier_html
    assert "Post a delay" in supplier_html
    buyer_html = _text(as_buyer.get(url))
    assert 'data-move="received"' not in buyer_html and "Record shipment" not in buyer_html
    assert "Cancel the order" in buyer_html and "Expedite" in buyer_html
    outsider = build_shop(shop.factory, "Other Foods")
    db.session.commit()
    login(as_supplier, outsider.supplier_user)
    assert as_supplier.get(url).status_code == 404


def test_forms_drive_the_order_and_show_errors(shop: Shop, as_supplier, as_buyer) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 2))
    db.session.commit()
    base = f"/orders/{order.id}/fulfilment"
    page = as_supplier.post(base + "/status", data={"status": "received", "note": "On it"},
                            follow_redirects=True)
    assert "is now received" in _text(page)
    page = as_supplier.post(base + "/status", data={"status": "packed"}, follow_redirects=True)
    assert "can&#39;t be moved to packed" in _text(page)
    [line] = order.lines
    page = as_supplier.post(base + "/shipments", data={"carrier": "UPS", "tracking_number": "1Z5",
                                                       f"qty-{line.id}": "1"},
                            follow_redirects=True)
    assert "Shipment recorded: 1 units with UPS (1Z5)" in _text(page)
    page = as_supplier.post(base + "/shipments", data={"carrier": "UPS",
                                                       f"qty-{line.id}": "9"},
                            follow_redirects=True)
    assert "can ship now" in _text(page)
    as_supplier.post(base + "/shipments", data={"carrier": "Own van"})
    page = as_buyer.post(base + "/deliver", data={"note": "Thanks"}, follow_redirects=True)
    assert "is delivered" in _text(page)
    db.session.expire_all()
    assert order.status is S.DELIVERED
    html = _text(as_buyer.get(f"/orders/{order.id}"))
    assert "Delivered" in html and "Thanks" in html and "tracking 1Z5" in html
    assert "https://www.ups.com/track?tracknum=1Z5" in html


def test_delivery_with_a_photo_shown_to_both_sides(shop: Shop, as_supplier, as_buyer,
                                                   factory) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 2))
    shipments.ship(order, shop.supplier_user, carrier="Own van")
    db.session.commit()
    page = as_supplier.post(f"/orders/{order.id}/fulfilment/deliver",
                            data={"note": "Signed by Ana", "photo": (io.BytesIO(PNG), "pod.png")},
                            content_type="multipart/form-data", follow_redirects=True)
    assert "is delivered" in _text(page)
    [photo_url] = re.findall(r'src="(/fulfilment/pod/\d+)"', page.get_data(as_text=True))
    assert as_buyer.get(photo_url).data == PNG
    outsider = build_shop(factory, "Other Foods")
    db.session.commit()
    login(as_buyer, outsider.buyer_user)
    assert as_buyer.get(photo_url).status_code == 404


def test_delivery_change_delay_and_expedite_forms(shop: Shop, as_supplier, as_buyer) -> None:
    from wholesale.orders import rules

    order = place(shop, (shop.product({shop.near: 5}), 2))
    db.session.commit()
    base = f"/orders/{order.id}/fulfilment"
    valid = rules.valid_delivery_dates(rules.rules_for(shop.supplier.id), utcnow(), 20)
    new_date = next(d for d in valid if d > order.requested_delivery_date)
    page = as_buyer.post(base + "/delivery-changes",
                         data={"delivery_date": new_date.isoformat(), "reason": "Closed Monday",
                               "delivery_location_id": ""}, follow_redirects=True)
    assert "Change requested" in _text(page)
    html = _text(as_supplier.get(f"/orders/{order.id}"))
    assert "Delivery change requested" in html and "Accept" in html
    assert "data-change-requested" in _text(as_supplier.get("/board"))
    change_id = order.delivery_changes[0].id
    page = as_supplier.post(f"/fulfilment/delivery-changes/{change_id}/decline",
                            data={"note": ""}, follow_redirects=True)
    assert "Say why you decline" in _text(page)
    page = as_supplier.post(f"/fulfilment/delivery-changes/{change_id}/accept",
                            data={"note": "OK"}, follow_redirects=True)
    assert "Change accepted" in _text(page)
    eta = late.supplier_today(shop.supplier.id) + timedelta(days=20)
    page = as_supplier.post(base + "/delays", data={"new_eta": eta.isoformat(),
                                                    "reason": "Storm"}, follow_redirects=True)
    assert "Delay posted" in _text(page) and "ETA history" in _text(page)
    page = as_buyer.post(base + "/expedite", data={"reason": ""}, follow_redirects=True)
    assert "reason" in _text(page).lower() and order.expedited_at is None
    page = as_buyer.post(base + "/expedite", data={"reason": "Party"}, follow_redirects=True)
    assert "is expedited" in _text(page)


def test_the_partials_work_in_any_order_page(shop: Shop, app) -> None:
    from flask import render_template_string
    from flask_login import login_user

    order = place(shop, (shop.product({shop.near: 5}), 2))
    with app.test_request_context("/orders/x"):
        login_user(shop.buyer_user)
        html = render_template_string(
            '{% include "fulfilment/_status_panel.html" %}'
            '{% include "fulfilment/_actions.html" %}{% include "fulfilment/_timeline.html" %}',
            order=order)
    assert "data-fulfilment-status" in html and "data-timeline" in html
    assert 'name="next" value="/orders/x"' in html


def test_a_shipped_orders_packing_slip_shows_what_is_in_its_box(shop: Shop, as_supplier) -> None:
    rice = shop.product({shop.near: 20}, name="Rice")
    beans = shop.product({shop.near: 20}, name="Beans")
    order = place(shop, (rice, 5), (beans, 4))
    rice_line, beans_line = order.lines
    shipments.ship(order, shop.supplier_user, carrier="UPS",
                   lines=[{"line_id": rice_line.id, "quantity": 2},
                          {"line_id": beans_line.id, "quantity": 4}])
    shipments.ship(order, shop.supplier_user, carrier="UPS")  # the last box: 3 of rice
    db.session.commit()
    assert order.status is OrderStatus.SHIPPED

    def columns(html: str, name: str) -> list[str]:
        row = html.split(name)[1].split("</tr>")[0].replace("<strong>", "").replace(
            "</strong>", "")
        return re.findall(r'class="num">([^<]*)<', row)[:4]

    html = _text(as_supplier.get(f"/board/packing-slips?order_ids={order.id}"))
    # ordered, in this box, shipped before, backordered
    assert columns(html, "Rice") == ["5 case", "3", "2", ""]
    assert columns(html, "Beans") == ["4 case", "0", "4", ""]
    text = _pdf_text(as_supplier.get(f"/board/packing-slips?order_ids={order.id}&format=pdf")
                     .data)
    assert "Rice" in text


def test_a_new_orders_timeline_starts_with_its_placement(shop: Shop, as_buyer) -> None:
    order = place(shop, (shop.product({shop.near: 5}), 2))
    db.session.commit()
    html = _text(as_buyer.get(f"/orders/{order.id}"))
    timeline = html.split("data-timeline")[1].split("</section>")[0]
    assert "1 event<" in timeline and "Nothing has happened yet" not in html
    assert 'data-event="placed"' in timeline and "Order placed for delivery on" in timeline
    # UTC until the browser shows the viewer's zone, and said so
    assert re.search(r'<time datetime="[^"]+\+00:00" data-local="datetime">[^<]+ UTC</time>',
                     timeline)
