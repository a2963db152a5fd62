"""A distributor's morning, for Locust: buyers browse, search, order and chat; supplier staff
work the board and reply. Run it through `bench/load.py` (which starts the cluster, seeds it
and writes the world file this reads), or by hand against a running cluster:

    LOAD_WORLD=instance/load-world.json .venv/bin/locust -f bench/locustfile.py --headless \\
        -u 40 -r 20 -t 60s --host http://127.0.0.1:8080

Every request is named after the action it stands for, so Locust's table is per action.

Chat goes through the REST messages API, not a Socket.IO client per Locust user: posting a
message runs the same service as the socket's `send` (access check, insert, commit, broadcast
to the order's room through Redis), and Locust times requests, not pushes — how fast a
message reaches the other side across processes is bench/chat_latency.py's measure. The page
itself stays what a browser fetches (the order page renders the thread).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

WORLD: dict[str, Any] = json.loads(Path(os.environ["LOAD_WORLD"]).read_text())
_buyers = itertools.cycle(WORLD["buyers"])
_staff = itertools.count()
CSRF = re.compile(r'name="csrf[-_]token" (?:value|content)="([^"]+)"')
HIDDEN = re.compile(r'name="(supplier_id|checkout_key)" value="([^"]*)"')
SELECTED = re.compile(r'name="(delivery_location_id|requested_delivery_date)".*?'
                      r'<option value="([^"]+)"(?: selected)?>', re.S)
NEXT_STATUS = {"placed": "received", "received": "picking", "picking": "packed"}


def lines(count: int) -> list[dict[str, int]]:
    return [{"product_id": p["id"], "quantity": p["quantity"]}
            for p in random.sample(WORLD["products"], count)]


_signed_in = itertools.count(1)


def signed_in(environment: Any) -> None:
    """The figures start once every user has signed in: the sign-in burst (password hashing
    by design slow) is the start of the morning, not its steady state."""
    if next(_signed_in) == environment.parsed_options.num_users:
        environment.runner.stats.reset_all()
        print(f"all {environment.parsed_options.num_users} users signed in: figures start now")


def error_code(response: Any) -> str:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return ""


class PortalUser(HttpUser):
    """Signs in through the login form; API calls carry a bearer token."""

    abstract = True
    email = password = token = csrf_token = ""

    def sign_in(self) -> None:
        page = self.client.get("/login", name="sign in: page")
        self.client.post("/login", name="sign in: submit", allow_redirects=False,
                         data={"email": self.email, "password": self.password,
                               "csrf_token": self.csrf(page.text)})
        # Signing in starts a new session, and with it a new CSRF token.
        self.csrf_token = self.csrf(self.client.get("/", name="portal: dashboard").text)
        self.api = {"Authorization": f"Bearer {self.token}"}
        signed_in(self.environment)

    @staticmethod
    def csrf(html: str) -> str:
        match = CSRF.search(html)
        return match.group(1) if match else ""


class Buyer(PortalUser):
    """A buyer's staff: the catalog, search, orders by portal and API, chat on orders."""

    weight = 4
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        me = next(_buyers)
        self.email, self.password, self.token = me["email"], me["password"], me["token"]
        self.location_id = me["location_id"]
        self.orders: list[int] = []
        self.sign_in()

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/", name="portal: dashboard")

    @task(6)
    def browse_catalog(self) -> None:
        self.client.get(f"/catalog?supplier={WORLD['supplier_id']}", name="portal: catalog")

    @task(4)
    def search_catalog(self) -> None:
        term = random.choice(WORLD["search_terms"])
        self.client.get(f"/catalog?supplier={WORLD['supplier_id']}&q={term}",
                        name="portal: search")

    @task(2)
    def search_api(self) -> None:
        term = random.choice(WORLD["search_terms"])
        self.client.get(f"/api/v1/products?supplier_id={WORLD['supplier_id']}&q={term}",
                        headers=self.api, name="api: product search")

    @task(3)
    def my_orders(self) -> None:
        self.client.get("/orders", name="portal: order list")
        if self.orders:
            self.client.get(f"/orders/{random.choice(self.orders)}", name="portal: order page")

    @task(2)
    def order_in_portal(self) -> None:
        for item in lines(2):
            self.client.post("/cart/add", name="portal: add to cart", allow_redirects=False,
                             data={"product_id": item["product_id"],
                                   "quantity": item["quantity"],
                                   "csrf_token": self.csrf_token})
        checkout = self.client.get(f"/checkout?supplier={WORLD['supplier_id']}",
                                   name="portal: checkout page")
        form = dict(HIDDEN.findall(checkout.text))
        form.update(SELECTED.findall(checkout.text))
        form["csrf_token"] = self.csrf_token
        with self.client.post("/checkout", data=form, name="portal: place order",
                              allow_redirects=False, catch_response=True) as response:
            placed = re.search(r"/orders/(\d+)/placed", response.headers.get("Location", ""))
            if response.status_code != 302 or not placed:
                message = re.search(r'role="alert">.*?<p>(.*?)</p>', response.text, re.S)
                response.failure(f"not placed: {response.status_code} "
                                 f"{message.group(1)[:80] if message else ''}")
            else:
                self.orders.append(int(placed.group(1)))

    @task(2)
    def order_by_api(self) -> None:
        body = {"supplier_id": WORLD["supplier_id"], "lines": lines(3),
                "requested_delivery_date": WORLD["delivery_date"],
                "delivery_location_id": self.location_id}
        key = uuid.uuid4().hex
        with self.client.post("/api/v1/orders", json=body, name="api: place order",
                              headers={**self.api, "Idempotency-Key": key},
                              catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {error_code(response)}")
                return
            self.orders.append(response.json()["id"])
            # An integration retrying after a lost answer gets the same order back.
            if random.random() < 0.1:
                self.client.post("/api/v1/orders", json=body, name="api: place order (retry)",
                                 headers={**self.api, "Idempotency-Key": key})

    @task(3)
    def chat(self) -> None:
        if not self.orders:
            return
        order_id = random.choice(self.orders)
        self.client.get(f"/api/v1/orders/{order_id}/messages", headers=self.api,
                        name="chat: read thread")
        self.client.post(f"/api/v1/orders/{order_id}/messages", headers=self.api,
                         json={"body": random.choice(WORLD["buyer_lines"])},
                         name="chat: buyer message")


class SupplierStaff(PortalUser):
    """The supplier's staff: the board, moving orders along, shipping, answering."""

    weight = 1
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        staff = WORLD["supplier"]
        self.email, self.password, self.token = staff["email"], staff["password"], staff["token"]
        # Each staff member works its own share of the orders, as a team splits the board.
        self.share = next(_staff)
        self.sign_in()

    def mine(self, status: str) -> list[dict[str, Any]]:
        response = self.client.get(f"/api/v1/orders?status={status}&limit=50",
                                   headers=self.api, name="api: orders by status")
        if response.status_code != 200:
            return []
        shares = WORLD["staff_users"]
        return [o for o in response.json()["items"] if o["id"] % shares == self.share % shares]

    @task(4)
    def board(self) -> None:
        self.client.get("/board", name="portal: board")

    @task(1)
    def inbox(self) -> None:
        self.client.get("/inbox", name="portal: inbox")

    @task(6)
    def move_along(self) -> None:
        status = random.choice(list(NEXT_STATUS))
        orders = self.mine(status)
        if orders:
            order = random.choice(orders)
            self.client.post(f"/api/v1/orders/{order['id']}/status", headers=self.api,
                             json={"status": NEXT_STATUS[status]}, name="api: move status")

    @task(2)
    def ship(self) -> None:
        orders = self.mine("packed")
        if orders:
            order = random.choice(orders)
            self.client.post(f"/api/v1/orders/{order['id']}/shipments", headers=self.api,
                             json={"carrier": "Own fleet",
                                   "tracking_number": uuid.uuid4().hex[:12]},
                             name="api: ship")

    @task(3)
    def reply(self) -> None:
        orders = self.mine(random.choice(["placed", "received"]))
        if orders:
            order_id = random.choice(orders)["id"]
            self.client.get(f"/orders/{order_id}", name="portal: order page (supplier)")
            self.client.post(f"/api/v1/orders/{order_id}/messages", headers=self.api,
                             json={"body": random.choice(WORLD["supplier_lines"])},
                             name="chat: supplier reply")
