"""Retake the README's screenshots (docs/screenshots/) from a freshly seeded demo.

    .venv/bin/python scripts/screenshots.py [--only NAME ...] [--out DIR]

Seeds the demo into a throw-away SQLite database, serves it with gunicorn on a free port
(as `make run` does, without the notification dispatcher), signs in as the demo accounts
in Debian's Chromium (`CHROMIUM_PATH` to change) and saves each page at 1366×860 (the
dispatcher's map: full page at 1280; the draft card 1280×980). Map tiles are not fetched:
the map draws without them. Look at every picture before committing it."""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
VIEWPORT = {"width": 1366, "height": 860}
# The dispatcher's page is taken whole; the draft card with the message it was read from.
SIZES = {"dispatch": {"width": 1280, "height": 860}, "draft-card": {"width": 1280, "height": 980}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(env: dict[str, str]) -> dict[str, Any]:
    """Migrate and seed; returns the ids the pictures need."""
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    from sqlalchemy import func, select

    from app import create_app
    from messaging.chat.models import Message, MessageKind
    from wholesale.accounts.services import find_user_by_email
    from wholesale.demo import BUYER_EMAIL
    from wholesale.extensions import db
    from wholesale.orders.models import Order, OrderStatus
    from wholesale.routes.models import Run

    with create_app().app_context():
        buyer = find_user_by_email(BUYER_EMAIL).organization
        # the demo buyer's open order with the liveliest thread
        talk = (select(Message.order_id, func.count().label("n"))
                .where(Message.kind == MessageKind.TEXT).group_by(Message.order_id).subquery())
        order_id = db.session.execute(
            select(Order.id).join(talk, talk.c.order_id == Order.id)
            .where(Order.buyer_id == buyer.id,
                   Order.status.not_in([OrderStatus.DELIVERED, OrderStatus.CANCELLED]))
            .order_by(talk.c.n.desc(), Order.id.desc()).limit(1)
            .execution_options(all_tenants=True)).scalar_one()
        run = db.session.scalars(select(Run).order_by(Run.id.desc()).limit(1)
                                 .execution_options(all_tenants=True)).one()
        return {"order": order_id, "buyer": buyer.id, "run_day": run.date.isoformat(),
                "run_warehouse": run.warehouse_id}


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1",
         "--threads", "32", "--bind", f"127.0.0.1:{port}", "app:create_app()"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


def _sign_in(browser: Any, base: str, email: str, viewport: dict[str, int]) -> Any:
    from wholesale.demo_people import DEMO_PASSWORD

    context = browser.new_context(base_url=base, viewport=viewport)
    context.set_default_timeout(90_000)  # a busy machine serves the demo slowly
    # no map tiles from the internet: the dispatcher's map draws its routes without them
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    return page


def _settle(page: Any) -> None:
    page.wait_for_load_state("load")  # not networkidle: the chat socket keeps polling
    page.evaluate("() => document.fonts.ready")
    page.wait_for_function("""() => [...document.images]
        .filter((i) => i.getBoundingClientRect().top < innerHeight)
        .filter((i) => !i.classList.contains("leaflet-tile"))  // map tiles can't load here
        .every((i) => i.complete && i.naturalWidth > 0)""")  # pictures in view (lazy)
    page.wait_for_timeout(800)  # charts and maps draw after load


def _shots(ids: dict[str, Any]) -> dict[str, tuple[str, str, Callable[[Any], None] | None]]:
    """name → (who, path, what to do on the page before the picture)."""
    from wholesale.demo import BUYER_EMAIL, SUPPLIER_EMAIL

    def joined(page: Any) -> None:  # the thread is live (no "Reconnecting…" line)
        page.wait_for_selector("[data-chat][data-joined='1']")

    return {
        "dashboard": (SUPPLIER_EMAIL, "/", None),
        "order": (SUPPLIER_EMAIL, f"/orders/{ids['order']}", joined),
        "board": (SUPPLIER_EMAIL, "/board", None),
        "inbox": (SUPPLIER_EMAIL, f"/inbox/{ids['order']}", joined),
        "buyer-catalog": (BUYER_EMAIL, "/catalog", None),
        "draft-card": (SUPPLIER_EMAIL, f"/inbox/account/{ids['buyer']}", joined),
        "dispatch": (SUPPLIER_EMAIL, f"/delivery-runs?date={ids['run_day']}"
                                     f"&warehouse_id={ids['run_warehouse']}", None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="names to retake (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ordertalk-shots-") as tmp:
        port = _free_port()
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/demo.db",
               "SECRET_KEY": "screenshots-only", "PORT": str(port),
               "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}  # the socket checks its origin
        env.pop("NOTIFY_DISPATCHER", None)
        # Links written into the demo (invoice events) read as `make run`'s would.
        ids = _seed({**env, "PORT": "5000", "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
        server = _serve(env, port, Path(tmp) / "server.log")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                pages: dict[str, Any] = {}
                for name, (who, path, prepare) in _shots(ids).items():
                    if args.only and name not in args.only:
                        continue
                    wide = name == "dispatch"
                    viewport = SIZES.get(name, VIEWPORT)
                    key = f"{who}:{viewport}"
                    if key not in pages:
                        pages[key] = _sign_in(browser, f"http://127.0.0.1:{port}", who,
                                              viewport)
                    page = pages[key]
                    page.goto(path)
                    if prepare is not None:
                        prepare(page)
                    _settle(page)
                    target = args.out / f"{name}.png"
                    page.screenshot(path=str(target), full_page=wide)
                    print(f"{target}  ({path})")
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
