"""How fast is the supplier's order board with 10,000 open orders? (PostgreSQL)

    .venv/bin/python bench/board_query.py [--orders 10000] [--runs 15]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/ordertalk_bench]

Creates a throwaway database next to the one named by --url, migrates it, seeds one supplier
with two warehouses, 40 customers, 200 products and N open orders (placed … packed, with
1–3 lines and their allocations; some expedited, some late, some waiting for stock) plus
as many delivered orders of the past, then times `board.board()` — the counts of every
column and the first 25 cards of each, with what the cards show — with and without filters,
and prints the median and the worst time of each. The database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from tests import databases  # noqa: E402

STATUSES = ["placed", "received", "picking", "packed"]


def seed(n_orders: int, seed_value: int = 7) -> tuple[int, int, int]:
    """Returns (supplier id, a warehouse id, a buyer id)."""
    from wholesale.accounts.models import Organization, OrgKind, User
    from wholesale.catalog.models import Product
    from wholesale.extensions import db
    from wholesale.orders.models import Allocation, Order, OrderLine
    from wholesale.sites.models import DeliveryLocation, Warehouse
    from wholesale.trading.models import TradingRelationship

    rng = random.Random(seed_value)
    supplier = Organization(kind=OrgKind.SUPPLIER, name="Bench Provisions")
    db.session.add(supplier)
    db.session.flush()
    users = User.__table__
    user_id = db.session.execute(insert(users).values(
        organization_id=supplier.id, email="bench@example.test", name="Bench", role="owner",
        password_hash="x", created_at=datetime.now(UTC)
    ).returning(users.c.id)).scalar_one()
    warehouses = [Warehouse(supplier_id=supplier.id, name=f"Warehouse {i}", address="x",
                            latitude=Decimal("37.8"), longitude=Decimal("-122.2"))
                  for i in range(2)]
    db.session.add_all(warehouses)
    buyers = [Organization(kind=OrgKind.BUYER, name=f"Buyer {i:02d}") for i in range(40)]
    db.session.add_all(buyers)
    db.session.flush()
    locations = []
    for buyer in buyers:
        db.session.add(TradingRelationship(supplier_id=supplier.id, buyer_id=buyer.id))
        location = DeliveryLocation(buyer_id=buyer.id, name="Kitchen", address="x",
                                    latitude=Decimal("37.7"), longitude=Decimal("-122.4"))
        db.session.add(location)
        locations.append(location)
    products = [Product(supplier_id=supplier.id, sku=f"B-{i:04d}", name=f"Product {i}",
                        unit="case", price=Decimal("12.50"), currency="USD")
                for i in range(200)]
    db.session.add_all(products)
    db.session.flush()

    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    order_rows, next_number = [], 1
    for i in range(n_orders * 2):  # half open, half delivered in the past
        open_order = i < n_orders
        buyer_index = rng.randrange(len(buyers))
        created = now - timedelta(days=rng.randint(0, 30 if open_order else 400),
                                  minutes=rng.randint(0, 1000))
        order_rows.append({
            "supplier_id": supplier.id, "buyer_id": buyers[buyer_index].id,
            "number": next_number,
            "status": rng.choice(STATUSES) if open_order else "delivered",
            "channel": "portal", "placed_by_id": user_id,
            "delivery_location_id": locations[buyer_index].id,
            "requested_delivery_date": today + timedelta(days=rng.randint(-5, 14)),
            "notes": "", "po_number": "", "currency": "USD", "subtotal": Decimal("50.00"),
            "created_at": created, "updated_at": created,
            "status_changed_at": created if open_order else now - timedelta(
                days=rng.randint(0, 365)),
            "expedited_at": created if open_order and rng.random() < 0.03 else None,
        })
        next_number += 1
    ids: list[int] = []
    for start in range(0, len(order_rows), 2000):
        ids += db.session.execute(insert(Order.__table__).returning(Order.__table__.c.id),
                                  order_rows[start:start + 2000]).scalars().all()
    line_rows = []
    for order_id in ids:
        for product in rng.sample(products, rng.randint(1, 3)):
            line_rows.append({"order_id": order_id, "product_id": product.id, "sku": product.sku,
                              "name": product.name, "unit": "case",
                              "quantity": rng.randint(1, 12), "unit_price": Decimal("12.50"),
                              "line_total": Decimal("12.50")})
    line_ids: list[int] = []
    for start in range(0, len(line_rows), 5000):
        line_ids += db.session.execute(
            insert(OrderLine.__table__).returning(OrderLine.__table__.c.id),
            line_rows[start:start + 5000]).scalars().all()
    alloc_rows = [
        {"order_line_id": line_id, "warehouse_id": rng.choice(warehouses).id,
         "quantity": row["quantity"], "shipped_quantity": 0}
        for line_id, row in zip(line_ids, line_rows, strict=True) if rng.random() > 0.05
    ]
    for start in range(0, len(alloc_rows), 5000):
        db.session.execute(insert(Allocation.__table__), alloc_rows[start:start + 5000])
    db.session.commit()
    for table in ("orders", "order_lines", "allocations"):
        db.session.execute(text(f"ANALYZE {table}"))
    db.session.commit()
    return supplier.id, warehouses[0].id, buyers[0].id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/"
                                         "ordertalk_bench")
    args = parser.parse_args()

    url = databases.create_postgres_database(args.url, "board")
    try:
        from flask_migrate import upgrade

        from app import create_app
        from wholesale.accounts.models import Organization
        from wholesale.extensions import db
        from wholesale.fulfilment import board
        from wholesale.orders.models import Order, OrderStatus

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"},
                         instance_path=ROOT / "instance" / "bench")
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            started = time.perf_counter()
            supplier_id, warehouse_id, buyer_id = seed(args.orders)
            print(f"seeded {args.orders:,} open + {args.orders:,} delivered orders in "
                  f"{time.perf_counter() - started:.1f}s")
            open_count = db.session.scalar(select(func.count(Order.id)).where(
                Order.supplier_id == supplier_id, Order.status != OrderStatus.DELIVERED))
            print(f"open orders on the board: {open_count:,}")
            supplier = db.session.get(Organization, supplier_id)
            cases = {
                "board, no filter": board.BoardFilters(),
                "late only": board.BoardFilters(late=True),
                "expedited only": board.BoardFilters(expedited=True),
                "one warehouse": board.BoardFilters(warehouse_id=warehouse_id),
                "one buyer": board.BoardFilters(buyer_id=buyer_id),
            }
            for name, filters in cases.items():
                times = []
                for _ in range(args.runs):
                    db.session.expunge_all()
                    t0 = time.perf_counter()
                    columns = board.board(supplier, filters)
                    times.append((time.perf_counter() - t0) * 1000)
                    db.session.rollback()
                counts = "/".join(str(c.count) for c in columns)
                print(f"{name:<18} median {statistics.median(times):6.1f} ms   worst "
                      f"{max(times):6.1f} ms   (column counts {counts})")
            db.session.remove()
            db.engine.dispose()
    finally:
        databases.drop_postgres_database(url)


if __name__ == "__main__":
    main()
