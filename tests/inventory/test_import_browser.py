"""The CSV import page in a real browser: upload with progress, the dry run lists every bad
row, then the good file is imported all at once."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.catalog.util import product
from tests.conftest import save_screenshot
from tests.factories import PASSWORD
from wholesale.catalog.models import Product
from wholesale.extensions import db

BAD = "sku,name,price\nA-1,Apples,abc\nA-2,,1.00\na-1,Again,2.00\n"
GOOD = "sku,name,price,category,price_breaks\nA-1,Apples,1.20,Produce,10:1.00\nKEEP,Kept,3.30,,\n"


def test_import_page_dry_run_then_import(page, live_db, tmp_path):
    supplier = live_db.supplier()
    live_db.warehouse(supplier)
    product(supplier, sku="KEEP", name="Old name", price="1.00")
    owner = live_db.owner(supplier)
    email, supplier_id = owner.email, supplier.id
    db.session.commit()

    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/inventory/import")

    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    page.set_input_files("#import-file", str(bad))
    page.click("[data-check]")
    page.wait_for_selector("[data-result] .alert--error")
    result = page.inner_text("[data-result]")
    assert "3 problems" in result and "This SKU is also on row 2" in result
    assert page.is_hidden("[data-apply]")

    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    page.set_input_files("#import-file", str(good))
    page.click("[data-check]")
    page.wait_for_selector("[data-apply]:not([hidden])")
    assert "1 new and 1 updated" in page.inner_text("[data-result]")
    assert page.get_attribute("[role=progressbar]", "aria-valuenow") == "100"
    save_screenshot(page, "inventory-import-dry-run")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Product.id))
                             .where(Product.supplier_id == supplier_id)) == 1
    db.session.rollback()  # SQLite: our reads take the write lock (BEGIN IMMEDIATE); let go

    page.click("[data-apply]")
    page.wait_for_function(  # a function, not an expression: the page's CSP forbids eval
        "() => document.querySelector('[data-result]').innerText.includes('Imported')"
        " || !!document.querySelector('[data-result] .alert--error')")
    assert "Imported 2 rows" in page.inner_text("[data-result]")
    db.session.expire_all()
    names = dict(db.session.execute(select(Product.sku, Product.name)
                                    .where(Product.supplier_id == supplier_id)).all())
    assert names == {"A-1": "Apples", "KEEP": "Kept"}
