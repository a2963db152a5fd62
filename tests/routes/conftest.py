"""A delivery day for the runs tests: the orders tests' shop (Oakland and Sacramento
warehouses), several buyers around San Francisco with receiving windows, orders placed
through the real placement service, a driver, and API clients that commit first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

import pytest

from tests.factories import Factory
from tests.fulfilment.conftest import api_as, sent  # noqa: F401  (fixtures)
from tests.orders.conftest import Shop, build_shop
from wholesale.accounts.models import Organization, Role, User
from wholesale.catalog.models import Product
from wholesale.orders.models import Order
from wholesale.orders.placement import place_order
from wholesale.routes import services
from wholesale.sites.models import DeliveryLocation

PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
       "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
SPOTS = [("37.76", "-122.42"), ("37.77", "-122.41"), ("37.78", "-122.40"), ("37.79", "-122.43"),
         ("37.75", "-122.44"), ("37.80", "-122.41")]


@dataclass
class Day:
    shop: Shop
    product: Product
    driver: User
    other_driver: User
    day: date
    buyers: list[tuple[Organization, User, DeliveryLocation]] = field(default_factory=list)

    def customer(self, n: int, *, lat: str | None = None, lng: str | None = None,
                 windows: list[tuple[int, time, time]] | None = None
                 ) -> tuple[Organization, User, DeliveryLocation]:
        factory: Factory = self.shop.factory
        buyer = factory.buyer(f"Kitchen {n}")
        factory.connect(self.shop.supplier, buyer)
        spot = SPOTS[n % len(SPOTS)]
        location = factory.location(buyer, f"Kitchen {n}", lat or spot[0], lng or spot[1])
        if windows is not None:
            services.set_windows(location, windows)
        entry = (buyer, factory.owner(buyer), location)
        self.buyers.append(entry)
        return entry

    def order(self, who: tuple[Organization, User, DeliveryLocation], quantity: int = 2,
              product: Product | None = None) -> Order:
        buyer, user, location = who
        kwargs = self.shop.place_kwargs((product or self.product, quantity),
                                        actor=user, buyer=buyer,
                                        delivery_location_id=location.id,
                                        requested_delivery_date=self.day)
        return place_order(**kwargs).order


@pytest.fixture
def shop(factory: Factory) -> Shop:
    return build_shop(factory)


@pytest.fixture
def day(shop: Shop, factory: Factory) -> Day:
    product = shop.product({shop.near: 500}, weight_kg=Decimal("12.5"))
    driver = factory.user(shop.supplier, role=Role.DRIVER, email=None)
    other = factory.user(shop.supplier, role=Role.DRIVER)
    return Day(shop, product, driver, other, shop.delivery_date())
