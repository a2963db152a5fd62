"""Chat latency benchmark: Ordertalk's chat against a bare Socket.IO relay (the floor).

    .venv/bin/python bench/chat_latency.py [--clients 200] [--rate 100] [--duration 20]

Starts two app processes (gunicorn, gthread, as `make run` and the tests do) sharing Redis
(127.0.0.1:6379, a dedicated database number) and a fresh PostgreSQL database
(127.0.0.1:5432, user postgres, trust), connects N real python-socketio clients across them
(in threads; every order's room has clients on both processes, half supplier, half buyer
staff), sends M messages per second through `send`, and measures the time from each send to
each other client's `message` event: p50/p95/p99 and throughput. In the same run it measures
the floor: a bare python-socketio relay (same gunicorn/gthread stack, same Redis message
queue, no database, no auth) under the same load, and prints the ratio.

Everything runs on the loopback interface; every loop is bounded by count and time; the
servers are stopped and the database dropped at the end.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RELAY_CHANNEL = "ordertalk-bench-relay"
PASSWORD = "bench-password-123"


# -- the floor: a bare relay app (served by gunicorn as `chat_latency:relay_app()`) -------------


def relay_app() -> Any:
    """python-socketio alone: `join` enters the room, `send` emits `message` to it."""
    import socketio

    redis_url = os.environ["REDIS_URL"]
    sio = socketio.Server(
        async_mode="threading",
        client_manager=socketio.RedisManager(redis_url, channel=RELAY_CHANNEL),
        cors_allowed_origins="*",
    )
    counter = itertools.count(1)

    @sio.on("join")
    def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        sio.enter_room(sid, f"order:{data['order_id']}")
        return {"ok": True, "messages": []}

    @sio.on("send")
    def send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        message = {"id": next(counter), "order_id": data["order_id"], "kind": "text",
                   "body": data["body"], "client_id": data["client_id"]}
        sio.emit("message", message, to=f"order:{data['order_id']}")
        return {"ok": True, "message": message}

    return socketio.WSGIApp(sio)


# -- processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    target: str
    env: dict[str, str]
    logdir: Path
    threads: int = 64
    trace: bool = False
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        log = (self.logdir / f"{self.name}-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1",
             "--threads", str(self.threads), "--bind", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "2", "--pythonpath", str(ROOT / "bench"),
             *(["--config", str(ROOT / "bench" / "chat_trace.py")] if self.trace else []),
             self.target],
            cwd=ROOT, env={**os.environ, **self.env, "PORT": str(self.port),
                           "PUBLIC_BASE_URL": self.url},
            stdout=log, stderr=subprocess.STDOUT,
        )
        return self

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.logdir}")
            try:
                requests.get(self.url + path, timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start within {timeout}s; see {self.logdir}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's processes."""
        if self.process is None:
            return 0.0
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@contextmanager
def servers(make: Callable[[int], Server], ready_path: str) -> Iterator[list[Server]]:
    started = [make(i).start() for i in range(2)]
    try:
        for server in started:
            server.wait_ready(ready_path)
        yield started
    finally:
        for server in started:
            server.stop()


# -- the database and the people ---------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    token: str
    order_id: int


def create_database(admin_url: str, synchronous_commit: str = "on") -> str:
    import psycopg

    name = f"ordertalk_bench_{os.getpid()}"
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        if synchronous_commit != "on":
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return f"{admin_url.replace('postgresql://', 'postgresql+psycopg://')}/{name}"


def drop_database(admin_url: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(database_url: str, instance: Path, clients: int, rooms: int) -> list[Seat]:
    """One supplier and one buyer organization per order; half of each room's seats are
    supplier staff, half buyer staff; every seat has its own user and API token."""
    from datetime import date, timedelta
    from decimal import Decimal

    from flask_migrate import upgrade

    sys.path.insert(0, str(ROOT))
    from app import create_app
    from wholesale.accounts import services as accounts
    from wholesale.accounts.models import Organization, OrgKind, Role
    from wholesale.extensions import db
    from wholesale.orders.models import Channel, Order
    from wholesale.sites.models import DeliveryLocation
    from wholesale.trading.services import connect

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}, instance_path=instance)
    seats: list[Seat] = []
    people = itertools.count(1)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        for room in range(rooms):
            supplier = Organization(kind=OrgKind.SUPPLIER, name=f"Bench supplier {room}")
            buyer = Organization(kind=OrgKind.BUYER, name=f"Bench buyer {room}")
            db.session.add_all([supplier, buyer])
            db.session.flush()
            connect(supplier, buyer)
            location = DeliveryLocation(buyer_id=buyer.id, name="Kitchen", address="1 Main St",
                                        latitude=Decimal("37.7"), longitude=Decimal("-122.4"))
            db.session.add(location)
            seats_here = clients // rooms + (1 if room < clients % rooms else 0)
            users = []
            for k in range(seats_here):
                org = supplier if k % 2 == 0 else buyer
                n = next(people)
                users.append(accounts._new_user(
                    org, name=f"Bench person {n}", email=f"bench{n}@bench.test",
                    password=PASSWORD, phone=None, role=Role.OWNER if k < 2 else Role.STAFF))
            db.session.flush()
            order = Order(supplier_id=supplier.id, buyer_id=buyer.id, number=1,
                          channel=Channel.API, placed_by_id=users[min(1, len(users) - 1)].id,
                          delivery_location_id=location.id,
                          requested_delivery_date=date.today() + timedelta(days=2),
                          currency="USD", subtotal=Decimal("100.00"))
            db.session.add(order)
            db.session.flush()
            for user in users:
                token, _ = accounts.create_api_token(user, "bench")
                seats.append(Seat(token, order.id))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return seats


# -- clients and the load ----------------------------------------------------------------


STEPS = ("send", "handler", "statement", "answer", "emit", "receive")  # --trace's stamps


class Recorder:
    """Send times by client_id, and every (receive - send) latency after the warm-up."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # client_id -> (sent at, sender index, measured?, sent at by the wall clock)
        self.sent: dict[str, tuple[float, int, bool, float]] = {}
        self.latencies: list[float] = []
        self.steps: dict[str, list[float]] = {}  # "a → b" -> durations (--trace)
        self.acks: list[float] = []
        self.errors = 0
        self.measuring = False
        self.expected = 0
        self.received = 0

    def on_message(self, receiver: int, message: dict[str, Any]) -> None:
        now = time.perf_counter()
        with self.lock:
            entry = self.sent.get(message.get("client_id") or "")
            if entry is None or entry[1] == receiver or not entry[2]:
                return
            self.latencies.append(now - entry[0])
            self.received += 1
            if "_trace" in message:
                self._add_steps({"send": entry[3], **message["_trace"], "receive": time.time()})

    def _add_steps(self, stamps: dict[str, float]) -> None:
        marks = [(name, stamps[name]) for name in STEPS if name in stamps]
        for (a, at), (b, bt) in itertools.pairwise(marks):
            self.steps.setdefault(f"{a} → {b}", []).append(bt - at)


def connect_clients(seats: list[Seat], urls: list[str], recorder: Recorder,
                    app_auth: bool) -> list[Any]:
    import socketio

    by_room: dict[int, list[int]] = {}
    for index, seat in enumerate(seats):
        by_room.setdefault(seat.order_id, []).append(index)

    def connect(index: int) -> Any:
        seat = seats[index]
        position = by_room[seat.order_id].index(index)
        client = socketio.Client(reconnection=False)
        client.on("message", lambda m, i=index: recorder.on_message(i, m))
        client.connect(urls[position % len(urls)], auth={"token": seat.token} if app_auth else None,
                       transports=["websocket"], wait_timeout=20)
        ack = client.call("join", {"order_id": seat.order_id, "after_id": None}, timeout=20)
        if not ack or not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")
        return client

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(connect, range(len(seats))))


def run_load(clients: list[Any], seats: list[Seat], recorder: Recorder, rate: float,
             warmup: float, duration: float) -> float:
    """Send `rate` messages per second round-robin over the clients; returns the measured
    seconds."""
    room_sizes: dict[int, int] = {}
    for seat in seats:
        room_sizes[seat.order_id] = room_sizes.get(seat.order_id, 0) + 1
    order = list(range(len(clients)))
    interval = 1.0 / rate
    total = int((warmup + duration) * rate)
    start = time.perf_counter()
    measure_from = start + warmup
    for n in range(total):
        due = start + n * interval
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        index = order[n % len(order)]
        seat = seats[index]
        client_id = uuid.uuid4().hex
        now = time.perf_counter()
        with recorder.lock:
            if not recorder.measuring and now >= measure_from:
                recorder.measuring = True
            recorder.sent[client_id] = (now, index, recorder.measuring, time.time())
            if recorder.measuring:
                recorder.expected += room_sizes[seat.order_id] - 1

        def ack(result: Any = None, sent_at: float = now) -> None:
            with recorder.lock:
                if not result or not result.get("ok"):
                    recorder.errors += 1
                elif recorder.measuring:
                    recorder.acks.append(time.perf_counter() - sent_at)

        clients[index].emit("send", {"order_id": seat.order_id, "body": f"bench {n}",
                                     "client_id": client_id}, callback=ack)
    measured = time.perf_counter() - measure_from
    time.sleep(2.0)  # let the last deliveries land (bounded)
    return measured


@dataclass
class Result:
    name: str
    latencies: list[float]
    acks: list[float]
    expected: int
    received: int
    errors: int
    seconds: float
    cpu: float = 0.0  # CPU seconds the two server processes used during the run
    messages: int = 0
    steps: dict[str, list[float]] = field(default_factory=dict)  # --trace

    def pct(self, values: list[float], q: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "deliveries": self.received,
            "expected": self.expected,
            "lost": self.expected - self.received,
            "send_errors": self.errors,
            "p50_ms": round(self.pct(self.latencies, 50), 2),
            "p95_ms": round(self.pct(self.latencies, 95), 2),
            "p99_ms": round(self.pct(self.latencies, 99), 2),
            "max_ms": round(max(self.latencies) * 1000, 2) if self.latencies else None,
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2)
            if self.latencies else None,
            "ack_p99_ms": round(self.pct(self.acks, 99), 2),
            "messages_per_s": round(len(self.acks) / self.seconds, 1),
            "deliveries_per_s": round(self.received / self.seconds, 1),
            "server_cpu_ms_per_message": round(self.cpu / self.messages * 1000, 2)
            if self.messages else None,
        }


def measure(name: str, targets: list[Server], seats: list[Seat], args: argparse.Namespace,
            app_auth: bool) -> Result:
    recorder = Recorder()
    clients = connect_clients(seats, [s.url for s in targets], recorder, app_auth)
    try:
        cpu_before = sum(s.cpu_seconds() for s in targets)
        seconds = run_load(clients, seats, recorder, args.rate, args.warmup, args.duration)
        cpu = sum(s.cpu_seconds() for s in targets) - cpu_before
    finally:
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda c: c.disconnect(), clients))
    return Result(name, recorder.latencies, recorder.acks, recorder.expected, recorder.received,
                  recorder.errors, seconds, cpu, len(recorder.sent), recorder.steps)


def merge(name: str, parts: list[Result]) -> Result:
    steps: dict[str, list[float]] = {}
    for part in parts:
        for step, durations in part.steps.items():
            steps.setdefault(step, []).extend(durations)
    return Result(name, [x for p in parts for x in p.latencies], [x for p in parts for x in p.acks],
                  sum(p.expected for p in parts), sum(p.received for p in parts),
                  sum(p.errors for p in parts), sum(p.seconds for p in parts),
                  sum(p.cpu for p in parts), sum(p.messages for p in parts), steps)


def print_steps(results: list[Result]) -> None:
    """--trace: each step of a delivery, p50 and p99 (a delivery's steps do not add up to
    its percentile: each step's percentile is taken on its own)."""
    print(f"{'step (--trace)':22} {'':22} {'p50 ms':>8} {'p99 ms':>8}")
    for result in results:
        for step, durations in result.steps.items():
            print(f"{result.name:22} {step:22} {result.pct(durations, 50):>8.2f} "
                  f"{result.pct(durations, 99):>8.2f}")


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=50, help="orders (rooms) to spread over")
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not measured")
    parser.add_argument("--rounds", type=int, default=3,
                        help="floor and app measured in turn this many times (pooled): one "
                        "busy moment of the machine moves a single round's p99 by milliseconds")
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--synchronous-commit", choices=["on", "off"], default="on",
                        help="PostgreSQL synchronous_commit for the bench database (on: every "
                        "message is flushed to disk before it is acknowledged)")
    parser.add_argument("--trace", action="store_true",
                        help="stamp each message on its way (bench/chat_trace.py) and print "
                        "how long each step took")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 1000 and 1 <= args.rooms <= args.clients):
        parser.error("use 1..1000 clients and 1..clients rooms")
    if not (0 < args.rate <= 1000 and 0 < args.duration <= 600 and 1 <= args.rounds <= 10):
        parser.error("use a rate of at most 1000/s, at most 600 s and 1..10 rounds")

    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    logdir = Path(tempfile.mkdtemp(prefix="ordertalk-bench-"))
    print(f"clients={args.clients} rooms={args.rooms} rate={args.rate}/s "
          f"duration={args.duration}s warmup={args.warmup}s threads/process="
          f"{max(64, -(-args.clients // 2) + 32)} logs={logdir}", flush=True)
    database_url = create_database(args.postgres, args.synchronous_commit)
    results: list[Result] = []
    try:
        seats = seed(database_url, logdir, args.clients, args.rooms)
        print(f"seeded {len(seats)} users over {args.rooms} orders", flush=True)

        flush_redis(redis_url)
        # With gthread every open WebSocket holds one of the worker's threads: each process
        # gets a thread per client it serves, plus some for plain HTTP.
        threads = max(64, -(-args.clients // 2) + 32)
        relay_env = {"REDIS_URL": redis_url}
        app_env = {"REDIS_URL": redis_url, "DATABASE_URL": database_url,
                   "SECRET_KEY": "bench-secret"}
        with servers(lambda i: Server(f"relay{i}", "chat_latency:relay_app()", relay_env,
                                      logdir, threads, args.trace),
                     "/socket.io/?EIO=4&transport=polling") as relay, \
                servers(lambda i: Server(f"app{i}", "app:create_app()", app_env, logdir,
                                         threads, args.trace), "/healthz") as app_servers:
            # Floor and app take turns, so a busy moment of the machine hits both alike.
            for round_no in range(1, args.rounds + 1):
                results.append(measure("floor (bare relay)", relay, seats, args,
                                       app_auth=False))
                results.append(measure("ordertalk chat", app_servers, seats, args,
                                       app_auth=True))
                if args.rounds > 1:
                    floor_r, app_r = (r.summary() for r in results[-2:])
                    print(f"round {round_no}: p99 floor {floor_r['p99_ms']} ms, "
                          f"app {app_r['p99_ms']} ms; server CPU per message floor "
                          f"{floor_r['server_cpu_ms_per_message']} ms, app "
                          f"{app_r['server_cpu_ms_per_message']} ms", flush=True)
        flush_redis(redis_url)
    finally:
        drop_database(args.postgres, database_url)

    pooled = [merge("floor (bare relay)", results[0::2]), merge("ordertalk chat", results[1::2])]
    floor, app = (r.summary() for r in pooled)
    header = f"{'':22} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'msg/s':>7} " \
             f"{'deliv/s':>8} {'lost':>5} {'errors':>6} {'cpu ms/msg':>10}"
    print(header)
    for row in (floor, app):
        print(f"{row['name']:22} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8} "
              f"{row['max_ms']:>8} {row['messages_per_s']:>7} {row['deliveries_per_s']:>8} "
              f"{row['lost']:>5} {row['send_errors']:>6} "
              f"{row['server_cpu_ms_per_message']:>10}")
    ratio = {k: round(app[k] / floor[k], 2) for k in ("p50_ms", "p95_ms", "p99_ms")
             if floor[k]}
    print(f"ratio app/floor: p50 {ratio.get('p50_ms')}x  p95 {ratio.get('p95_ms')}x  "
          f"p99 {ratio.get('p99_ms')}x  (target: p99 <= 1.5x)")
    if args.trace:
        print_steps(pooled)
    if args.json:
        print(json.dumps({"floor": floor, "app": app, "ratio": ratio}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
