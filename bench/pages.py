"""How fast are the pages people use most on a large database? p50/p95 per page.

    .venv/bin/flask --app app seed-scale --orders 200000       # once, on DATABASE_URL
    DATABASE_URL=… .venv/bin/python bench/pages.py [--runs 30] [--only board]
        [--explain]                                              # EXPLAIN ANALYZE the queries

Runs in this process through Flask's test client (no HTTP, no server: the figures are the
app's — queries, Python, templates), signed in as the first seeded supplier's owner and
the buyer with the most orders (`wholesale/scale_seed.py`). Each page is fetched once to
warm up, then `--runs` times; it prints p50, p95 and the worst time, the number of SQL
statements a fetch runs and its slowest statement, and checks the issue's goals: p95 under
50 ms for lists, under 100 ms for search and dashboards. `--explain` prints
`EXPLAIN (ANALYZE, BUFFERS)` of each page's slowest statement (`--top N`: the N slowest
distinct ones; PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select  # noqa: E402

LIST_GOAL_MS, SEARCH_GOAL_MS = 50.0, 100.0


@dataclass
class PageCase:
    name: str
    who: str  # supplier or buyer
    path: str
    goal_ms: float


def cases(supplier_id: int, buyer_id: int, warehouse_id: int, deep_supplier: int,
          deep_buyer: int) -> list[PageCase]:
    from wholesale.api.pagination import encode_cursor

    s, b = LIST_GOAL_MS, SEARCH_GOAL_MS
    return [
        PageCase("orders (supplier)", "supplier", "/orders", s),
        PageCase("orders (supplier), status=placed", "supplier", "/orders?status=placed", s),
        PageCase("orders (supplier), one buyer", "supplier", f"/orders?partner={buyer_id}", s),
        PageCase("orders (supplier), placed last 30 days", "supplier",
                 "/orders?placed_from=" + _days_ago(30), s),
        PageCase("orders (supplier), deep cursor", "supplier",
                 f"/orders?cursor={encode_cursor(deep_supplier)}", s),
        PageCase("orders (supplier), delivered, deep cursor", "supplier",
                 f"/orders?status=delivered&cursor={encode_cursor(deep_supplier)}", s),
        PageCase("orders (buyer)", "buyer", "/orders", s),
        PageCase("orders (buyer), one supplier", "buyer", f"/orders?partner={supplier_id}", s),
        PageCase("orders (buyer), deep cursor", "buyer",
                 f"/orders?cursor={encode_cursor(deep_buyer)}", s),
        PageCase("board", "supplier", "/board", s),
        PageCase("board, one warehouse", "supplier", f"/board?warehouse_id={warehouse_id}", s),
        PageCase("board, one buyer", "supplier", f"/board?buyer_id={buyer_id}", s),
        PageCase("inbox (supplier)", "supplier", "/inbox", s),
        PageCase("inbox (buyer)", "buyer", "/inbox", s),
        PageCase("dashboard (supplier)", "supplier", "/", b),
        PageCase("dashboard (buyer)", "buyer", "/", b),
        PageCase("catalog search (supplier)", "supplier", "/catalog?q=basil", b),
        PageCase("catalog search (buyer)", "buyer", "/catalog?q=olive+oil", b),
        PageCase("stock", "supplier", "/inventory", s),
    ]


def _days_ago(days: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(days=days)).date().isoformat()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", help="pages whose name contains this")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--top", type=int, default=1,
                        help="with --explain: the N slowest distinct statements per page")
    args = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", "bench-pages")

    from app import create_app
    from wholesale.accounts.models import Organization, User
    from wholesale.extensions import db
    from wholesale.orders.models import Order
    from wholesale.sites.models import Warehouse

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        supplier = db.session.scalars(select(Organization).where(
            Organization.name == "Scale Provisions").order_by(Organization.id.desc())).first()
        if supplier is None:
            raise SystemExit("No seeded data: run `flask --app app seed-scale` first.")
        buyer_id = db.session.execute(
            select(Order.buyer_id).where(Order.supplier_id == supplier.id)
            .group_by(Order.buyer_id).order_by(func.count().desc()).limit(1)).scalar_one()
        warehouse_id = db.session.scalar(select(func.min(Warehouse.id)).where(
            Warehouse.supplier_id == supplier.id))
        total = db.session.scalar(select(func.count()).select_from(Order)
                                  .where(Order.supplier_id == supplier.id))
        deep_supplier = db.session.scalar(
            select(Order.id).where(Order.supplier_id == supplier.id)
            .order_by(Order.id.desc()).offset(total // 2).limit(1))
        buyer_total = db.session.scalar(select(func.count()).select_from(Order)
                                        .where(Order.buyer_id == buyer_id))
        deep_buyer = db.session.scalar(
            select(Order.id).where(Order.buyer_id == buyer_id)
            .order_by(Order.id.desc()).offset(buyer_total // 2).limit(1))
        owners = {
            "supplier": db.session.scalars(select(User).where(
                User.organization_id == supplier.id, User.role == "owner")).first(),
            "buyer": db.session.scalars(select(User).where(
                User.organization_id == buyer_id, User.role == "owner")).first(),
        }
        all_orders = db.session.scalar(select(func.count()).select_from(Order))
        emails = {who: user.email for who, user in owners.items()}
        db.session.remove()
        engine = db.engine

    print(f"{engine.dialect.name}: {all_orders:,} orders; supplier {supplier.name} "
          f"({total:,} orders), buyer #{buyer_id} ({buyer_total:,} orders)")
    clients = {}
    for who, email in emails.items():
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": "scale-password"})
        if response.status_code not in (302, 303):
            raise SystemExit(f"could not sign in as {email}: {response.status_code}")
        clients[who] = client

    statements: list[tuple[float, str, Any]] = []
    started: dict[int, float] = {}

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
               executemany: bool) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
              executemany: bool) -> None:
        began = started.pop(id(cursor), None)
        if began is not None:
            statements.append((time.perf_counter() - began, statement, params))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)

    print(f"\n{'page':<46}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'SQL':>5}{'slowest SQL ms':>16}"
          f"{'goal':>7}")
    missed = []
    slowest_of: dict[str, list[tuple[float, str, Any]]] = {}
    for case in cases(supplier.id, buyer_id, warehouse_id, deep_supplier, deep_buyer):
        if args.only and args.only not in case.name:
            continue
        client = clients[case.who]
        response = client.get(case.path)
        if response.status_code != 200:
            print(f"{case.name:<46} HTTP {response.status_code}")
            missed.append(case.name)
            continue
        times = []
        statements.clear()
        for _ in range(args.runs):
            began = time.perf_counter()
            client.get(case.path)
            times.append((time.perf_counter() - began) * 1000)
        per_fetch = len(statements) // max(args.runs, 1)
        distinct: dict[str, tuple[float, str, Any]] = {}
        for item in sorted(statements, key=lambda s: -s[0]):
            distinct.setdefault(item[1], item)
        top = list(distinct.values())[:args.top]
        slowest = top[0] if top else (0.0, "", None)
        slowest_of[case.name] = top
        p95 = percentile(times, 95)
        ok = p95 < case.goal_ms
        if not ok:
            missed.append(case.name)
        print(f"{case.name:<46}{statistics.median(times):>8.1f}{p95:>8.1f}{max(times):>8.1f}"
              f"{per_fetch:>5}{slowest[0] * 1000:>16.1f}{'  ok' if ok else '  MISS':>7}")
    print(f"\ngoals: p95 < {LIST_GOAL_MS:.0f} ms (lists), < {SEARCH_GOAL_MS:.0f} ms (search, "
          f"dashboards); missed: {', '.join(missed) or 'none'}")
    if args.explain and engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            for name, top in slowest_of.items():
                for rank, (seconds, statement, params) in enumerate(top, 1):
                    print(f"\n-- {name}: slowest statement #{rank}, {seconds * 1000:.1f} ms"
                          f"\n{statement}")
                    plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                                params or {})
                    print("\n".join(row[0] for row in plan))
                    conn.rollback()
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
