"""`flask --app app seed-scale --orders N`: a database the size of a busy distributor's, for
timing pages (bench/pages.py) — not demo data.

What it writes, for N orders (the figures scale with N where it makes sense):
- `--suppliers` suppliers (default 3); the first, "Scale Provisions", is the one the pages
  are timed for: it has 3 warehouses, `--skus` products (default 20,000) with stock in each
  warehouse, and 80 % of the orders; the others have 500 products and one warehouse.
- `--buyers` buyer organizations (default 400), each trading with every supplier, with two
  users and a delivery location; each supplier has five staff.
- the orders over the last two years, most delivered; the last weeks' still open (placed,
  received, picking, packed, shipped; some expedited, some cancelled), 1–5 lines each with
  their allocations, numbered per supplier.
- per order its chat thread with the `order_placed` event and, for one in four, 1–4
  messages from both sides (read states for each side's first user: all but some of the
  last week).

Rows go in with PostgreSQL's COPY (ids assigned here, sequences moved past them after), or
batched INSERTs on SQLite, in chunks, with a progress line per table. The password of every
user is `scale-password` (`owner@supplier-1.scale.test`, `owner@buyer-1.scale.test`, …).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import Table, func, insert, select, text
from werkzeug.security import generate_password_hash

from wholesale.db import Base
from wholesale.extensions import db

PASSWORD = "scale-password"
CHUNK = 5000  # rows per INSERT (SQLite)
ORDER_CHUNK = 20_000  # orders generated, then written, at a time
OPEN_STATUSES = ("placed", "received", "picking", "packed", "shipped")
WORDS = ("romaine", "lemons", "basil", "shallots", "olive oil", "parmesan", "flour", "butter",
         "cream", "eggs", "tomatoes", "onions", "garlic", "limes", "cilantro", "rice", "salmon",
         "chicken thighs", "mozzarella", "arugula", "potatoes", "carrots", "celery", "thyme")
CATEGORIES = ("Produce", "Dairy", "Dry goods", "Meat", "Seafood", "Herbs", "Oils")
CHAT = ("Can you deliver before 9?", "Driver is at the back door.",
        "We're short one case of lemons, sending tomorrow.", "Thanks!",
        "Please add a note for the receiving team.", "Is the basil fresh this week?",
        "Invoice attached to the order.", "Running 20 minutes late.")


class _Writer:
    """Rows into tables: COPY on PostgreSQL, chunked INSERTs elsewhere; ids given here."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.postgres = db.engine.dialect.name == "postgresql"
        self.echo = echo
        self.tables: dict[str, Table] = Base.metadata.tables  # type: ignore[assignment]

    def next_id(self, table: str) -> int:
        t = self.tables[table]
        return (db.session.execute(select(func.max(t.c.id))).scalar() or 0) + 1

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
              total: int | None = None, quiet: bool = False) -> int:
        began, count = time.monotonic(), 0
        label = f"{table}: "
        extra = self._defaults(table, columns)
        if extra:  # COPY does not apply the model's Python-side defaults: give them here
            columns = (*columns, *extra)
            rows = (tuple(row) + tuple(extra.values()) for row in rows)
        if self.postgres:
            raw = db.session.connection().connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
                    if count % 100_000 == 0 and not quiet:
                        self._progress(label, count, total, began)
        else:
            t = self.tables[table]
            batch: list[dict[str, Any]] = []
            for row in rows:
                batch.append(dict(zip(columns, row, strict=True)))
                count += 1
                if len(batch) >= CHUNK:
                    db.session.execute(insert(t), batch)
                    batch = []
                    if count % 100_000 == 0 and not quiet:
                        self._progress(label, count, total, began)
            if batch:
                db.session.execute(insert(t), batch)
        if not quiet:
            self.echo(f"  {label}{count:,} rows in {time.monotonic() - began:.1f}s")
        return count

    def _defaults(self, table: str, columns: Sequence[str]) -> dict[str, Any]:
        """The model's defaults of the columns not given (evaluated once per write)."""
        found: dict[str, Any] = {}
        for column in self.tables[table].columns:
            default = column.default
            if column.name in columns or default is None or column.primary_key:
                continue
            if getattr(default, "is_scalar", False):
                found[column.name] = default.arg  # type: ignore[attr-defined]
            elif getattr(default, "is_callable", False):
                found[column.name] = default.arg(None)  # type: ignore[attr-defined]
        return found

    def _progress(self, label: str, count: int, total: int | None, began: float) -> None:
        rate = count / max(time.monotonic() - began, 1e-6)
        of = f" of ~{total:,}" if total else ""
        self.echo(f"  {label}{count:,}{of} ({rate:,.0f}/s)")

    def reset_sequences(self) -> None:
        if not self.postgres:
            return
        for name, table in self.tables.items():
            if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"GREATEST((SELECT max(id) FROM {name}), 1))"))


def seed_scale(orders: int, *, suppliers: int = 3, buyers: int = 400, skus: int = 20_000,
               seed: int = 17, echo: Callable[[str], None] = print) -> dict[str, int]:
    """Write the data set (see the module docstring) and commit; returns row counts."""
    rng = random.Random(seed)
    w = _Writer(echo)
    now = datetime.now(UTC).replace(microsecond=0)
    password = generate_password_hash(PASSWORD)
    counts: dict[str, int] = {}

    # -- organizations, people, places ----------------------------------------------------
    org_id = w.next_id("organizations")
    supplier_ids = list(range(org_id, org_id + suppliers))
    buyer_ids = list(range(org_id + suppliers, org_id + suppliers + buyers))
    tag = org_id  # keeps names and emails unique when run twice
    counts["organizations"] = w.write("organizations", ("id", "kind", "name", "created_at"), [
        *((sid, "supplier", "Scale Provisions" if i == 0 else f"Scale Supplier {i + 1}", now)
          for i, sid in enumerate(supplier_ids)),
        *((bid, "buyer", f"Bistro {i + 1:04d}", now) for i, bid in enumerate(buyer_ids))])
    user_id = w.next_id("users")
    users: list[tuple[Any, ...]] = []
    staff: dict[int, list[int]] = {}
    for kind, ids, per in (("supplier", supplier_ids, 5), ("buyer", buyer_ids, 2)):
        for i, org in enumerate(ids):
            for n in range(per):
                role = "owner" if n == 0 else "staff"
                who = "owner" if n == 0 else f"staff{n}"
                email = f"{who}@{kind}-{i + 1}.s{tag}.scale.test"
                users.append((user_id, org, email, f"{who.title()} {kind} {i + 1}", role,
                              password, now))
                staff.setdefault(org, []).append(user_id)
                user_id += 1
    counts["users"] = w.write("users", ("id", "organization_id", "email", "name", "role",
                                        "password_hash", "created_at"), users)
    counts["trading_relationships"] = w.write(
        "trading_relationships", ("supplier_id", "buyer_id", "created_at"),
        ((s, b, now) for s in supplier_ids for b in buyer_ids))
    location_id = w.next_id("delivery_locations")
    locations = {b: location_id + i for i, b in enumerate(buyer_ids)}
    counts["delivery_locations"] = w.write(
        "delivery_locations", ("id", "buyer_id", "name", "address", "latitude", "longitude",
                               "created_at"),
        ((locations[b], b, "Kitchen", f"{100 + i} Mission St, San Francisco",
          Decimal("37.7") + Decimal(rng.randint(0, 999)) / 10000,
          Decimal("-122.4") + Decimal(rng.randint(0, 999)) / 10000, now)
         for i, b in enumerate(buyer_ids)))
    warehouse_id = w.next_id("warehouses")
    warehouses: dict[int, list[int]] = {}
    rows = []
    for i, s in enumerate(supplier_ids):
        for n in range(3 if i == 0 else 1):
            rows.append((warehouse_id, s, f"Warehouse {n + 1}", "1 Dock Rd, Oakland",
                         Decimal("37.80"), Decimal("-122.27") + n, now))
            warehouses.setdefault(s, []).append(warehouse_id)
            warehouse_id += 1
    counts["warehouses"] = w.write("warehouses", ("id", "supplier_id", "name", "address",
                                                  "latitude", "longitude", "created_at"), rows)

    # -- catalog and stock ------------------------------------------------------------------
    product_id = w.next_id("products")
    products: dict[int, list[tuple[int, str, str, Decimal]]] = {}
    rows = []
    for i, s in enumerate(supplier_ids):
        for n in range(skus if i == 0 else 500):
            word = WORDS[n % len(WORDS)]
            name = f"{word.title()} {CATEGORIES[n % len(CATEGORIES)].lower()} grade {n // 24}"
            price = Decimal(rng.randint(150, 9000)) / 100
            sku = f"S{i + 1}-{n:06d}"
            products.setdefault(s, []).append((product_id, sku, name, price))
            rows.append((product_id, s, sku, name, CATEGORIES[n % len(CATEGORIES)], "case",
                         price, "USD", now, now))
            product_id += 1
    counts["products"] = w.write("products", ("id", "supplier_id", "sku", "name", "category",
                                              "unit", "price", "currency", "updated_at",
                                              "created_at"), rows)
    counts["stock_levels"] = w.write(
        "stock_levels", ("supplier_id", "warehouse_id", "product_id", "on_hand", "reserved",
                         "updated_at"),
        ((s, wh, p[0], rng.randint(0, 400), 0, now)
         for s in supplier_ids for p in products[s] for wh in warehouses[s]))

    # -- orders, lines, allocations, threads, messages ---------------------------------------
    order_id, line_id = w.next_id("orders"), w.next_id("order_lines")
    thread_id, message_id = w.next_id("chat_threads"), w.next_id("chat_messages")
    numbers = {s: (db.session.execute(text(
        "SELECT max(number) FROM orders WHERE supplier_id = :s"), {"s": s}).scalar() or 0)
        for s in supplier_ids}
    span = timedelta(days=730)
    order_rows: list[tuple[Any, ...]] = []
    line_rows: list[tuple[Any, ...]] = []
    alloc_rows: list[tuple[Any, ...]] = []
    thread_rows: list[tuple[Any, ...]] = []
    message_rows: list[tuple[Any, ...]] = []
    read_rows: list[tuple[Any, ...]] = []
    mark_rows: list[tuple[Any, ...]] = []
    began = time.monotonic()

    def flush() -> None:
        """Write the orders generated so far and what hangs off them."""
        for name, columns, rows_ in (
            ("orders", ("id", "supplier_id", "buyer_id", "number", "status", "channel",
                        "placed_by_id", "delivery_location_id", "requested_delivery_date",
                        "notes", "po_number", "currency", "subtotal", "updated_at",
                        "status_changed_at", "expedited_at", "created_at"), order_rows),
            ("order_lines", ("id", "order_id", "product_id", "sku", "name", "unit",
                             "quantity", "unit_price", "line_total"), line_rows),
            ("allocations", ("order_line_id", "warehouse_id", "quantity",
                             "shipped_quantity"), alloc_rows),
            ("chat_threads", ("id", "kind", "order_id", "supplier_id", "buyer_id", "last_seq",
                              "last_message_at", "last_public_seq", "last_public_message_at",
                              "created_at"), thread_rows),
            ("chat_messages", ("id", "thread_id", "order_id", "supplier_id", "buyer_id", "seq",
                               "kind", "author_id", "author_org_id", "body", "event_type",
                               "created_at"), message_rows),
            ("chat_read_states", ("thread_id", "user_id", "supplier_id", "buyer_id",
                                  "last_read_message_id", "last_read_seq", "updated_at"),
             read_rows),
            ("chat_unread_threads", ("user_id", "thread_id", "seq"), mark_rows),
        ):
            counts[name] = counts.get(name, 0) + w.write(name, columns, rows_, quiet=True)
            rows_.clear()
        done = counts["orders"]
        rate = done / max(time.monotonic() - began, 1e-6)
        echo(f"  orders {done:,} of {orders:,} with their lines, allocations, threads and "
             f"messages ({rate:,.0f} orders/s)")

    for n in range(orders):
        if n and n % ORDER_CHUNK == 0:
            flush()
        # oldest first, so ids grow with time as they do in life
        created = now - span + span * (n / max(orders, 1)) - timedelta(
            minutes=rng.randint(0, 600))
        supplier = supplier_ids[0] if rng.random() < 0.8 or suppliers == 1 else rng.choice(
            supplier_ids[1:])
        buyer = buyer_ids[min(int(rng.paretovariate(1.2)) - 1, buyers - 1)] \
            if rng.random() < 0.5 else rng.choice(buyer_ids)
        age = now - created
        if age > timedelta(days=21):
            status = "cancelled" if rng.random() < 0.02 else "delivered"
        else:
            status = rng.choice(OPEN_STATUSES) if rng.random() < 0.9 else "delivered"
        numbers[supplier] += 1
        changed = created + timedelta(hours=rng.randint(1, 72)) if status != "placed" \
            else created
        delivery = (created + timedelta(days=rng.randint(1, 4))).date()
        subtotal = Decimal("0.00")
        lines = rng.sample(products[supplier][:min(len(products[supplier]), 2000)],
                           rng.randint(1, 5))
        for pid, sku, name, price in lines:
            quantity = rng.randint(1, 12)
            total = price * quantity
            subtotal += total
            line_rows.append((line_id, order_id, pid, sku, name, "case", quantity, price, total))
            if status != "cancelled":
                shipped = quantity if status in ("shipped", "delivered") else 0
                alloc_rows.append((line_id, rng.choice(warehouses[supplier]), quantity,
                                   shipped))
            line_id += 1
        order_rows.append((
            order_id, supplier, buyer, numbers[supplier], status, rng.choice(
                ("portal", "portal", "api", "chat", "phone")), staff[buyer][0],
            locations[buyer], delivery, "", "", "USD", subtotal, changed, changed,
            created if status not in OPEN_STATUSES or rng.random() > 0.03 else None,
            created))
        # the thread: the placed event, then a few messages on one order in four
        messages = [(None, None, "event", f"Order placed by {buyer}", "order_placed")]
        if rng.random() < 0.25:
            for k in range(rng.randint(1, 4)):
                side = supplier if k % 2 else buyer
                messages.append((rng.choice(staff[side]), side, "text", rng.choice(CHAT),
                                 None))
        first_message = message_id
        last_at = created
        for seq, (author, author_org, kind, body, event_type) in enumerate(messages, 1):
            last_at = created + timedelta(minutes=seq * rng.randint(1, 90))
            message_rows.append((message_id, thread_id, order_id, supplier, buyer, seq, kind,
                                 author, author_org, body, event_type, last_at))
            message_id += 1
        thread_rows.append((thread_id, "order", order_id, supplier, buyer, len(messages),
                            last_at, len(messages), last_at, created))
        # each side's first user has read all but some of the last week's threads; what
        # the others' texts left unread marks the thread for its reader (chat_unread_threads)
        readers = {reader for reader in (staff[supplier][0], staff[buyer][0])
                   if rng.random() < 0.9 or age > timedelta(days=7)}
        for reader in readers:
            read_rows.append((thread_id, reader, supplier, buyer,
                              first_message + len(messages) - 1, len(messages), last_at))
        for org, other in ((supplier, buyer), (buyer, supplier)):
            wanted = [seq for seq, m in enumerate(messages, 1) if m[1] == other]
            if wanted:
                mark_rows.extend((person, thread_id, wanted[-1]) for person in staff[org]
                                 if person not in readers)
        thread_id += 1
        order_id += 1
    flush()
    db.session.execute(text(
        "INSERT INTO order_counters (supplier_id, last_number) SELECT supplier_id, max(number) "
        "FROM orders WHERE supplier_id IN (" + ", ".join(map(str, supplier_ids)) + ") "
        "GROUP BY supplier_id"))
    w.reset_sequences()
    db.session.commit()
    if w.postgres:
        echo("  ANALYZE")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return counts


@click.command("seed-scale")
@click.option("--orders", type=click.IntRange(min=1), default=100_000, show_default=True)
@click.option("--suppliers", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--buyers", type=click.IntRange(min=1), default=400, show_default=True)
@click.option("--skus", type=click.IntRange(min=1), default=20_000, show_default=True,
              help="products of the first supplier")
@click.option("--seed", type=int, default=17, show_default=True)
@with_appcontext
def seed_scale_command(orders: int, suppliers: int, buyers: int, skus: int, seed: int) -> None:
    """Load a large data set for timing pages (see wholesale/scale_seed.py)."""
    began = time.monotonic()
    counts = seed_scale(orders, suppliers=suppliers, buyers=buyers, skus=skus, seed=seed,
                        echo=click.echo)
    click.echo(f"seeded {sum(counts.values()):,} rows ({orders:,} orders) in "
               f"{time.monotonic() - began:.0f}s; users' password: {PASSWORD}")
