"""Orders from CSV: the dry run lists every bad row, the import is all or nothing; export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import login
from tests.orders.conftest import Shop
from wholesale.extensions import db
from wholesale.orders.csv_orders import import_orders
from wholesale.orders.models import Channel, Order
from wholesale.orders.placement import place_order


def _csv(rows: list[list[str]], header: str = "order_ref,supplier,sku,quantity,delivery_date,"
         "location,po_number,notes") -> bytes:
    buffer = io.StringIO()
    buffer.write(header + "\n")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def goods(shop: Shop):
    oil = shop.product({shop.near: 100}, sku="OIL-5L", price="20.00")
    flour = shop.product({shop.near: 100}, sku="FLOUR-25", price="15.00", order_multiple=2)
    scarce = shop.product({shop.near: 3}, sku="SAFFRON")
    return oil, flour, scarce


def _good_file(shop: Shop) -> bytes:
    day = shop.delivery_date().isoformat()
    name = shop.supplier.name
    return _csv([
        ["A-1", name, "OIL-5L", "4", day, "Mission kitchen", "PO-1", ""],
        ["B-7", str(shop.supplier.id), "flour-25", "2", day, str(shop.location.id), "", "Rear"],
        ["A-1", name, "FLOUR-25", "6", day, "Mission kitchen", "PO-1", ""],
    ])


def _orders() -> list[Order]:
    db.session.expire_all()
    return list(db.session.scalars(select(Order).order_by(Order.id)
                                   .execution_options(all_tenants=True)))


def test_dry_run_then_import(shop: Shop, goods, unchanged) -> None:
    data = _good_file(shop)
    check = unchanged()
    preview = import_orders(shop.buyer_user, data, dry_run=True)
    assert preview.ok and preview.rows == 3
    assert [(p.ref, len(p.lines), str(p.subtotal)) for p in preview.orders] == [
        ("A-1", 2, "170.00"), ("B-7", 1, "30.00")]
    check()  # the dry run placed nothing

    result = import_orders(shop.buyer_user, data, dry_run=False)
    assert result.ok
    orders = _orders()
    assert [(o.channel, o.po_number, o.notes, len(o.lines)) for o in orders] == [
        (Channel.CSV, "PO-1", "", 2), (Channel.CSV, "", "Rear", 1)]

    check = unchanged()
    again = import_orders(shop.buyer_user, data, dry_run=False)  # the same file again
    assert again.ok and all(p.already_placed for p in again.orders)
    check()


def _errors(result) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in result.errors}


def test_every_bad_row_is_listed(shop: Shop, goods, unchanged) -> None:
    day = shop.delivery_date().isoformat()
    name = shop.supplier.name
    other_buyer = shop.factory.buyer()
    shop.factory.connect(shop.supplier, other_buyer)
    their_location = shop.factory.location(other_buyer, "Their kitchen")
    data = _csv([
        ["A-1", name, "OIL-5L", "4", day, "Mission kitchen", "", ""],  # 2: fine
        ["A-1", name, "NOPE", "4", day, "Mission kitchen", "", ""],  # 3: unknown sku
        ["A-1", name, "OIL-5L", "0", day, "Mission kitchen", "", ""],  # 4: zero
        ["A-1", name, "OIL-5L", "2.5", day, "Mission kitchen", "", ""],  # 5: fraction
        ["A-1", name, "OIL-5L", "1", day, "Garage", "", ""],  # 6: other location than row 2
        ["B-1", "Nobody Foods", "OIL-5L", "1", day, "Mission kitchen", "", ""],  # 7: supplier
        ["C-1", name, "OIL-5L", "1", "tomorrow", "Mission kitchen", "", ""],  # 8: date
        ["D-1", name, "OIL-5L", "1", day, "Their kitchen", "", ""],  # 9: another's location
        ["", name, "OIL-5L", "1", day, "Mission kitchen", "", ""],  # 10: no ref
        ["E-1", name, "OIL-5L", "1", day, "Mission kitchen", "", "", "extra"],  # 11: fields
    ])
    assert their_location.name == "Their kitchen"
    check = unchanged()
    result = import_orders(shop.buyer_user, data, dry_run=True)
    assert not result.ok
    assert _errors(result) == {(3, "sku"), (4, "quantity"), (5, "quantity"), (6, "location"),
                               (7, "supplier"), (8, "delivery_date"), (9, "location"),
                               (10, "order_ref"), (11, "")}
    check()


def test_rule_and_stock_errors_point_at_rows(shop: Shop, goods, unchanged) -> None:
    day = shop.delivery_date().isoformat()
    name = shop.supplier.name
    saturday = "2099-01-03"  # a Saturday: no deliveries
    data = _csv([
        ["A-1", name, "OIL-5L", "1", day, "Mission kitchen", "", ""],
        ["A-1", name, "FLOUR-25", "3", day, "Mission kitchen", "", ""],  # multiples of 2
        ["B-1", name, "SAFFRON", "2", day, "Mission kitchen", "", ""],
        ["C-1", name, "SAFFRON", "2", day, "Mission kitchen", "", ""],  # only 1 left by now
        ["D-1", name, "OIL-5L", "1", saturday, "Mission kitchen", "", ""],
    ])
    check = unchanged()
    result = import_orders(shop.buyer_user, data, dry_run=True)
    assert _errors(result) == {(3, "quantity"), (5, "quantity"), (6, "delivery_date")}
    # All or nothing: the real import with the same errors places nothing either.
    result = import_orders(shop.buyer_user, data, dry_run=False)
    assert not result.ok
    check()


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"\xff\xfe\x00o\x00r", "UTF-8"),
    (b"order_ref,sku\nA,B\n", "Missing columns"),
    (b"order_ref,order_ref,supplier,sku,quantity,delivery_date,location\n", "twice"),
    (b'order_ref,supplier,sku,quantity,delivery_date,location\n"A-1,x\n', "can't be read"),
    (b"order_ref,supplier,sku,quantity,delivery_date,location\n", "no order lines"),
    (b"PK\x03\x04\x00\x00binary", "not"),
])
def test_malformed_files(shop: Shop, goods, unchanged, data: bytes, message: str) -> None:
    check = unchanged()
    result = import_orders(shop.buyer_user, data, dry_run=True)
    assert not result.ok
    assert any(message in e.message for e in result.errors), result.errors
    check()


def test_semicolons_and_a_bom(shop: Shop, goods) -> None:
    day = shop.delivery_date().isoformat()
    data = ("\ufefforder_ref;Supplier;SKU;Quantity;Delivery date;Location\n"
            f"A-1;{shop.supplier.name};OIL-5L;2;{day};Mission kitchen\n").encode()
    assert import_orders(shop.buyer_user, data, dry_run=True).ok


def test_supplier_imports_for_customers(shop: Shop, goods) -> None:
    day = shop.delivery_date().isoformat()
    data = _csv([["X-1", "Bistro Verde", "OIL-5L", "2", day, "Mission kitchen", "", ""]],
                header="order_ref,buyer,sku,quantity,delivery_date,location,po_number,notes")
    result = import_orders(shop.supplier_user, data, dry_run=False)
    assert result.ok
    [order] = _orders()
    assert order.buyer_id == shop.buyer.id and order.placed_by_id == shop.supplier_user.id
    stranger = _csv([["X-2", "Nobody", "OIL-5L", "2", day, "Mission kitchen", "", ""]],
                    header="order_ref,buyer,sku,quantity,delivery_date,location,po_number,"
                           "notes")
    assert _errors(import_orders(shop.supplier_user, stranger, dry_run=True)) == {(2, "buyer")}


# -- the pages ---------------------------------------------------------------------------------


def test_upload_preview_and_confirm(client: FlaskClient, shop: Shop, goods) -> None:
    db.session.commit()
    login(client, shop.buyer_user)
    assert client.get("/orders/import").status_code == 200
    response = client.post("/orders/import", data={
        "file": (io.BytesIO(_good_file(shop)), "orders.csv")},
        content_type="multipart/form-data", headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ready: 2 orders from 3 rows" in html and "<html" not in html  # the partial
    assert _orders() == []
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = client.post("/orders/import/confirm", data={"token": token})
    assert response.status_code == 302
    assert len(_orders()) == 2
    # The stashed upload is gone: a second confirm is refused.
    response = client.post("/orders/import/confirm", data={"token": token},
                           follow_redirects=True)
    assert "expired" in response.get_data(as_text=True)
    assert len(_orders()) == 2


def test_upload_with_errors(client: FlaskClient, shop: Shop, goods, unchanged) -> None:
    db.session.commit()
    login(client, shop.buyer_user)
    check = unchanged()
    response = client.post("/orders/import", data={
        "file": (io.BytesIO(b"not,a\ncsv,file\n"), "x.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Missing columns" in html and "<html" in html
    response = client.post("/orders/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "empty" in response.get_data(as_text=True)
    response = client.post("/orders/import/confirm", data={"token": "../../etc/passwd"},
                           follow_redirects=True)
    assert "expired" in response.get_data(as_text=True)
    check()


def test_export(client: FlaskClient, shop: Shop, goods) -> None:
    oil, flour, _ = goods
    place_order(**shop.place_kwargs((oil, 2), (flour, 4), notes="=HYPERLINK(1)"))
    db.session.commit()
    login(client, shop.buyer_user)
    response = client.get("/orders/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["order_ref"], r["sku"], r["quantity"], r["unit_price"]) for r in rows] == [
        ("GG-00001", "OIL-5L", "2", "20.00"), ("GG-00001", "FLOUR-25", "4", "15.00")]
    assert rows[0]["notes"] == "'=HYPERLINK(1)"  # never a formula
    assert client.get("/orders/export.csv?status=shipped").get_data(as_text=True).count(
        "\n") == 1
    # The export, re-dated, imports again.
    day = shop.delivery_date().isoformat()
    text = response.get_data(as_text=True).replace(rows[0]["delivery_date"], day).replace(
        "'=HYPERLINK(1)", "")
    assert import_orders(shop.buyer_user, text.encode(), dry_run=True).ok
