"""Helpers for the chat tests: orders between two organizations, and real python-socketio
clients that record what they receive."""

from __future__ import annotations

import itertools
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import socketio

from tests.factories import Factory
from wholesale.accounts.models import Organization, User
from wholesale.extensions import db
from wholesale.orders.models import Channel, Order
from wholesale.tenancy import as_tenant

_numbers = itertools.count(1)


def make_order(factory: Factory, supplier: Organization, buyer: Organization,
               placed_by: User | None = None) -> Order:
    location = factory.location(buyer)
    order = Order(
        supplier_id=supplier.id,
        buyer_id=buyer.id,
        number=next(_numbers),
        channel=Channel.PORTAL,
        placed_by_id=(placed_by or factory.owner(buyer)).id,
        delivery_location_id=location.id,
        requested_delivery_date=date.today() + timedelta(days=3),
        currency="USD",
        subtotal=Decimal("120.00"),
    )
    db.session.add(order)
    db.session.flush()
    return order


@dataclass(frozen=True)
class World:
    """Plain ids and tokens (no ORM objects: reading one after a commit would open a
    transaction in the test process, and SQLite would then keep the server waiting)."""

    supplier_id: int
    buyer_id: int
    supplier_user_id: int
    staff_user_id: int
    buyer_user_id: int
    stranger_id: int
    order_id: int
    supplier_token: str
    staff_token: str
    buyer_token: str
    stranger_token: str


def make_world(factory: Factory) -> World:
    supplier, buyer = factory.supplier(), factory.buyer()
    factory.connect(supplier, buyer)
    staff = factory.user(supplier)
    other_supplier, other_buyer = factory.supplier(), factory.buyer()
    factory.connect(other_supplier, other_buyer)
    order = make_order(factory, supplier, buyer)
    owner, buyer_owner, stranger = (factory.owner(supplier), factory.owner(buyer),
                                    factory.owner(other_buyer))
    return World(
        supplier_id=supplier.id,
        buyer_id=buyer.id,
        supplier_user_id=owner.id,
        staff_user_id=staff.id,
        buyer_user_id=buyer_owner.id,
        stranger_id=stranger.id,
        order_id=order.id,
        supplier_token=factory.token(owner),
        staff_token=factory.token(staff),
        buyer_token=factory.token(buyer_owner),
        stranger_token=factory.token(stranger),
    )


def user(user_id: int) -> User:
    with as_tenant(None):
        return db.session.get(User, user_id)


def org(org_id: int) -> Organization:
    with as_tenant(None):
        return db.session.get(Organization, org_id)


class Client:
    """A python-socketio client that keeps every event it receives."""

    def __init__(self, url: str, token: str | None = None, **connect: Any) -> None:
        self.url = url
        self.token = token
        self.sio = socketio.Client(reconnection=False)
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.seen: list[tuple[str, Any]] = []
        self._lock = threading.Lock()
        self.sio.on("*", self._record)
        self.connect_kwargs = connect

    def _record(self, event: str, data: Any = None) -> None:
        self.events.put((event, data))

    def connect(self) -> Client:
        auth = {"token": self.token} if self.token is not None else None
        self.sio.connect(self.url, auth=auth, transports=["websocket"], wait_timeout=10,
                         **self.connect_kwargs)
        return self

    def call(self, event: str, data: Any, timeout: float = 10) -> Any:
        return self.sio.call(event, data, timeout=timeout)

    def join(self, order_id: int, after_id: int | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"order_id": order_id}
        if after_id is not None:
            payload["after_id"] = after_id
        return self.call("join", payload)

    def send(self, order_id: int, body: str, client_id: str | None = None,
             **extra: Any) -> dict[str, Any]:
        return self.call("send", {"order_id": order_id, "body": body,
                                  "client_id": client_id or uuid.uuid4().hex, **extra})

    def wait_for(self, event: str, predicate: Any = None, timeout: float = 10) -> Any:
        """The first `event` (matching `predicate`) received, waiting up to `timeout`."""
        with self._lock:
            for name, data in self.seen:
                if name == event and (predicate is None or predicate(data)):
                    self.seen.remove((name, data))
                    return data
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {event!r} event within {timeout}s; saw {self.seen}")
            try:
                name, data = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if name == event and (predicate is None or predicate(data)):
                return data
            with self._lock:
                self.seen.append((name, data))

    def received(self, event: str, within: float = 0.5) -> list[Any]:
        """Every `event` received so far and during the next `within` seconds."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                item = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            with self._lock:
                self.seen.append(item)
        with self._lock:
            return [data for name, data in self.seen if name == event]

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()
