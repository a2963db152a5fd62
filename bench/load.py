"""A distributor's morning against the cluster (bench/locustfile.py), with 1 and 2 web
processes:

    .venv/bin/python bench/load.py [--web 1 2] [--users 40] [--duration 60] [--buyers 30]

For each web-process count it creates a fresh PostgreSQL database, starts
`scripts/cluster.sh up` on it (nginx, the web processes, one worker; the demo data seeded),
adds buyers through the public API (invited by the demo supplier, each with a delivery
location and a token) and plenty of stock, runs Locust headless with a fixed user count and
duration, stops the cluster and drops the database. It prints requests/s, p50/p95/p99 and
errors per action, the totals, and the CPU seconds the web processes used.

Everything runs on 127.0.0.1; every loop is bounded; Locust's percentiles are its own
(rounded to 10 ms above 100 ms).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-1"
DEMO_PASSWORD = "ordertalk-demo"
BUYER_LINES = ["Can you confirm the delivery window?", "Please leave it at the back door.",
               "Any chance of an earlier drop?", "Thanks — the last one was perfect.",
               "Add a note: call on arrival."]
SUPPLIER_LINES = ["On it, thanks!", "Confirmed for the morning run.",
                  "We'll call 15 minutes out.", "Substituted the romaine, same price."]


# -- the cluster and its database ---------------------------------------------------------


def admin(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"


def recreate_database(url: str, drop_only: bool = False) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def cluster(command: str, env: dict[str, str]) -> None:
    done = subprocess.run(["bash", "scripts/cluster.sh", command], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    print(done.stdout.strip(), flush=True)
    if done.returncode != 0:
        raise SystemExit(f"cluster {command} failed:\n{done.stderr}")


def cpu_seconds(run: Path, names: list[str]) -> float:
    """User + system CPU of each named process and its children (gunicorn's worker)."""
    total = 0
    for name in names:
        pid = int((run / f"{name}.pid").read_text())
        pids = [pid]
        children = Path(f"/proc/{pid}/task/{pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        for p in pids:
            try:
                fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


# -- the world the Locust users act in ----------------------------------------------------


def call(session: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
    response = session.request(method, url, timeout=30, **kwargs)
    if response.status_code not in (200, 201):
        raise SystemExit(f"{method} {url} → {response.status_code}: {response.text[:400]}")
    return response.json()


def order_quantity(product: dict[str, Any], worth: float = 45.0) -> int:
    """The smallest quantity the ordering rules take (the MOQ, rounded up to the multiple)
    worth at least `worth`: two lines clear the demo supplier's minimum order value."""
    multiple = max(product.get("order_multiple") or 1, 1)
    need = max(product.get("min_order_qty") or 1, multiple,
               int(-(-worth // max(float(product["price"]), 0.01))))
    return -(-need // multiple) * multiple


def prepare(base: str, buyers: int, staff_users: int) -> dict[str, Any]:
    api = f"{base}/api/v1"
    with requests.Session() as s:
        supplier_token = call(s, "POST", f"{api}/auth/tokens", json={
            "email": "supplier@demo.ordertalk.test", "password": DEMO_PASSWORD})["token"]
        sup = {"Authorization": f"Bearer {supplier_token}"}
        me = call(s, "GET", f"{api}/me", headers=sup)
        products = [p for p in call(s, "GET", f"{api}/products?limit=200", headers=sup)["items"]
                    if p["active"]]
        warehouses = set()
        for product in products:
            levels = call(s, "GET", f"{api}/stock?product_id={product['id']}", headers=sup)
            warehouses |= {level["warehouse_id"] for level in
                           (levels["items"] if isinstance(levels, dict) else levels)}
        for product in products:  # stock for a morning of orders, in every warehouse
            for warehouse_id in sorted(warehouses):
                call(s, "POST", f"{api}/stock", headers=sup, json={
                    "warehouse_id": warehouse_id, "product_id": product["id"],
                    "delta": 100_000, "reason": "load test stock"})
        people = []
        for n in range(buyers):
            email = f"load-buyer-{n}@load.ordertalk.test"
            invitation = call(s, "POST", f"{api}/invitations", headers=sup, json={"email": email})
            buyer = call(s, "POST", f"{api}/signup", json={
                "kind": "buyer", "organization": f"Load Bistro {n}", "name": f"Cook {n}",
                "email": email, "password": PASSWORD, "invitation": invitation["token"]})
            location = call(s, "POST", f"{api}/locations",
                            headers={"Authorization": f"Bearer {buyer['token']}"}, json={
                                "name": "Kitchen", "address": f"{100 + n} Mission St",
                                "latitude": "37.76", "longitude": "-122.42"})
            people.append({"email": email, "password": PASSWORD, "token": buyer["token"],
                           "location_id": location["id"]})
        world = {
            "supplier_id": me["organization"]["id"],
            "supplier": {"email": "supplier@demo.ordertalk.test", "password": DEMO_PASSWORD,
                         "token": supplier_token},
            "staff_users": staff_users,
            "buyers": people,
            "products": [{"id": p["id"], "quantity": order_quantity(p)} for p in products],
            "search_terms": sorted({w.lower() for p in products for w in p["name"].split()
                                    if len(w) > 3 and w.isalpha()})[:40],
            "buyer_lines": BUYER_LINES,
            "supplier_lines": SUPPLIER_LINES,
        }
        world["delivery_date"] = first_accepted_date(s, api, world)
    return world


def first_accepted_date(s: requests.Session, api: str, world: dict[str, Any]) -> str:
    """The first day the supplier's delivery rules accept (one real order, the first buyer's)."""
    buyer = world["buyers"][0]
    today = datetime.now(UTC).date()
    for days in range(1, 36):
        day = (today + timedelta(days=days)).isoformat()
        response = s.post(f"{api}/orders", timeout=30, json={
            "supplier_id": world["supplier_id"], "requested_delivery_date": day,
            "delivery_location_id": buyer["location_id"],
            "lines": [{"product_id": p["id"], "quantity": p["quantity"]}
                      for p in world["products"][:3]]},
            headers={"Authorization": f"Bearer {buyer['token']}",
                     "Idempotency-Key": f"load-date-{day}"})
        if response.status_code == 201:
            return day
    raise SystemExit(f"no delivery date accepted in five weeks: {response.text[:400]}")


# -- Locust --------------------------------------------------------------------------------


def run_locust(base: str, world_file: Path, out: Path, args: argparse.Namespace) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/locustfile.py"), "--headless",
         "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
         "--host", base, "--csv", str(out), "--only-summary", "--stop-timeout", "5",
         "--exit-code-on-error", "0", "--loglevel", "WARNING"],
        cwd=ROOT, env={**os.environ, "LOAD_WORLD": str(world_file)},
        capture_output=True, text=True, timeout=args.duration + 120)
    (out.parent / "locust.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"locust failed ({done.returncode}); see {out.parent}/locust.log")
    with open(f"{out}_stats.csv") as fh:
        return list(csv.DictReader(fh))


def failures(out: Path) -> list[dict]:
    with open(f"{out}_failures.csv") as fh:
        return list(csv.DictReader(fh))


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print(f"{'action':38} {'requests':>8} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} "
          f"{'errors':>6}")
    for row in rows:
        if row["Request Count"] == "0":
            continue
        name = "TOTAL" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        print(f"{name[:38]:38} {row['Request Count']:>8} {float(row['Requests/s']):>7.1f} "
              f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6} {row['Failure Count']:>6}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--web", type=int, nargs="+", default=[1, 2],
                        help="web-process counts to measure in turn (repeats allowed: "
                        "--web 1 2 2 1 evens out a machine that gets busier)")
    parser.add_argument("--users", type=int, default=40, help="Locust users (fixed)")
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--duration", type=int, default=60, help="seconds per run")
    parser.add_argument("--buyers", type=int, default=40,
                        help="buyer organizations to add (one per Locust buyer user: two "
                        "sessions of one user share a cart)")
    parser.add_argument("--port", type=int, default=18480, help="nginx's port")
    parser.add_argument("--backend-port", type=int, default=18501)
    parser.add_argument("--database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/ordertalk_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not (1 <= args.users <= 500 and 5 <= args.duration <= 900 and 1 <= args.buyers <= 500
            and all(1 <= w <= 8 for w in args.web)):
        parser.error("use 1..500 users, 5..900 s, 1..500 buyers and 1..8 web processes")

    run = ROOT / "instance" / f"load-{os.getpid()}"
    base = f"http://127.0.0.1:{args.port}"
    results: list[dict[str, Any]] = []
    for web in args.web:
        env = {**os.environ, "CLUSTER_DIR": str(run), "CLUSTER_WEB": str(web),
               "CLUSTER_PORT": str(args.port), "CLUSTER_BACKEND_PORT": str(args.backend_port),
               "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
               "SOCKETIO_CHANNEL": f"ordertalk-load-{os.getpid()}",
               "SECRET_KEY": "load-test-secret", "CLUSTER_SEED": "1"}
        env.pop("PUBLIC_BASE_URL", None)
        print(f"\n== {web} web process(es), {args.users} users, {args.duration} s ==", flush=True)
        recreate_database(args.database_url)
        cluster("up", env)
        try:
            started = time.monotonic()
            world = prepare(base, args.buyers, staff_users=max(1, args.users // 5))
            world_file = run / "load-world.json"
            world_file.write_text(json.dumps(world))
            print(f"seeded {len(world['buyers'])} buyers, {len(world['products'])} products "
                  f"in {time.monotonic() - started:.0f} s", flush=True)
            names = [f"web{i}" for i in range(1, web + 1)]
            cpu_before = cpu_seconds(run, names)
            rows = run_locust(base, world_file, run / f"locust-{web}", args)
            cpu = cpu_seconds(run, names) - cpu_before
            errors = failures(run / f"locust-{web}")
        finally:
            cluster("down", env)
            recreate_database(args.database_url, drop_only=True)
        results.append({"web": web, "rows": rows, "web_cpu_s": round(cpu, 1),
                        "failures": errors, "load_average": os.getloadavg()[0]})
        print_table(f"{web} web process(es): web CPU {cpu:.1f} s over {args.duration} s", rows)
        for failure in errors[:10]:
            print(f"  error ×{failure['Occurrences']}: {failure['Method']} {failure['Name']}: "
                  f"{failure['Error'][:120]}")

    if len(results) > 1:
        print("\nTOTAL by web processes (in the order run):")
        for result in results:
            total = next(r for r in result["rows"] if r["Name"] == "Aggregated")
            print(f"  {result['web']}: {float(total['Requests/s']):.1f} req/s, "
                  f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms, "
                  f"{total['Failure Count']} errors, web CPU {result['web_cpu_s']} s, "
                  f"machine load average {result['load_average']:.1f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
