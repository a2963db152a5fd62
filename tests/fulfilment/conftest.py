"""Fixtures for fulfilment tests: the orders tests' shop (a supplier with a near and a far
warehouse, a connected buyer), orders placed through the real placement service, API
clients that commit what the test set up, and a recorder of the lifecycle signals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import LiveServer
from tests.factories import Factory
from tests.fulfilment.fake_shippo import FakeShippo
from tests.orders.conftest import CommittingApi, Shop, build_shop
from wholesale import signals
from wholesale.accounts.models import User
from wholesale.catalog.models import Product
from wholesale.extensions import db
from wholesale.fulfilment.carriers import _KEY
from wholesale.fulfilment.carriers.shippo_backend import ShippoCarrier
from wholesale.inventory.models import MovementKind, StockMovement
from wholesale.orders.models import Order
from wholesale.orders.placement import place_order

LIFECYCLE = (
    "order_status_changed", "order_shipped", "order_delayed", "delivery_change_requested",
    "delivery_change_accepted", "delivery_change_declined", "order_expedited",
    "backorder_ready", "order_late",
)


@pytest.fixture(scope="module")
def live_fake() -> Iterator[FakeShippo]:
    """A fake Shippo for a module's live server (`shippo_server`)."""
    server = FakeShippo().start()
    yield server
    server.stop()
    assert server.shape_errors == []


@pytest.fixture(scope="module")
def shippo_server(app, database_url: str, live_fake: FakeShippo,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server whose carrier is Shippo — the fake — through the SDK."""
    server = LiveServer(database_url, tmp_path_factory.mktemp("live-shippo"), {
        "SHIPPO_API_KEY": live_fake.api_key, "SHIPPO_API_BASE_URL": live_fake.url}).start()
    yield server
    server.stop()


@pytest.fixture
def fake(app) -> Iterator[FakeShippo]:
    """A fake Shippo installed as the app's carrier (the real SDK talks to it); files that
    test the adapter or the webhook alone define their own `fake`."""
    server = FakeShippo().start()
    app.extensions[_KEY] = ShippoCarrier(server.api_key, server.url, timeout=2,
                                         sleep=lambda _s: None)
    yield server
    app.extensions.pop(_KEY, None)
    server.stop()
    assert server.shape_errors == []


@pytest.fixture
def shop(factory: Factory) -> Shop:
    return build_shop(factory)


def place(shop: Shop, *lines: tuple[Product, int], **extra: Any) -> Order:
    return place_order(**shop.place_kwargs(*lines, **extra)).order


def backordered(shop: Shop, *lines: tuple[Product, int], **extra: Any) -> Order:
    """The backorder of an order none of whose lines are in stock (it holds every line)."""
    placed = place(shop, *lines, **extra)
    assert placed.lines == []
    [backorder] = placed.backorders
    return backorder


@pytest.fixture
def api_as(app, factory: Factory) -> Callable[[User | None], CommittingApi]:
    def make(user: User | None) -> CommittingApi:
        return CommittingApi(app.test_client(), factory.token(user) if user else None)

    return make


@dataclass
class Sent:
    name: str
    sender: Any
    kwargs: dict[str, Any]


class Recorder:
    def __init__(self) -> None:
        self.sent: list[Sent] = []

    def of(self, name: str) -> list[Sent]:
        return [s for s in self.sent if s.name == name]

    def names(self) -> list[str]:
        return [s.name for s in self.sent]


@pytest.fixture
def sent() -> Iterator[Recorder]:
    """Every lifecycle signal sent during the test, with its sender and kwargs."""
    recorder = Recorder()
    receivers = []
    for name in LIFECYCLE:
        def receive(sender: Any, _name: str = name, **kwargs: Any) -> None:
            recorder.sent.append(Sent(_name, sender, kwargs))

        getattr(signals, name).connect(receive)
        receivers.append((name, receive))
    yield recorder
    for name, receive in receivers:
        getattr(signals, name).disconnect(receive)


def movements(order: Order, kind: MovementKind) -> list[StockMovement]:
    stmt = (select(StockMovement).where(StockMovement.order_id == order.id,
                                        StockMovement.kind == kind)
            .order_by(StockMovement.id).execution_options(all_tenants=True))
    return list(db.session.scalars(stmt))


def total_reserved() -> int:
    from wholesale.inventory.models import StockLevel

    return db.session.execute(
        select(func.coalesce(func.sum(StockLevel.__table__.c.reserved), 0))).scalar_one()


@pytest.fixture
def supplier_api(api_as: Callable[[User | None], CommittingApi], shop: Shop) -> CommittingApi:
    return api_as(shop.supplier_user)
