"""The production shape on this machine (`scripts/cluster.sh`): nginx in front of two web
processes and a notification worker, sharing PostgreSQL and Redis. A chat message crosses
processes, nginx upgrades WebSockets and keeps Socket.IO's polling sticky, serves static files
itself with cache headers, proxies the API, and `down` stops exactly what `up` started."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from tests import databases
from tests.chat.util import Client, World, make_world
from tests.conftest import ROOT, TEST_SECRET, free_port
from tests.factories import Factory
from wholesale.extensions import db

pytestmark = pytest.mark.cluster

REDIS_URL = os.environ.get("CLUSTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
NAMES = ("nginx", "web1", "web2", "worker1")


@dataclass
class Cluster:
    url: str
    backends: list[str]
    run: Path
    env: dict[str, str]

    def script(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "scripts/cluster.sh", command], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)

    def pids(self) -> dict[str, int]:
        return {name: int((self.run / f"{name}.pid").read_text()) for name in NAMES
                if (self.run / f"{name}.pid").exists()}


def two_free_ports() -> int:
    """A port p with p + 1 free too (the web processes listen on consecutive ports)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def cluster(app, database_url: str) -> Iterator[Cluster]:
    if not databases.is_postgres(database_url):
        pytest.skip("the cluster runs on PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://…")
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.fail("nginx is not installed (apt-get install -y nginx; .ci/run does it)")
    redis.Redis.from_url(REDIS_URL).flushdb()
    port, backend = free_port(), two_free_ports()
    # Under instance/ (not pytest's private tmp): nginx's workers, as www-data, write there.
    run = ROOT / "instance" / f"cluster-test-{os.getpid()}"
    env = {**os.environ, "CLUSTER_DIR": str(run), "CLUSTER_PORT": str(port),
           "CLUSTER_BACKEND_PORT": str(backend), "CLUSTER_THREADS": "32", "CLUSTER_SEED": "0",
           "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
           "SOCKETIO_CHANNEL": f"ordertalk-cluster-test-{os.getpid()}",
           "SECRET_KEY": TEST_SECRET}
    env.pop("PUBLIC_BASE_URL", None)
    made = Cluster(f"http://127.0.0.1:{port}",
                   [f"http://127.0.0.1:{backend}", f"http://127.0.0.1:{backend + 1}"], run, env)
    started = made.script("up")
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield made
    finally:
        made.script("down")
        redis.Redis.from_url(REDIS_URL).flushdb()
        shutil.rmtree(run, ignore_errors=True)


@pytest.fixture
def world(cluster: Cluster, live_db: Factory) -> World:
    built = make_world(live_db)
    db.session.commit()
    return built


class PollingClient(Client):
    """A chat client on Engine.IO's long-polling transport (no WebSocket)."""

    def connect(self) -> PollingClient:
        self.sio.connect(self.url, auth={"token": self.token}, transports=["polling"],
                         wait_timeout=10)
        return self


@pytest.fixture
def clients() -> Iterator[list[Client]]:
    opened: list[Client] = []
    yield opened
    for client in opened:
        client.close()


def test_a_message_sent_through_one_process_reaches_a_client_of_the_other(
    cluster: Cluster, world: World, clients: list[Client]
) -> None:
    first, second = cluster.backends
    # Straight to each web process (polling: a direct WebSocket would carry the backend's
    # own address as its Origin, which only PUBLIC_BASE_URL — nginx — may be).
    buyer = PollingClient(first, world.buyer_token).connect()
    supplier = PollingClient(second, world.supplier_token).connect()
    clients += [buyer, supplier]
    assert buyer.join(world.order_id)["ok"] and supplier.join(world.order_id)["ok"]

    sent = buyer.send(world.order_id, "from web one")["message"]
    assert supplier.wait_for("message", lambda m: m["id"] == sent["id"])["body"] == "from web one"

    posted = requests.post(f"{second}/api/v1/orders/{world.order_id}/messages",
                           json={"body": "from web two's API"}, timeout=10,
                           headers={"Authorization": f"Bearer {world.supplier_token}"})
    assert posted.status_code == 201, posted.text
    assert buyer.wait_for("message", lambda m: m["id"] == posted.json()["id"])


def test_nginx_upgrades_websockets_and_keeps_polling_sticky(
    cluster: Cluster, world: World, clients: list[Client]
) -> None:
    websocket = Client(cluster.url, world.supplier_token).connect()
    polling = PollingClient(cluster.url, world.buyer_token).connect()
    clients += [websocket, polling]
    assert websocket.sio.transport() == "websocket"
    assert polling.sio.transport() == "polling"
    assert websocket.join(world.order_id)["ok"] and polling.join(world.order_id)["ok"]
    # Plain requests are spread over both web processes; each message reaches both clients,
    # and the polling session keeps answering (without stickiness a poll would land on the
    # other process, which does not know the session: 400).
    for n in range(6):
        posted = requests.post(f"{cluster.url}/api/v1/orders/{world.order_id}/messages",
                               json={"body": f"through nginx {n}"}, timeout=10,
                               headers={"Authorization": f"Bearer {world.staff_token}"})
        assert posted.status_code == 201, posted.text
        message_id = posted.json()["id"]
        for client in (websocket, polling):
            assert client.wait_for("message", lambda m, i=message_id: m["id"] == i)
    reply = polling.send(world.order_id, "polling still works")["message"]
    assert websocket.wait_for("message", lambda m: m["id"] == reply["id"])
    served_by = {line.split()[0] for line in access_lines(cluster) if "/messages" in line}
    assert len(served_by) == 2, served_by


def access_lines(cluster: Cluster) -> list[str]:
    """nginx's log of which web process answered each request (`$upstream_addr` first)."""
    return (cluster.run / "nginx-upstream.log").read_text().splitlines()


def test_nginx_serves_static_files_and_proxies_the_api(cluster: Cluster, world: World) -> None:
    static = requests.get(f"{cluster.url}/static/vendor/socket.io.min.js", timeout=10)
    assert static.status_code == 200
    assert static.headers["Cache-Control"] == "public, max-age=3600"
    assert static.headers["ETag"] and static.headers["Last-Modified"]
    assert static.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in static.headers  # nginx's answer, not the app's
    assert static.content == (ROOT / "static/vendor/socket.io.min.js").read_bytes()
    revalidated = requests.get(f"{cluster.url}/static/vendor/socket.io.min.js", timeout=10,
                               headers={"If-None-Match": static.headers["ETag"]})
    assert revalidated.status_code == 304

    me = requests.get(f"{cluster.url}/api/v1/me", timeout=10,
                      headers={"Authorization": f"Bearer {world.buyer_token}"})
    assert me.status_code == 200 and me.json()["user"]["id"] == world.buyer_user_id
    assert requests.get(f"{cluster.url}/api/v1/me", timeout=10).status_code == 401

    too_big = requests.post(f"{cluster.url}/api/v1/orders/{world.order_id}/messages",
                            data=b"x" * (18 * 1024 * 1024), timeout=30,
                            headers={"Authorization": f"Bearer {world.buyer_token}",
                                     "Content-Type": "application/json"})
    assert too_big.status_code == 413


def test_down_stops_exactly_what_up_started(cluster: Cluster) -> None:
    pids = cluster.pids()
    assert set(pids) == set(NAMES) and all(alive(pid) for pid in pids.values())
    # A pid file whose process is not the one `up` started (the pid was reused) is left be.
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        (cluster.run / "worker9.pid").write_text(f"{bystander.pid}\n")
        (cluster.run / "worker9.start").write_text("1\n")
        stopped = cluster.script("down")
        assert stopped.returncode == 0, stopped.stderr
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in pids.values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [name for name, pid in pids.items() if alive(pid)]
        assert bystander.poll() is None
        assert not list(cluster.run.glob("*.pid"))
        assert cluster.script("status").stdout.strip() == "not up"
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{cluster.url}/healthz", timeout=2)
    finally:
        bystander.kill()
        bystander.wait()
