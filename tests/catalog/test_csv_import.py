"""CSV import of products and stock: dry run with every bad row, all-or-nothing apply,
file-level errors, export round trip, the API and the CLI."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.catalog.util import assert_error, commit, product, statements
from wholesale.catalog import csv_import
from wholesale.catalog.models import PriceBreak, Product
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.inventory.models import StockLevel, StockMovement

GOOD = (
    "sku,name,price,unit,category,price_breaks,case_size,active\r\n"
    "TOM-1,Roma tomatoes,24.50,case,Produce,10:23.00; 50:21.50,12,yes\r\n"
    'MLK-1,"Milk, whole",3.10,each,Dairy,,1,yes\r\n'
)


def count(supplier_id):
    return db.session.scalar(select(func.count(Product.id))
                             .where(Product.supplier_id == supplier_id))


def errors_of(report):
    return {(e.row, e.column) for e in report.errors}


def test_dry_run_then_import(factory):
    supplier = factory.supplier()
    report = csv_import.import_products(supplier, GOOD.encode(), dry_run=True)
    assert report.ok and (report.rows, report.creates, report.updates) == (2, 2, 0)
    assert not report.applied and count(supplier.id) == 0
    assert report.preview[0]["sku"] == "TOM-1" and report.preview[0]["action"] == "create"
    report = csv_import.import_products(supplier, GOOD.encode(), dry_run=False)
    assert report.applied and count(supplier.id) == 2
    tom = db.session.scalars(select(Product).where(Product.sku == "TOM-1",
                                                   Product.supplier_id == supplier.id)).one()
    assert tom.price == Decimal("24.50") and tom.case_size == 12 and tom.category == "Produce"
    assert [(b.min_qty, b.price) for b in tom.price_breaks] == [
        (10, Decimal("23.00")), (50, Decimal("21.50"))]
    assert tom.min_order_qty == 1 and tom.currency == "USD"  # defaults


def test_existing_skus_are_updated_and_empty_cells_leave_values_alone(factory):
    supplier = factory.supplier()
    product(supplier, sku="TOM-1", name="Old name", price="1.00", category="Veg",
            price_breaks=[{"min_qty": 5, "price": "0.90"}])
    data = "sku,name,price,category,active\ntom-1,New name,2.00,,no\n"
    report = csv_import.import_products(supplier, data.encode(), dry_run=False)
    assert (report.creates, report.updates) == (0, 1)
    tom = db.session.scalars(select(Product).where(Product.supplier_id == supplier.id)).one()
    assert (tom.name, tom.price, tom.category) == ("New name", Decimal("2.00"), "Veg")
    assert tom.archived_at is not None
    assert len(tom.price_breaks) == 1  # no price_breaks column: breaks untouched


def test_every_bad_row_is_listed_and_nothing_is_imported(factory):
    supplier = factory.supplier()
    data = (
        "sku,name,price,case_size,currency,price_breaks,allow_backorder\n"
        "A-1,Apples,abc,1,USD,,no\n"           # 2: bad price
        "A-2,,1.00,1,USD,,no\n"                # 3: name missing
        "A-3,Pears,1.001,0,XXX,,maybe\n"       # 4: price, case_size, currency, allow_backorder
        "a-1,Apples again,1.00,1,USD,,no\n"    # 5: duplicate SKU (any case)
        "A 5,Plums,1.00,1,USD,5:1;3:0.5,no\n"  # 6: bad sku, breaks not increasing
        "A-6,Figs,-2,1.5,USD,1:2,no\n"         # 7: negative price, case size, break qty
        "A-7,Kiwis,1.00,1,USD\n"               # 8: too few values
        "A-8,Limes,1.00,1,USD,,yes\n"          # fine
    )
    report = csv_import.import_products(supplier, data.encode(), dry_run=False)
    assert not report.ok and not report.applied
    assert errors_of(report) == {
        (2, "price"), (3, "name"), (4, "price"), (4, "case_size"), (4, "currency"),
        (4, "allow_backorder"), (5, "sku"), (6, "sku"), (6, "price_breaks"), (7, "price"),
        (7, "case_size"), (7, "price_breaks"), (8, "")}
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "row 2" in messages[(5, "sku")]
    assert "increase" in messages[(6, "price_breaks")]
    assert "Expected 7 values, found 5" in messages[(8, "")]
    assert count(supplier.id) == 0


@pytest.mark.parametrize(
    ("data", "row", "column", "text"),
    [
        ("name,price\nApples,1\n", 1, "sku", "Required column missing"),
        ("sku,name,price,colour\nA,B,1,red\n", 1, "colour", "Unknown column"),
        ("sku,name,price,price\nA,B,1,1\n", 1, "price", "twice"),
        ("sku,name,price\n", 2, "", "no rows"),
    ],
)
def test_header_problems(factory, data, row, column, text):
    report = csv_import.import_products(factory.supplier(), data.encode(), dry_run=True)
    assert any(e.row == row and e.column == column and text in e.message
               for e in report.errors), report.errors


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b'sku,name,price\nA,"unclosed,1\n', "not valid CSV"),
        (b'sku,name,price\nA,"B"x,1\n', "not valid CSV"),
        (b"sku,name,price\nA,\xff\xfe,1\n", "UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "UTF-8"),
        (b"sku,name,price\nA,B\x00,1\n", "binary"),
    ],
)
def test_malformed_files_are_a_clear_error(factory, data, text):
    with pytest.raises(ValidationFailed) as info:
        csv_import.import_products(factory.supplier(), data, dry_run=True)
    assert text in info.value.fields["file"][0]


def test_bom_crlf_and_header_spelling_are_tolerated(factory):
    supplier = factory.supplier()
    data = "\ufeffSKU,Name,Price,Min Order Qty\r\nX-1,Thing,1.50,4\r\n\r\n".encode()
    report = csv_import.import_products(supplier, data, dry_run=False)
    assert report.ok and report.rows == 1, report.errors
    assert db.session.scalars(select(Product.min_order_qty)
                              .where(Product.supplier_id == supplier.id)).one() == 4


def test_export_round_trips(factory):
    supplier = factory.supplier()
    csv_import.import_products(supplier, GOOD.encode(), dry_run=False)
    exported = csv_import.export_products(supplier)
    assert exported.splitlines()[0] == ",".join(csv_import.PRODUCT_COLUMNS)
    assert '"Milk, whole"' in exported and "10:23.00; 50:21.50" in exported
    again = csv_import.import_products(supplier, exported.encode(), dry_run=True)
    assert again.ok and (again.creates, again.updates) == (0, 2)
    other = factory.supplier()
    copied = csv_import.import_products(other, exported.encode(), dry_run=False)
    assert copied.ok and count(other.id) == 2


def test_ten_thousand_products_in_batches(factory):
    supplier = factory.supplier()
    lines = ["sku,name,price,category,price_breaks"]
    lines += [f"BULK-{i},Bulk item {i},{i % 50 + 1}.25,Cat {i % 7},10:{i % 50 + 1}.00"
              for i in range(10_000)]
    data = "\n".join(lines).encode()
    with statements() as created:
        report = csv_import.import_products(supplier, data, dry_run=False)
    assert report.ok and report.creates == 10_000
    with statements() as updated:
        report = csv_import.import_products(supplier, data, dry_run=False)  # all updates
    assert report.ok and report.updates == 10_000
    assert count(supplier.id) == 10_000
    assert db.session.scalar(select(func.count(PriceBreak.id)).join(Product).where(
        Product.supplier_id == supplier.id)) == 10_000
    assert len(created) < 100 and len(updated) < 100, (len(created), len(updated))


# -- stock -----------------------------------------------------------------------------------


@pytest.fixture
def stocked(factory):
    supplier = factory.supplier()
    north = factory.warehouse(supplier, "North")
    south = factory.warehouse(supplier, "South")
    a = product(supplier, sku="A")
    b = product(supplier, sku="B")
    return supplier, north, south, a, b


def level(warehouse, item):
    row = db.session.scalars(select(StockLevel).where(StockLevel.warehouse_id == warehouse.id,
                                                      StockLevel.product_id == item.id)).first()
    return (row.on_hand, row.reserved) if row else None


def test_stock_counts_and_receipts(factory, stocked):
    supplier, north, south, a, b = stocked
    user = factory.owner(supplier)
    data = f"sku,warehouse,quantity,reason\nA,North,40,count\nb,{south.id},7,\nB,north,0,\n"
    dry = csv_import.import_stock(user, data.encode(), mode="set", dry_run=True)
    assert dry.ok and (dry.updates, dry.unchanged) == (2, 1) and level(north, a) is None
    done = csv_import.import_stock(user, data.encode(), mode="set", dry_run=False)
    assert done.applied
    assert level(north, a) == (40, 0) and level(south, b) == (7, 0)
    recount = csv_import.import_stock(user, b"sku,warehouse,quantity\nA,North,35\n",
                                      mode="set", dry_run=False)
    assert recount.applied and level(north, a) == (35, 0)
    csv_import.import_stock(user, b"sku,warehouse,quantity\nA,North,5\n", mode="add",
                            dry_run=False)
    assert level(north, a) == (40, 0)
    kinds = [m.kind.value for m in db.session.scalars(
        select(StockMovement).where(StockMovement.product_id == a.id)
        .order_by(StockMovement.id))]
    assert kinds == ["adjustment", "adjustment", "receipt"]


def test_stock_rows_with_problems(factory, stocked):
    supplier, north, _, a, _ = stocked
    user = factory.owner(supplier)
    from wholesale.inventory.ledger import get_or_create_level, move
    from wholesale.inventory.models import MovementKind

    lvl = get_or_create_level(supplier.id, north.id, a.id)
    move(lvl.id, MovementKind.RECEIPT, on_hand=10)
    move(lvl.id, MovementKind.RESERVATION, reserved=6)
    foreign = product(factory.supplier(), sku="F")
    data = ("sku,warehouse,quantity\n"
            "A,North,5\n"         # 2: below reserved
            "ZZZ,North,1\n"       # 3: unknown sku
            "B,Atlantis,1\n"      # 4: unknown warehouse
            "B,North,-1\n"        # 5: negative count
            "B,North,x\n"         # 6: not a number
            "A,north,8\n"         # 7: same sku and warehouse as row 2
            f"{foreign.sku},North,1\n")  # 8: another supplier's product
    report = csv_import.import_stock(user, data.encode(), mode="set", dry_run=False)
    assert errors_of(report) == {(2, "quantity"), (3, "sku"), (4, "warehouse"),
                                 (5, "quantity"), (6, "quantity"), (7, "sku"), (8, "sku")}
    assert level(north, a) == (10, 6)
    with pytest.raises(ValidationFailed):
        csv_import.import_stock(user, b"sku,warehouse,quantity\nA,North,1\n", mode="bogus")


def test_ten_thousand_stock_rows(factory):
    supplier = factory.supplier()
    warehouse = factory.warehouse(supplier, "Main")
    lines = ["sku,name,price"] + [f"S-{i},Item {i},1.00" for i in range(10_000)]
    csv_import.import_products(supplier, "\n".join(lines).encode(), dry_run=False)
    stock_lines = ["sku,warehouse,quantity"] + [f"S-{i},Main,{i % 90 + 1}"
                                                for i in range(10_000)]
    with statements() as run:
        report = csv_import.import_stock(factory.owner(supplier),
                                         "\n".join(stock_lines).encode(), mode="set",
                                         dry_run=False)
    assert report.ok and report.updates == 10_000
    assert db.session.scalar(select(func.count(StockMovement.id)).where(
        StockMovement.warehouse_id == warehouse.id)) == 10_000
    # The arrivals' backorder check had been two queries a row (40 s on PostgreSQL).
    assert len(run) < 100, len(run)


# -- API and CLI -----------------------------------------------------------------------------


def test_import_api_dry_run_and_apply(api_as, factory):
    supplier = factory.supplier()
    client = api_as(factory.owner(supplier))
    supplier_id = supplier.id
    commit()
    bad = "sku,name,price\nA,Apples,x\nB,,1\n"
    dry = client.post("/api/v1/products/import", data=bad,
                      headers={"Content-Type": "text/csv"})
    assert dry.status_code == 200 and dry.json["ok"] is False
    assert [(e["row"], e["column"]) for e in dry.json["errors"]] == [(2, "price"), (3, "name")]
    applied = client.post("/api/v1/products/import?dry_run=false", data=bad,
                          headers={"Content-Type": "text/csv"})
    assert_error(applied, 422, "validation_error", ("rows.2.price", "rows.3.name"))
    good = client.post("/api/v1/products/import?dry_run=false",
                       data={"file": (__import__("io").BytesIO(GOOD.encode()), "p.csv")},
                       content_type="multipart/form-data")
    assert good.status_code == 200 and good.json["applied"] is True
    assert count(supplier_id) == 2
    assert_error(client.post("/api/v1/products/import", data=b"",
                             headers={"Content-Type": "text/csv"}), 422, fields=("file",))
    assert_error(client.post("/api/v1/products/import", json={"x": 1}), 422,
                 fields=("file",))


def test_cli_import_products(app, factory, tmp_path):
    from wholesale.catalog.cli import register_cli

    register_cli(app)
    supplier = factory.supplier()
    email, supplier_id = factory.owner(supplier).email, supplier.id
    commit()
    path = tmp_path / "products.csv"
    path.write_text(GOOD)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-products", str(path), "--supplier-email", email,
                              "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 2 would be created" in dry.output and count(supplier_id) == 0
    path.write_text("sku,name,price\nA,Apples,x\n")
    bad = runner.invoke(args=["import-products", str(path), "--supplier-email", email])
    assert bad.exit_code != 0 and "row 2, column price" in bad.output
    path.write_text(GOOD)
    done = runner.invoke(args=["import-products", str(path), "--supplier-email", email])
    assert done.exit_code == 0, done.output
    assert "Imported: 2 new" in done.output and count(supplier_id) == 2
    exported = runner.invoke(args=["export-products", "--supplier-email", email])
    assert "TOM-1" in exported.output
