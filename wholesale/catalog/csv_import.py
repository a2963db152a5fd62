"""CSV import of products and stock, and export of products.

Every import is checked in full first — every bad row and why (row number, column,
message) — and only a file without a single error is applied, all or nothing, with bulk
queries (a 10,000-row file takes a few seconds, not one query per row). The file: UTF-8
(a byte-order mark is fine), comma-separated, CRLF or LF line ends, a header row; row 1 is
the header, so row numbers match a spreadsheet's. An empty cell means "not given": the
default for a new product, unchanged for an existing one.

Products are matched by SKU (case-insensitively): a known SKU is updated, a new one created.
Stock rows either set the counted quantity on hand (`mode="set"`, an adjustment in the
ledger) or add received goods (`mode="add"`, a receipt); both go through `ledger.move()`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from wholesale import signals
from wholesale.accounts.models import Organization, User
from wholesale.catalog.fields import (
    BadValue,
    parse_currency,
    parse_money,
    parse_whole,
)
from wholesale.catalog.models import PriceBreak, Product
from wholesale.catalog.schemas import MAX_BREAKS, MAX_QTY, SKU_PATTERN
from wholesale.csv_writer import CSVText
from wholesale.db import utcnow
from wholesale.errors import Forbidden, ValidationFailed
from wholesale.extensions import db
from wholesale.inventory.ledger import Move, move_many
from wholesale.inventory.models import MovementKind, StockLevel
from wholesale.signals import Arrival
from wholesale.sites.models import Warehouse

MAX_ROWS = 50_000
MAX_REPORTED_ERRORS = 1_000
PREVIEW_ROWS = 50
CHUNK = 1_000

PRODUCT_COLUMNS = ("sku", "name", "description", "category", "unit", "price", "currency",
                   "case_size", "min_order_qty", "order_multiple", "price_breaks",
                   "allow_backorder", "reorder_point", "overstock_level", "active")
PRODUCT_REQUIRED = ("sku", "name", "price")
STOCK_COLUMNS = ("sku", "warehouse", "quantity", "reason")
STOCK_REQUIRED = ("sku", "warehouse", "quantity")
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0"}

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found (dry run) or did (applied)."""

    kind: str
    rows: int = 0
    creates: int = 0
    updates: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    columns: list[str] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "rows": self.rows, "creates": self.creates,
            "updates": self.updates, "unchanged": self.unchanged, "ok": self.ok,
            "applied": self.applied, "error_count": self.error_count,
            "errors": [{"row": e.row, "column": e.column, "message": e.message}
                       for e in self.errors],
            "columns": self.columns,
            "preview_columns": list(self.preview[0]) if self.preview else [],
            "preview": [{k: _jsonable(v) for k, v in row.items()} for row in self.preview],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list):
        return "; ".join(f"{b['min_qty']}:{b['price']:.2f}" for b in value)
    return value


class CsvFileError(ValidationFailed):
    """The file itself cannot be read as CSV (not per row): a 422 on `file`."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": [message]}, message)


# -- reading ---------------------------------------------------------------------------------


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if not data.strip():
        raise CsvFileError("The file is empty.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFileError(
            "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.") from None


def read_rows(data: bytes | str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The normalized header and an iterator of (row number, values); raises CsvFileError."""
    text = decode(data)
    if "\x00" in text:
        raise CsvFileError("The file contains binary data; upload a CSV text file.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CsvFileError(f"Row 1 is not valid CSV: {exc}.") from None
    if header is None or not any(cell.strip() for cell in header):
        raise CsvFileError("The file is empty: the first row must name the columns.")
    names = [cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in header]

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise CsvFileError(
                    f"Row {number + 1} is not valid CSV ({exc}); check its quotes.") from None
            number += 1
            if not any(v.strip() for v in values):
                continue
            if number - 1 > MAX_ROWS:
                raise CsvFileError(f"At most {MAX_ROWS:,} rows per file; split it.")
            yield number, values

    return names, rows()


def _check_header(report: ImportReport, names: list[str], known: Sequence[str],
                  required: Sequence[str]) -> bool:
    report.columns = names
    seen: set[str] = set()
    for name in names:
        if not name:
            report.add(1, "", "A column has no name.")
        elif name not in known:
            report.add(1, name, f"Unknown column; the columns are: {', '.join(known)}.")
        elif name in seen:
            report.add(1, name, "This column appears twice.")
        seen.add(name)
    for name in required:
        if name not in seen:
            report.add(1, name, "Required column missing.")
    return report.ok


def _cells(report: ImportReport, number: int, names: list[str],
           values: list[str]) -> dict[str, str] | None:
    if len(values) != len(names):
        report.add(number, "", f"Expected {len(names)} values, found {len(values)}.")
        return None
    return {name: value.strip() for name, value in zip(names, values, strict=True)}


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise BadValue("Use yes or no.")


def parse_breaks(value: str) -> list[dict[str, Any]]:
    """"10:9.50; 50:9.00" → [{"min_qty": 10, "price": 9.50}, …] (increasing quantities)."""
    breaks: list[dict[str, Any]] = []
    for part in value.replace("|", ";").split(";"):
        if not part.strip():
            continue
        qty, sep, price = part.partition(":")
        if not sep:
            raise BadValue('Write breaks as "min_qty:price; min_qty:price", e.g. "10:9.50".')
        try:
            min_qty = parse_whole(qty, minimum=2, maximum=MAX_QTY)
        except BadValue as exc:
            raise BadValue(f"Break quantity {qty.strip()!r}: {exc}") from None
        if breaks and min_qty <= breaks[-1]["min_qty"]:
            raise BadValue("Break quantities must increase.")
        breaks.append({"min_qty": min_qty, "price": parse_money(price)})
    if len(breaks) > MAX_BREAKS:
        raise BadValue(f"At most {MAX_BREAKS} price breaks.")
    return breaks


_PRODUCT_PARSERS: dict[str, Callable[[str], Any]] = {
    "price": parse_money,
    "currency": parse_currency,
    "case_size": lambda v: parse_whole(v, minimum=1, maximum=MAX_QTY),
    "min_order_qty": lambda v: parse_whole(v, minimum=1, maximum=MAX_QTY),
    "order_multiple": lambda v: parse_whole(v, minimum=1, maximum=MAX_QTY),
    "reorder_point": lambda v: parse_whole(v, minimum=0, maximum=MAX_QTY),
    "overstock_level": lambda v: parse_whole(v, minimum=0, maximum=MAX_QTY),
    "allow_backorder": _flag,
    "active": _flag,
    "price_breaks": parse_breaks,
}
_LENGTHS = {"sku": 64, "name": 200, "description": 5000, "category": 100, "unit": 20}


def _parse_product(report: ImportReport, number: int, cells: dict[str, str]
                   ) -> dict[str, Any] | None:
    parsed: dict[str, Any] = {}
    ok = True
    for name, value in cells.items():
        if value == "":
            if name in PRODUCT_REQUIRED:
                report.add(number, name, "Required.")
                ok = False
            continue
        if name in _LENGTHS and len(value) > _LENGTHS[name]:
            report.add(number, name, f"At most {_LENGTHS[name]} characters.")
            ok = False
            continue
        if name == "sku" and not SKU_PATTERN.match(value):
            report.add(number, name, "Use letters, digits and . _ / - only.")
            ok = False
            continue
        try:
            parsed[name] = _PRODUCT_PARSERS[name](value) if name in _PRODUCT_PARSERS else value
        except BadValue as exc:
            report.add(number, name, str(exc))
            ok = False
    return parsed if ok else None


# -- products --------------------------------------------------------------------------------


def _require_supplier(org: Organization) -> None:
    if not org.is_supplier:
        raise Forbidden("Only suppliers import a catalog.")


def import_products(supplier: Organization, data: bytes | str, *, dry_run: bool = True,
                    progress: Progress | None = None) -> ImportReport:
    """Check the file; unless `dry_run` (or any error), create and update the products."""
    _require_supplier(supplier)
    report = ImportReport("products")
    names, rows = read_rows(data)
    if not _check_header(report, names, PRODUCT_COLUMNS, PRODUCT_REQUIRED):
        return report
    existing = dict(db.session.execute(
        select(func.lower(Product.sku), Product.id).where(Product.supplier_id == supplier.id)
        .execution_options(all_tenants=True)).all())
    seen: dict[str, int] = {}
    parsed_rows: list[dict[str, Any]] = []
    for number, values in rows:
        report.rows += 1
        if progress and report.rows % 500 == 0:
            progress(500)
        cells = _cells(report, number, names, values)
        if cells is None:
            continue
        key = cells["sku"].lower()
        if key and key in seen:
            report.add(number, "sku", f"This SKU is also on row {seen[key]}.")
            continue
        seen.setdefault(key, number)
        parsed = _parse_product(report, number, cells)
        if parsed is None:
            continue
        parsed["_id"] = existing.get(key)
        if parsed["_id"] is None:
            report.creates += 1
        else:
            report.updates += 1
        parsed_rows.append(parsed)
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append({"row": number, "action": "update" if parsed["_id"]
                                   else "create", **{k: v for k, v in parsed.items()
                                                     if k != "_id"}})
    if progress:
        progress(report.rows % 500)
    if report.rows == 0:
        report.add(2, "", "The file has a header but no rows.")
    if dry_run or not report.ok:
        return report
    _apply_products(supplier, parsed_rows, progress)
    report.applied = True
    return report


_DEFAULTS: dict[str, Any] = {"description": "", "category": "", "unit": "each",
                             "currency": "USD", "case_size": 1, "min_order_qty": 1,
                             "order_multiple": 1, "allow_backorder": False, "reorder_point": 0,
                             "overstock_level": None}


def _columns_of(row: dict[str, Any], now: Any) -> dict[str, Any]:
    values = {k: v for k, v in row.items() if k in _DEFAULTS or k in ("sku", "name", "price")}
    if "active" in row:
        values["archived_at"] = None if row["active"] else now
    values["updated_at"] = now
    return values


def _apply_products(supplier: Organization, rows: list[dict[str, Any]],
                    progress: Progress | None) -> None:
    now = utcnow()
    new = [r for r in rows if r["_id"] is None]
    old = [r for r in rows if r["_id"] is not None]
    for start in range(0, len(new), CHUNK):
        chunk = new[start:start + CHUNK]
        params = [{**_DEFAULTS, "archived_at": None, **_columns_of(r, now),
                   "supplier_id": supplier.id, "created_at": now} for r in chunk]
        # A plain executemany (no RETURNING) is several times faster on PostgreSQL.
        db.session.execute(insert(Product.__table__), params)
        if progress:
            progress(len(chunk))
    if new:
        ids = dict(db.session.execute(
            select(func.lower(Product.sku), Product.id).where(Product.supplier_id == supplier.id)
            .execution_options(all_tenants=True)).all())
        for row in new:
            row["_id"] = ids[row["sku"].lower()]
    # Existing products: ORM bulk UPDATE by primary key (grouped by the columns given).
    for start in range(0, len(old), CHUNK):
        chunk = old[start:start + CHUNK]
        db.session.execute(update(Product), [{"id": r["_id"], **_columns_of(r, now)}
                                             for r in chunk])
        if progress:
            progress(len(chunk))
    with_breaks = [r for r in rows if "price_breaks" in r]
    for start in range(0, len(with_breaks), CHUNK):
        chunk = with_breaks[start:start + CHUNK]
        db.session.execute(delete(PriceBreak.__table__).where(
            PriceBreak.__table__.c.product_id.in_([r["_id"] for r in chunk])))
        breaks = [{"product_id": r["_id"], "min_qty": b["min_qty"], "price": b["price"]}
                  for r in chunk for b in r["price_breaks"]]
        if breaks:
            db.session.execute(insert(PriceBreak.__table__), breaks)
    db.session.expire_all()


# -- stock -----------------------------------------------------------------------------------


def import_stock(user: User, data: bytes | str, *, mode: str = "set", dry_run: bool = True,
                 progress: Progress | None = None) -> ImportReport:
    """Stock counts (`set`: quantity is the new on-hand count) or receipts (`add`)."""
    supplier = user.organization
    _require_supplier(supplier)
    if mode not in ("set", "add"):
        raise ValidationFailed.one("mode", "Choose set (a stock count) or add (goods received).")
    report = ImportReport("stock")
    names, rows = read_rows(data)
    if not _check_header(report, names, STOCK_COLUMNS, STOCK_REQUIRED):
        return report
    products = dict(db.session.execute(
        select(func.lower(Product.sku), Product.id).where(Product.supplier_id == supplier.id)
        .execution_options(all_tenants=True)).all())
    warehouses: dict[str, int] = {}
    for wid, wname in db.session.execute(
            select(Warehouse.id, Warehouse.name).where(Warehouse.supplier_id == supplier.id)
            .execution_options(all_tenants=True)):
        warehouses[wname.strip().lower()] = wid
        warehouses[str(wid)] = wid
    levels = {(w, p): (lid, on_hand, reserved) for lid, w, p, on_hand, reserved in
              db.session.execute(
                  select(StockLevel.id, StockLevel.warehouse_id, StockLevel.product_id,
                         StockLevel.on_hand, StockLevel.reserved)
                  .where(StockLevel.supplier_id == supplier.id)
                  .execution_options(all_tenants=True))}
    seen: dict[tuple[int, int], int] = {}
    changes: list[dict[str, Any]] = []
    for number, values in rows:
        report.rows += 1
        if progress and report.rows % 500 == 0:
            progress(500)
        cells = _cells(report, number, names, values)
        if cells is None:
            continue
        change = _parse_stock_row(report, number, cells, products, warehouses, mode)
        if change is None:
            continue
        key = (change["warehouse_id"], change["product_id"])
        if key in seen:
            report.add(number, "sku", f"This SKU and warehouse are also on row {seen[key]}.")
            continue
        seen[key] = number
        _, on_hand, reserved = levels.get(key, (None, 0, 0))
        delta = change["quantity"] - on_hand if mode == "set" else change["quantity"]
        if on_hand + delta < reserved:
            report.add(number, "quantity",
                       f"{reserved} are reserved for orders; the count cannot be lower.")
            continue
        change.update(delta=delta, on_hand=on_hand, number=number)
        if delta == 0:
            report.unchanged += 1
        else:
            report.updates += 1
            changes.append(change)
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append({"row": number, "sku": cells["sku"],
                                   "warehouse": cells["warehouse"], "on_hand": on_hand,
                                   "change": delta, "new_on_hand": on_hand + delta})
    if progress:
        progress(report.rows % 500)
    if report.rows == 0:
        report.add(2, "", "The file has a header but no rows.")
    if dry_run or not report.ok:
        return report
    _apply_stock(user, changes, levels, mode, progress)
    report.applied = True
    return report


def _parse_stock_row(report: ImportReport, number: int, cells: dict[str, str],
                     products: dict[str, int], warehouses: dict[str, int], mode: str
                     ) -> dict[str, Any] | None:
    ok = True
    product_id = products.get(cells["sku"].lower())
    if not cells["sku"]:
        report.add(number, "sku", "Required.")
        ok = False
    elif product_id is None:
        report.add(number, "sku", "No product with this SKU in your catalog.")
        ok = False
    warehouse_id = warehouses.get(cells["warehouse"].lower())
    if not cells["warehouse"]:
        report.add(number, "warehouse", "Required.")
        ok = False
    elif warehouse_id is None:
        report.add(number, "warehouse", "No warehouse of yours has this name or id.")
        ok = False
    try:
        quantity = parse_whole(cells["quantity"], minimum=0 if mode == "set" else 1,
                               maximum=MAX_QTY)
    except BadValue as exc:
        report.add(number, "quantity", "Required." if not cells["quantity"] else str(exc))
        ok = False
    reason = cells.get("reason", "")
    if len(reason) > 500:
        report.add(number, "reason", "At most 500 characters.")
        ok = False
    if not ok:
        return None
    return {"product_id": product_id, "warehouse_id": warehouse_id, "quantity": quantity,
            "reason": reason}


def _apply_stock(user: User, changes: list[dict[str, Any]],
                 levels: dict[tuple[int, int], tuple[int, int, int]], mode: str,
                 progress: Progress | None) -> None:
    supplier = user.organization
    missing = [c for c in changes if (c["warehouse_id"], c["product_id"]) not in levels]
    for start in range(0, len(missing), CHUNK):
        db.session.execute(insert(StockLevel.__table__), [
            {"supplier_id": supplier.id, "warehouse_id": c["warehouse_id"],
             "product_id": c["product_id"], "on_hand": 0, "reserved": 0, "bin_location": "",
             "updated_at": utcnow()} for c in missing[start:start + CHUNK]])
    if missing:
        for lid, w, p in db.session.execute(
                select(StockLevel.id, StockLevel.warehouse_id, StockLevel.product_id)
                .where(StockLevel.supplier_id == supplier.id)
                .execution_options(all_tenants=True)):
            levels.setdefault((w, p), (lid, 0, 0))
    default_reason = "Stock count (CSV import)" if mode == "set" else "Goods received (CSV import)"
    kind = MovementKind.ADJUSTMENT if mode == "set" else MovementKind.RECEIPT
    # One call: move_many locks every level in ascending id order (no deadlocks).
    move_many([Move(levels[(c["warehouse_id"], c["product_id"])][0], on_hand=c["delta"],
                    reason=c["reason"] or default_reason) for c in changes],
              kind, user_id=user.id)
    if progress:
        progress(len(changes))
    # Receipts, and counts that found more than was on hand: one announcement for the file.
    arrivals = [Arrival(c["product_id"], c["warehouse_id"], c["delta"])
                for c in changes if c["delta"] > 0]
    if arrivals:
        signals.stock_received.send(supplier, arrivals=arrivals)


# -- export ----------------------------------------------------------------------------------


def export_products(supplier: Organization, include_archived: bool = True) -> str:
    """The supplier's products as CSV text (the same columns the import reads)."""
    _require_supplier(supplier)
    out = CSVText()
    out.row(PRODUCT_COLUMNS)
    p = Product.__table__.c
    stmt = select(p.id, p.sku, p.name, p.description, p.category, p.unit, p.price, p.currency,
                  p.case_size, p.min_order_qty, p.order_multiple, p.allow_backorder,
                  p.reorder_point, p.overstock_level, p.archived_at
                  ).where(p.supplier_id == supplier.id).order_by(p.sku)
    if not include_archived:
        stmt = stmt.where(p.archived_at.is_(None))
    breaks: dict[int, list[str]] = {}
    for pid, qty, price in db.session.execute(
            select(PriceBreak.product_id, PriceBreak.min_qty, PriceBreak.price)
            .join(Product, Product.id == PriceBreak.product_id)
            .where(Product.supplier_id == supplier.id)
            .order_by(PriceBreak.product_id, PriceBreak.min_qty)):
        breaks.setdefault(pid, []).append(f"{qty}:{price:.2f}")
    for row in db.session.execute(stmt):
        out.row([
            row.sku, row.name, row.description, row.category, row.unit, f"{row.price:.2f}",
            row.currency, row.case_size, row.min_order_qty, row.order_multiple,
            "; ".join(breaks.get(row.id, [])), "yes" if row.allow_backorder else "no",
            row.reorder_point, "" if row.overstock_level is None else row.overstock_level,
            "yes" if row.archived_at is None else "no",
        ])
    return out.take()
