"""Several processes sharing Redis: a message written in one reaches clients of another."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import requests

from tests.chat.conftest import CHAT_REDIS_URL
from tests.conftest import ROOT


def test_messages_cross_processes_through_redis(redis_servers, shared_redis, live_world,
                                                 sockets):
    first, second = redis_servers
    order_id = live_world.order_id
    buyer = sockets(first.url, live_world.buyer_token)
    supplier = sockets(second.url, live_world.supplier_token)
    staff = sockets(second.url, live_world.staff_token)
    for client in (buyer, supplier, staff):
        assert client.join(order_id)["ok"]
    sent = buyer.send(order_id, "From process one")["message"]
    assert supplier.wait_for("message", lambda m: m["id"] == sent["id"])["body"] == (
        "From process one")
    reply = supplier.send(order_id, "Answer from process two")["message"]
    assert buyer.wait_for("message", lambda m: m["id"] == reply["id"])
    # Notes cross processes to the supplier's side only.
    note = staff.send(order_id, "NOTE-ONLY-STAFF", internal=True)["message"]
    supplier.wait_for("message", lambda m: m["id"] == note["id"])
    assert "NOTE-ONLY-STAFF" not in repr(buyer.received("message", 0.5))
    # Typing and read receipts too.
    assert supplier.call("typing", {"order_id": order_id})["ok"]
    assert buyer.wait_for("typing")["user"]["id"] == live_world.supplier_user_id
    assert supplier.call("read", {"order_id": order_id, "message_id": sent["id"]})["ok"]
    assert buyer.wait_for("read")["message_id"] == sent["id"]


def test_api_post_on_one_process_arrives_on_the_other(redis_servers, shared_redis,
                                                       live_world, sockets):
    first, second = redis_servers
    supplier = sockets(second.url, live_world.supplier_token)
    supplier.join(live_world.order_id)
    response = requests.post(
        f"{first.url}/api/v1/orders/{live_world.order_id}/messages",
        json={"body": "via the API of process one"},
        headers={"Authorization": f"Bearer {live_world.buyer_token}"}, timeout=10)
    assert response.status_code == 201, response.text
    got = supplier.wait_for("message", lambda m: m["id"] == response.json()["id"])
    assert got["body"] == "via the API of process one"


def test_a_message_written_by_another_process_reaches_clients(redis_servers, shared_redis,
                                                               live_world, sockets,
                                                               database_url, tmp_path):
    """A process that serves nothing (a `flask` command, the worker) writes and emits."""
    first, _ = redis_servers
    buyer = sockets(first.url, live_world.buyer_token)
    buyer.join(live_world.order_id)
    script = textwrap.dedent(f"""
        from app import create_app
        from messaging.chat import services
        from messaging.chat.access import open_thread
        from wholesale.accounts.models import User
        from wholesale.extensions import db

        app = create_app({{"DATABASE_URL": {database_url!r}, "REDIS_URL": {CHAT_REDIS_URL!r},
                           "SECRET_KEY": "x"}}, instance_path={str(tmp_path)!r})
        with app.app_context():
            user = db.session.get(User, {live_world.supplier_user_id})
            access = open_thread(user, {live_world.order_id})
            services.post_message(access, "written by a worker process", client_id="w-1")
            db.session.commit()
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    got = buyer.wait_for("message", lambda m: m["client_id"] == "w-1")
    assert got["body"] == "written by a worker process"
