"""Notification throughput: N notifications through the dispatcher (the real Twilio and
SendGrid SDK adapters) to a local fake provider that answers every request in 50 ms.

    .venv/bin/python bench/notify_throughput.py [-n 1000] [--concurrency 16] [--latency 0.05]

Prints notifications/s and the ratio to the ideal (concurrency / provider latency): the
dispatcher sends concurrently through a bounded pool, so with the database and the SDKs
costing little next to the provider's latency the ratio stays close to 1. Runs on a
throwaway SQLite database unless DATABASE_URL is set (use a scratch PostgreSQL database:
the bench adds an organization and its notifications). Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class FakeProvider(BaseHTTPRequestHandler):
    """Twilio's Messages.json (201 with a message) and SendGrid's /v3/mail/send (202)."""

    latency = 0.05
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle's algorithm and the
    # client's delayed ACK add up to 40 ms to every answer — a fake's artifact, not the
    # provider's latency.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(self.latency)
        if self.path.endswith("/Messages.json"):
            body = json.dumps({"sid": "SM" + secrets.token_hex(16), "status": "queued"}).encode()
            self._reply(201, body, {"Content-Type": "application/json"})
        else:
            self._reply(202, b"", {"X-Message-Id": secrets.token_urlsafe(12)})

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="notifications (default 1000)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.05, help="provider latency (s)")
    args = parser.parse_args()

    FakeProvider.latency = args.latency
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake = f"http://127.0.0.1:{server.server_port}"

    scratch = tempfile.mkdtemp(prefix="notify-bench-")
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{scratch}/bench.db"
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({
        "DATABASE_URL": database, "SECRET_KEY": "bench", "TESTING": True,
        "SENDGRID_API_KEY": "SG.bench", "SENDGRID_API_HOST": fake,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "bench",
        "TWILIO_FROM_NUMBER": "+14155550000", "TWILIO_API_BASE_URL": fake,
        "NOTIFY_CONCURRENCY": str(args.concurrency), "NOTIFY_POLL_SECONDS": "0.05",
    }, instance_path=scratch)

    from messaging.notifications.dispatcher import Dispatcher
    from messaging.notifications.models import Channel, Notification, RecipientKind, Status
    from messaging.notifications.outbox import Draft, enqueue
    from wholesale.accounts.models import Organization, OrgKind
    from wholesale.extensions import db

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        org = Organization(kind=OrgKind.SUPPLIER, name="Bench Supplies")
        db.session.add(org)
        db.session.flush()
        run = secrets.token_hex(4)
        for i in range(args.n):
            channel = Channel.SMS if i % 2 else Channel.EMAIL
            address = f"+1415{i:07d}" if channel is Channel.SMS else f"bench{i}@example.test"
            enqueue(Draft(
                event="invitation", event_key=f"bench:{run}:{i}", channel=channel,
                address=address, organization_id=org.id,
                recipient_kind=RecipientKind.ADDRESS, recipient_name=address,
                payload={"detail": {"organization": "Bench Supplies", "invited_by": "Bench",
                                    "kind": "buyer", "url": "http://127.0.0.1:5000/x",
                                    "expires": "soon"}, "links": {}}))
        org_id = org.id
        db.session.commit()
        db.session.remove()

    dispatcher = Dispatcher(app, run_digests=False)
    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    dispatcher.drain(timeout=600)
    elapsed = time.perf_counter() - started
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumtime").print_stats(25)
    dispatcher.finish()

    with app.app_context():
        sent = db.session.query(Notification).filter(
            Notification.organization_id == org_id, Notification.status == Status.SENT).count()
    server.shutdown()
    rate = sent / elapsed
    ideal = args.concurrency / args.latency
    print(f"notifications: {sent}/{args.n} sent in {elapsed:.2f}s "
          f"(concurrency {args.concurrency}, provider latency {args.latency * 1000:.0f} ms, "
          f"database {database.split(':', 1)[0]})")
    print(f"throughput: {rate:.1f} notifications/s")
    print(f"ideal: {ideal:.1f}/s  ratio: {rate / ideal:.2f}")
    if sent != args.n:
        sys.exit(1)


if __name__ == "__main__":
    main()
