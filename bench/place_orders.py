"""Order placement benchmark: the HTTP API against the bare-database floor.

    .venv/bin/python bench/place_orders.py                      # starts its own server
    .venv/bin/python bench/place_orders.py --url http://127.0.0.1:5000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/ordertalk

Without --url it creates a fresh PostgreSQL database (named after --database-url, suffix
`_bench_<pid>`), migrates it, and serves the app on it with gunicorn as the test suite's live
server does (gthread; --workers/--threads). With --url it targets that server; the floor then
needs --database-url pointing at the server's database (else it is skipped).

Either way it signs up a fresh supplier and buyer through the API, adds a warehouse, products
with plenty of stock and a delivery location, then:

1. **API**: N clients (threads, one `requests.Session` each) place orders of 3 lines through
   `POST /api/v1/orders`, each with its own Idempotency-Key.
2. **Floor**: the same number of bare transactions with the same concurrency through
   SQLAlchemy Core — insert one order row and make three conditional stock updates
   (`reserved = reserved + q WHERE … AND reserved + q <= on_hand`), commit.

It prints orders/s and p50/p95/p99 latency for both, and the ratio API/floor. Floor rows are
deleted (and their reservations given back) at the end.

With its own server it also prints the server's CPU time per placement (the gunicorn
processes' user + system time over the API run, divided by the orders) and, when the
placements left notification events for the dispatcher (messaging/notifications/deferred.py),
the CPU time the dispatcher spends working them out, per placement (expanded here, in this
process, after the run): request + dispatcher is a placement's whole cost before sending.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/ordertalk"
PASSWORD = "bench-password-123"


# -- the server ------------------------------------------------------------------------------


def _admin_conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)


def create_database(base_url: str) -> str:
    url = make_url(base_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit("The benchmark runs on PostgreSQL: give a postgresql+psycopg:// URL.")
    name = f"{url.database}_bench_{os.getpid()}"
    with psycopg.connect(_admin_conninfo(base_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(_admin_conninfo(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the app on `database_url` (migrated first)."""

    def __init__(self, database_url: str, workers: int, threads: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(self.port),
                    "PUBLIC_BASE_URL": self.url,
                    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-not-for-production")}
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"ordertalk-bench-{self.port}.log"

    def start(self) -> Server:
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                       cwd=ROOT, env=self.env, check=True, capture_output=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--worker-class", "gthread",
             "--workers", str(self.workers), "--threads", str(self.threads),
             "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "2",
             "--log-level", "warning", "app:create_app()"],
            cwd=ROOT, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise SystemExit(f"server did not start: {self.log.read_text()[-2000:]}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of gunicorn and its workers so far."""
        import psutil

        if self.process is None:
            return 0.0
        parent = psutil.Process(self.process.pid)
        total = 0.0
        for proc in [parent, *parent.children(recursive=True)]:
            times = proc.cpu_times()
            total += times.user + times.system
        return total

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


# -- seeding through the API -----------------------------------------------------------------


@dataclass
class World:
    supplier_id: int
    buyer_id: int
    buyer_user_id: int
    location_id: int
    warehouse_id: int
    product_ids: list[int]
    buyer_token: str
    delivery_date: str


def _call(session: requests.Session, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    response = session.request(method, url, timeout=30, **kwargs)
    if response.status_code not in (200, 201):
        raise SystemExit(f"{method} {url} → {response.status_code}: {response.text[:500]}")
    return response.json()


def _delivery_date() -> str:
    """A Wednesday 8–14 days ahead: valid under the default rules (Mon–Fri, 1 lead day)."""
    day = datetime.now(UTC).date() + timedelta(days=8)
    while day.isoweekday() != 3:
        day += timedelta(days=1)
    return day.isoformat()


def seed(base: str, products: int, stock: int) -> World:
    api = f"{base}/api/v1"
    tag = uuid.uuid4().hex[:8]
    with requests.Session() as s:
        supplier = _call(s, "POST", f"{api}/signup", json={
            "kind": "supplier", "organization": f"Bench Wholesale {tag}", "name": "Sam Bench",
            "email": f"supplier-{tag}@bench.ordertalk.test", "password": PASSWORD})
        sup = {"Authorization": f"Bearer {supplier['token']}"}
        buyer_email = f"buyer-{tag}@bench.ordertalk.test"
        invitation = _call(s, "POST", f"{api}/invitations", headers=sup,
                           json={"email": buyer_email})
        buyer = _call(s, "POST", f"{api}/signup", json={
            "kind": "buyer", "organization": f"Bench Bistro {tag}", "name": "Ana Bench",
            "email": buyer_email, "password": PASSWORD, "invitation": invitation["token"]})
        buy = {"Authorization": f"Bearer {buyer['token']}"}
        warehouse = _call(s, "POST", f"{api}/warehouses", headers=sup, json={
            "name": "Oakland Central", "address": "1200 Embarcadero, Oakland",
            "latitude": "37.789", "longitude": "-122.259"})
        location = _call(s, "POST", f"{api}/locations", headers=buy, json={
            "name": "Kitchen", "address": "2100 Mission St, San Francisco",
            "latitude": "37.763", "longitude": "-122.419"})
        product_ids = []
        for n in range(products):
            product = _call(s, "POST", f"{api}/products", headers=sup, json={
                "sku": f"B-{n:03d}", "name": f"Bench product {n}", "unit": "case",
                "price": f"{5 + n % 20}.50", "currency": "USD"})
            _call(s, "POST", f"{api}/stock", headers=sup, json={
                "warehouse_id": warehouse["id"], "product_id": product["id"], "delta": stock,
                "reason": "benchmark stock"})
            product_ids.append(product["id"])
    return World(supplier["organization"]["id"], buyer["organization"]["id"],
                 buyer["user"]["id"], location["id"], warehouse["id"], product_ids,
                 buyer["token"], _delivery_date())


# -- the work ----------------------------------------------------------------------------------


@dataclass
class Job:
    lines: list[tuple[int, int]]  # (product id, quantity), three distinct products


def make_jobs(world: World, count: int, seed_: int = 7) -> list[Job]:
    rng = random.Random(seed_)
    return [Job([(pid, rng.randint(1, 3)) for pid in rng.sample(world.product_ids, 3)])
            for _ in range(count)]


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1] * 1000


def run_clients(name: str, jobs: list[Job], clients: int,
                make_worker: Callable[[], tuple[Callable[[Job], None], Callable[[], None]]]
                ) -> Result:
    """Run `jobs` on `clients` threads; each thread makes its own worker (session or
    connection) and times every job."""
    result = Result(name, 0.0)
    lock = threading.Lock()
    cursor = iter(range(len(jobs)))
    start_line = threading.Barrier(clients + 1)

    def client() -> None:
        work, close = make_worker()
        latencies: list[float] = []
        errors: list[str] = []
        start_line.wait()
        try:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    break
                began = time.perf_counter()
                try:
                    work(jobs[index])
                except Exception as exc:  # counted, reported, not timed
                    errors.append(f"{type(exc).__name__}: {exc}"[:300])
                    continue
                latencies.append(time.perf_counter() - began)
        finally:
            close()
            with lock:
                result.latencies += latencies
                result.errors += errors

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - began
    return result


def api_worker(base: str, world: World) -> Callable[[], tuple[Callable[[Job], None],
                                                               Callable[[], None]]]:
    def make() -> tuple[Callable[[Job], None], Callable[[], None]]:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {world.buyer_token}"

        def work(job: Job) -> None:
            body = {"supplier_id": world.supplier_id,
                    "lines": [{"product_id": p, "quantity": q} for p, q in job.lines],
                    "requested_delivery_date": world.delivery_date,
                    "delivery_location_id": world.location_id}
            response = session.post(f"{base}/api/v1/orders", json=body, timeout=30,
                                    headers={"Idempotency-Key": uuid.uuid4().hex})
            if response.status_code != 201:
                raise RuntimeError(f"{response.status_code} {response.text[:200]}")

        return work, session.close

    return make


FLOOR_TAG = "bench-floor"


def floor_worker(engine: Engine, world: World) -> Callable[[], tuple[Callable[[Job], None],
                                                                      Callable[[], None]]]:
    insert_order = text(
        "INSERT INTO orders (supplier_id, buyer_id, number, status, channel, placed_by_id, "
        "delivery_location_id, requested_delivery_date, notes, po_number, currency, subtotal, "
        "created_at, updated_at) VALUES (:supplier, :buyer, NULL, 'placed', 'api', :user, "
        ":location, :day, :tag, '', 'USD', :subtotal, :now, :now) RETURNING id")
    reserve = text(
        "UPDATE stock_levels SET reserved = reserved + :q, updated_at = :now "
        "WHERE warehouse_id = :warehouse AND product_id = :product "
        "AND reserved + :q <= on_hand RETURNING id")
    day = date.fromisoformat(world.delivery_date)

    def make() -> tuple[Callable[[Job], None], Callable[[], None]]:
        connection = engine.connect()

        def work(job: Job) -> None:
            now = datetime.now(UTC)
            with connection.begin():
                connection.execute(insert_order, {
                    "supplier": world.supplier_id, "buyer": world.buyer_id,
                    "user": world.buyer_user_id, "location": world.location_id, "day": day,
                    "tag": FLOOR_TAG, "subtotal": 30, "now": now}).scalar_one()
                for product_id, quantity in sorted(job.lines):
                    if connection.execute(reserve, {
                            "q": quantity, "warehouse": world.warehouse_id,
                            "product": product_id, "now": now}).first() is None:
                        raise RuntimeError("out of stock")

        return work, connection.close

    return make


def clean_floor(engine: Engine, world: World, jobs: list[Job]) -> None:
    """Delete the floor's orders and give back what it reserved."""
    given: dict[int, int] = {}
    for job in jobs:
        for product_id, quantity in job.lines:
            given[product_id] = given.get(product_id, 0) + quantity
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM orders WHERE notes = :tag AND supplier_id = :s"),
                     {"tag": FLOOR_TAG, "s": world.supplier_id})
        for product_id, quantity in given.items():
            conn.execute(text("UPDATE stock_levels SET reserved = reserved - :q "
                              "WHERE warehouse_id = :w AND product_id = :p"),
                         {"q": quantity, "w": world.warehouse_id, "p": product_id})


_apps: dict[str, Any] = {}


def expand_deferred(database_url: str | None) -> float:
    """Work out the notifications the placements left to the dispatcher (none when they
    were rendered in the request), in one app kept between calls as a worker keeps its
    own (templates compiled once); returns the CPU seconds it took."""
    if not database_url:
        return 0.0
    sys.path.insert(0, str(ROOT))
    try:
        from messaging.notifications import deferred
    except ImportError:  # a version that renders notifications in the request
        return 0.0
    from app import create_app
    from wholesale.extensions import db

    app = _apps.get(database_url)
    if app is None:
        app = _apps[database_url] = create_app({"DATABASE_URL": database_url})
    began = time.process_time()
    with app.app_context():
        while deferred.expand(200):
            db.session.commit()
        db.session.commit()
        spent = time.process_time() - began
        db.session.remove()
    return spent


# -- main ------------------------------------------------------------------------------------


def report(api: Result, floor: Result | None, clients: int, orders: int,
           database: str) -> dict[str, Any]:
    print(f"\nOrdertalk placement benchmark — {database}, {clients} clients, "
          f"{orders} orders × 3 lines")
    print(f"{'':16}{'orders/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    summary: dict[str, Any] = {"clients": clients, "orders": orders}
    for result in (api, floor):
        if result is None:
            continue
        print(f"{result.name:16}{result.rate:>10.1f}{result.pct(50):>9.1f}{result.pct(95):>9.1f}"
              f"{result.pct(99):>9.1f}{len(result.errors):>8}")
        summary[result.name.split()[0].lower()] = {
            "orders_per_second": round(result.rate, 1), "p50_ms": round(result.pct(50), 2),
            "p95_ms": round(result.pct(95), 2), "p99_ms": round(result.pct(99), 2),
            "errors": len(result.errors)}
        for error in result.errors[:3]:
            print(f"    {result.name} error: {error}")
    if floor is not None and floor.rate:
        ratio = api.rate / floor.rate
        summary["ratio"] = round(ratio, 3)
        verdict = "met" if ratio >= 0.5 and api.pct(99) < 100 else "NOT met"
        print(f"ratio API/floor: {ratio:.2f} (target ≥ 0.5); API p99 {api.pct(99):.1f} ms "
              f"(target < 100 ms): {verdict}")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="target this running server instead of starting one")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 DEFAULT_DATABASE),
                        help="PostgreSQL server (a fresh database is made on it), or with "
                             "--url the server's own database (for the floor)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--products", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=64, help="gunicorn threads per worker")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)

    server: Server | None = None
    database_url: str | None = args.database_url
    created = False
    try:
        if args.url:
            base = args.url.rstrip("/")
        else:
            database_url = create_database(args.database_url)
            created = True
            server = Server(database_url, args.workers, args.threads).start()
            base = server.url
            print(f"server {base} (gunicorn gthread, {args.workers} worker(s) × "
                  f"{args.threads} threads) on {make_url(database_url).database}")
        stock = 4 * (args.orders + args.warmup) * 3
        world = seed(base, args.products, stock)
        jobs = make_jobs(world, args.orders)
        warm = make_jobs(world, args.warmup, seed_=11)
        run_clients("warmup", warm, args.clients, api_worker(base, world))
        expand_deferred(database_url)  # the warm-up's, not timed
        cpu_before = server.cpu_seconds() if server else 0.0
        api = run_clients("API (HTTP)", jobs, args.clients, api_worker(base, world))
        request_cpu = (server.cpu_seconds() - cpu_before) / args.orders if server else None
        dispatcher_cpu = expand_deferred(database_url) / args.orders
        floor = None
        if not args.skip_floor and database_url:
            engine = create_engine(database_url, pool_size=args.clients, max_overflow=0)
            try:
                run_clients("warmup", warm, args.clients, floor_worker(engine, world))
                floor = run_clients("floor (Core)", jobs, args.clients,
                                    floor_worker(engine, world))
                clean_floor(engine, world, jobs + warm)
            finally:
                engine.dispose()
        dialect = make_url(database_url).get_backend_name() if database_url else "unknown"
        summary = report(api, floor, args.clients, args.orders,
                         {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(dialect, dialect))
        if request_cpu is not None:
            print(f"CPU per placement: server {request_cpu * 1000:.1f} ms + dispatcher "
                  f"(notifications worked out after the commit) {dispatcher_cpu * 1000:.1f} ms"
                  f" = {(request_cpu + dispatcher_cpu) * 1000:.1f} ms")
            summary["cpu_ms_per_order"] = {"server": round(request_cpu * 1000, 2),
                                           "dispatcher": round(dispatcher_cpu * 1000, 2)}
        if args.json:
            Path(args.json).write_text(json.dumps(summary, indent=2))
        return 0 if not api.errors else 1
    finally:
        for app in _apps.values():
            with app.app_context():
                from wholesale.extensions import db

                db.engine.dispose()
        if server is not None:
            server.stop()
        if created and database_url and not args.keep:
            drop_database(database_url)


if __name__ == "__main__":
    sys.exit(main())
