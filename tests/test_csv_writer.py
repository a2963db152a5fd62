"""Every CSV export writes through wholesale/csv_writer.py, so no cell opens as a formula in a
spreadsheet (CSV injection), while plain numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.catalog.util import commit, product
from tests.factories import PASSWORD
from wholesale.csv_writer import CSVText, safe_cell

ROOT = Path(__file__).resolve().parent.parent
FORMULAS = ['=HYPERLINK("http://evil.test","click")', "+1+cmd|' /C calc'!A0", "-2+3",
            "@SUM(A1:A2)", "\t=1", "\r=1", "-", "=", "-1e5"]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_cell_that_would_run_as_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-5, 0, 12, Decimal("-12.50"), 1.5, "-12.50", "+3", "-7",
                                   "12.50", "plain text", "a=b", "", "2025-03-04"])
def test_numbers_and_ordinary_text_are_left_alone(value):
    assert safe_cell(value) == value


def test_none_is_an_empty_cell_and_rows_stream_in_pieces():
    out = CSVText()
    out.row(("a", None, "=1"))
    assert out.take() == "a,,'=1\r\n"
    out.row((-3, "x"))
    assert out.take() == "-3,x\r\n" and out.take() == ""


def test_no_export_writes_csv_except_through_the_writer():
    """A new export that used csv.writer itself would skip the protection."""
    offenders = []
    for folder in ("wholesale", "messaging"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "csv_writer.py":
                continue
            if re.search(r"csv\.(writer|DictWriter)\(", path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_the_catalog_export_neutralises_formulas(app, factory):
    supplier = factory.supplier("Golden Gate")
    email = factory.owner(supplier).email
    product(supplier, sku="EVIL-1", name='=HYPERLINK("http://evil.test","Click")',
            category="@SUM(1)", description="-2+3", price="12.50")
    commit()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    response = client.get("/catalog/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == '\'=HYPERLINK("http://evil.test","Click")'
    assert row["category"] == "'@SUM(1)" and row["description"] == "'-2+3"
    assert row["price"] == "12.50" and row["sku"] == "EVIL-1"
