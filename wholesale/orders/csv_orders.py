"""Orders from a CSV file: a dry run listing every bad row and why, then all or nothing.

The file (UTF-8, comma or semicolon separated, a header row) has one row per order line:

    order_ref,supplier,sku,quantity,delivery_date,location,po_number,notes
    A-1,Golden Gate Provisions,OIL-5L,4,2025-03-05,Bistro Verde — Mission,PO-881,

- `order_ref` groups rows into orders (any text; rows of one order need not be adjacent).
- `supplier` (buyers upload) / `buyer` (a supplier uploading for its customers): the
  organization's id or exact name (case-insensitive).
- `sku` of the supplier's product, `quantity` a whole number, `delivery_date` YYYY-MM-DD,
  `location` the buyer's delivery location by id or name; `po_number` and `notes` optional.
  Delivery date, location, PO number and notes must be the same on every row of an order.
- Other columns are ignored (so an export can be edited and imported again).

Every order goes through `place_order()` (channel `csv`) inside one savepoint: the dry run
rolls it back, and a real import with any error rolls everything back too. The idempotency
key of each order is the file's sha256 plus its `order_ref`, so importing the same file twice
places its orders once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from wholesale import signals
from wholesale.accounts.models import Organization, OrgKind, User
from wholesale.catalog.models import Product
from wholesale.errors import DomainError, NotFound
from wholesale.extensions import db
from wholesale.orders.models import Channel, Order
from wholesale.orders.placement import place_order
from wholesale.sites.models import DeliveryLocation
from wholesale.tenancy import as_tenant
from wholesale.trading.models import TradingRelationship

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
BASE_COLUMNS = ("order_ref", "sku", "quantity", "delivery_date", "location")
OPTIONAL_COLUMNS = ("po_number", "notes")
GROUP_FIELDS = ("delivery_date", "location", "po_number", "notes")


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file (the header is line 1); 0: the file as a whole
    column: str
    message: str


@dataclass
class PlannedOrder:
    ref: str
    first_row: int
    supplier: Organization | None = None
    buyer: Organization | None = None
    rows: list[int] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    delivery_date: date | None = None
    location_id: int | None = None
    location_name: str = ""
    po_number: str = ""
    notes: str = ""
    party_column: str = "supplier"
    group_values: dict[str, str] = field(default_factory=dict)  # as on the first row
    # Filled in by the run:
    order: Order | None = None
    already_placed: bool = False
    subtotal: Decimal | None = None
    currency: str = "USD"
    backordered: int = 0


@dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0
    orders: list[PlannedOrder] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.orders)

    @property
    def placed(self) -> list[Order]:
        return [p.order for p in self.orders if p.order is not None]


def file_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_orders(user: User, data: bytes, *, dry_run: bool) -> ImportResult:
    """Check (dry run) or place every order in the file; a real import places all or none."""
    result = ImportResult(dry_run=dry_run)
    rows = _read(data, result)
    if rows is None:
        return result
    if not rows and not result.errors:
        result.errors.append(RowError(0, "", "The file has no order lines."))
    planned = _plan(user, rows, result) if rows else []
    if result.errors or not planned:
        return result
    result.orders = planned
    key_base = file_key(data)
    savepoint = db.session.begin_nested()
    try:
        for plan in planned:
            _place(user, plan, key_base, result)
    finally:
        if dry_run or result.errors:
            savepoint.rollback()
            for plan in planned:  # what the savepoint made is gone; earlier orders are not
                if not plan.already_placed:
                    plan.order = None
        else:
            savepoint.commit()
    if not dry_run and not result.errors:
        for plan in planned:
            if plan.order is not None and not plan.already_placed:
                signals.order_placed.send(plan.order.supplier, order=plan.order)
    return result


# -- reading ---------------------------------------------------------------------------------


def _read(data: bytes, result: ImportResult) -> list[tuple[int, dict[str, str]]] | None:
    """(line number, {column: value}) per data row, or None with the file's errors."""
    def fail(message: str) -> None:
        result.errors.append(RowError(0, "", message))

    if not data.strip():
        fail("The file is empty.")
        return None
    if len(data) > MAX_BYTES:
        fail(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”.")
        return None
    if "\x00" in text:
        fail("The file is not a CSV file (it contains binary data).")
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        fail(f"The header row can't be read: {exc}.")
        return None
    columns = [_column(name) for name in header]
    duplicates = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicates:
        fail(f"Columns appear twice: {', '.join(duplicates)}.")
        return None
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                fail(f"The file has more than {MAX_ROWS:,} rows; split it.")
                return None
            if len(values) > len(columns):
                result.errors.append(RowError(
                    line, "", f"Has {len(values)} fields but the header has {len(columns)} "
                              "(a comma inside a value? Put the value in double quotes)."))
                continue
            rows.append((line, {c: v.strip() for c, v in zip(columns, values, strict=False)
                                if c}))
    except csv.Error as exc:
        fail(f"Line {reader.line_num} can't be read: {exc}.")
        return None
    result.rows = len(rows)
    return rows


def _column(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


# -- planning (resolving names, grouping, per-row checks) ------------------------------------


def _plan(user: User, rows: list[tuple[int, dict[str, str]]],
          result: ImportResult) -> list[PlannedOrder]:
    org = user.organization
    party_column = "buyer" if org.kind is OrgKind.SUPPLIER else "supplier"
    present = set().union(*(row.keys() for _, row in rows)) if rows else set()
    missing = [c for c in (*BASE_COLUMNS, party_column) if c not in present]
    if missing:
        result.errors.append(RowError(0, "", "Missing columns: " + ", ".join(missing) + "."))
        return []
    with as_tenant(None):
        partners = _partners(org)
        products = _products_by_sku(rows, org, partners, party_column)
        locations: dict[int, list[DeliveryLocation]] = {}
        plans: dict[str, PlannedOrder] = {}
        for line, row in rows:
            _plan_row(org, party_column, line, row, partners, products, locations, plans,
                      result.errors)
    return list(plans.values())


def _plan_row(org: Organization, party_column: str, line: int, row: dict[str, str],
              partners: list[Organization], products: dict[tuple[int, str], Product],
              locations: dict[int, list[DeliveryLocation]], plans: dict[str, PlannedOrder],
              errors: list[RowError]) -> None:
    def error(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    ref = row.get("order_ref", "")
    if not ref:
        error("order_ref", "Give every row an order_ref (rows with the same one form one "
                           "order).")
        return
    partner = _find_partner(partners, row.get(party_column, ""))
    if partner is None:
        error(party_column, f"“{row.get(party_column, '')}” is not one of your "
                            f"{'customers' if party_column == 'buyer' else 'suppliers'} "
                            "(use its exact name or id).")
        return
    supplier, buyer = (org, partner) if party_column == "buyer" else (partner, org)
    plan = plans.get(ref)
    if plan is None:
        plan = plans[ref] = PlannedOrder(ref, line, supplier, buyer, party_column=party_column)
        plan.group_values = {name: row.get(name, "") for name in GROUP_FIELDS}
        _group_fields(plan, row, buyer, locations, error)
    else:
        if (plan.supplier, plan.buyer) != (supplier, buyer):
            error(party_column, f"Order {ref} started on row {plan.first_row} with "
                                "another organization.")
            return
        for name in GROUP_FIELDS:
            if row.get(name, "") != plan.group_values[name]:
                error(name, f"Differs from row {plan.first_row}: every row of order {ref} "
                            f"needs the same {name.replace('_', ' ')}.")
    sku = row.get("sku", "")
    product = products.get((supplier.id, sku)) or products.get((supplier.id, sku.lower()))
    quantity = _quantity(row.get("quantity", ""))
    if not sku or product is None:
        error("sku", f"No product “{sku}” in {supplier.name}'s catalog.")
    if quantity is None:
        error("quantity", "Must be a whole number of at least 1.")
    if product is not None and quantity is not None:
        plan.rows.append(line)
        plan.lines.append({"product_id": product.id, "quantity": quantity})
        plan.skus.append(product.sku)


def _group_fields(plan: PlannedOrder, row: dict[str, str], buyer: Organization,
                  locations: dict[int, list[DeliveryLocation]], error: Any) -> None:
    raw_date = row.get("delivery_date", "")
    try:
        plan.delivery_date = date.fromisoformat(raw_date)
    except ValueError:
        error("delivery_date", f"“{raw_date}” is not a date like 2025-03-04.")
    plan.location_name = row.get("location", "")
    if buyer.id not in locations:
        locations[buyer.id] = list(db.session.scalars(
            select(DeliveryLocation).where(DeliveryLocation.buyer_id == buyer.id)))
    found = _find_named(locations[buyer.id], plan.location_name)
    if found is None:
        error("location", f"“{plan.location_name}” is not one of {buyer.name}'s delivery "
                          "locations (use its exact name or id).")
    else:
        plan.location_id = found.id
    plan.po_number = row.get("po_number", "")
    plan.notes = row.get("notes", "")


def _quantity(text: str) -> int | None:
    text = text.strip()
    if text.isascii() and text.isdigit() and 0 < len(text) <= 9 and int(text) > 0:
        return int(text)
    return None


def _partners(org: Organization) -> list[Organization]:
    rel = TradingRelationship
    mine, theirs = ((rel.supplier_id, rel.buyer_id) if org.kind is OrgKind.SUPPLIER
                    else (rel.buyer_id, rel.supplier_id))
    stmt = select(Organization).join(rel, theirs == Organization.id).where(mine == org.id)
    return list(db.session.scalars(stmt))


def _find_partner(partners: list[Organization], value: str) -> Organization | None:
    return _find_named(partners, value)


def _find_named(items: Iterable[Any], value: str) -> Any | None:
    """By id (digits) or by exact, case-insensitive name; None if absent or ambiguous."""
    value = value.strip()
    if not value:
        return None
    items = list(items)
    if value.isdigit():
        by_id = [i for i in items if str(i.id) == value]
        if by_id:
            return by_id[0]
    named = [i for i in items if i.name.strip().casefold() == value.casefold()]
    return named[0] if len(named) == 1 else None


def _products_by_sku(rows: list[tuple[int, dict[str, str]]], org: Organization,
                     partners: list[Organization], party_column: str
                     ) -> dict[tuple[int, str], Product]:
    """The products the file names, by (supplier id, sku) and (supplier id, sku lowered)."""
    supplier_ids = [org.id] if party_column == "buyer" else [p.id for p in partners]
    skus = {row.get("sku", "") for _, row in rows} - {""}
    if not supplier_ids or not skus:
        return {}
    lowered = {sku.lower() for sku in skus}
    stmt = select(Product).where(Product.supplier_id.in_(supplier_ids),
                                 func.lower(Product.sku).in_(lowered))
    found: dict[tuple[int, str], Product] = {}
    for product in db.session.scalars(stmt):
        found[(product.supplier_id, product.sku)] = product
        found.setdefault((product.supplier_id, product.sku.lower()), product)
    return found


# -- placing -----------------------------------------------------------------------------------


def _place(user: User, plan: PlannedOrder, key_base: str, result: ImportResult) -> None:
    assert plan.supplier is not None and plan.buyer is not None
    try:
        with db.session.begin_nested():
            placed = place_order(
                actor=user, buyer=plan.buyer, supplier_id=plan.supplier.id, lines=plan.lines,
                requested_delivery_date=plan.delivery_date,
                delivery_location_id=plan.location_id, notes=plan.notes,
                contacts=[], po_number=plan.po_number, channel=Channel.CSV,
                idempotency_key=f"csv:{key_base}:{plan.ref}"[:255], announce=False,
            )
    except DomainError as exc:
        result.errors.extend(_row_errors(plan, exc))
        return
    plan.order = placed.order
    plan.already_placed = not placed.created
    plan.subtotal = placed.order.subtotal + sum(
        (b.subtotal for b in placed.order.backorders), Decimal("0"))
    plan.currency = placed.order.currency
    plan.backordered = sum(line.quantity for b in placed.order.backorders for line in b.lines)


def _row_errors(plan: PlannedOrder, exc: DomainError) -> list[RowError]:
    """A placement error, on the rows and columns of the file it is about."""
    if isinstance(exc, NotFound):
        return [RowError(plan.first_row, plan.party_column, exc.message)]
    if not exc.fields:
        return [RowError(plan.first_row, "", f"Order {plan.ref}: {exc.message}")]
    errors = []
    columns = {"requested_delivery_date": "delivery_date",
               "delivery_location_id": "location", "po_number": "po_number", "notes": "notes"}
    for path, messages in exc.fields.items():
        parts = path.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() \
                and int(parts[1]) < len(plan.rows):
            row = plan.rows[int(parts[1])]
            column = "quantity" if parts[2] == "quantity" else "sku"
        else:
            row, column = plan.first_row, columns.get(parts[0], "")
        for message in messages:
            prefix = f"Order {plan.ref}: " if parts[0] == "lines" and len(parts) == 1 else ""
            errors.append(RowError(row, column, prefix + message))
    return errors


# -- keeping an upload between the preview and the import ------------------------------------


def stash(directory: str, user: User, data: bytes) -> str:
    """Keep the uploaded file for the import that follows its preview; returns its token.
    Files are per person and are removed after a day."""
    os.makedirs(directory, exist_ok=True)
    cutoff = time.time() - 24 * 3600
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if os.path.getmtime(path) < cutoff:
            os.remove(path)
    token = secrets.token_urlsafe(16)
    with open(os.path.join(directory, f"{user.id}-{token}.csv"), "wb") as handle:
        handle.write(data)
    return token


def unstash(directory: str, user: User, token: str) -> bytes | None:
    """The stashed file of this person, or None (unknown, expired or someone else's)."""
    if not token or not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return None
    path = os.path.join(directory, f"{user.id}-{token}.csv")
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        return handle.read()


def discard(directory: str, user: User, token: str) -> None:
    if unstash(directory, user, token) is not None:
        os.remove(os.path.join(directory, f"{user.id}-{token}.csv"))
