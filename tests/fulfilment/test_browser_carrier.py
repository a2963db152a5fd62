"""Buying a label in Chromium: on the order page the supplier gets the rates side by side
for the parcels the catalog gives, buys one, and the shipment appears with its tracking and
the label to print. The live server talks to the local fake Shippo through the SDK."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import LiveServer, save_screenshot
from tests.fulfilment.conftest import place
from tests.fulfilment.fake_shippo import FakeShippo
from tests.fulfilment.test_browser import _sign_in
from tests.orders.conftest import build_shop
from wholesale.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeShippo]:
    server = FakeShippo().start()
    yield server
    server.stop()
    assert server.shape_errors == []


@pytest.fixture(scope="module")
def shippo_server(app, database_url: str, fake: FakeShippo,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(database_url, tmp_path_factory.mktemp("live-shippo"), {
        "SHIPPO_API_KEY": fake.api_key, "SHIPPO_API_BASE_URL": fake.url}).start()
    yield server
    server.stop()


def test_the_supplier_buys_a_label_from_the_order_page(browser, shippo_server, fake,
                                                       live_db) -> None:
    shop = build_shop(live_db)
    product = shop.product({shop.near: 30}, name="Olive oil tins", case_size=6,
                           weight_kg=Decimal("1.2"), case_length_cm=Decimal("40"),
                           case_width_cm=Decimal("30"), case_height_cm=Decimal("25"))
    shop.location.address = "2100 Mission St, San Francisco, CA 94110"
    order = place(shop, (product, 12))
    order_url, email = f"/orders/{order.id}", shop.supplier_user.email
    db.session.commit()
    db.session.close()

    context = browser.new_context(base_url=shippo_server.url,
                                  viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(10_000)
    page: Any = context.new_page()
    _sign_in(page, email, order_url)
    page.click("[data-menu-button]")
    page.get_by_role("menuitem", name="Ship by carrier…").click()
    weights = page.locator("[data-parcel] [name=weight_kg]")
    assert weights.count() == 2 and weights.first.input_value() == "7.2"
    page.click("[data-get-rates]")
    page.wait_for_selector("[data-rate]")
    cards = page.locator("[data-rate]")
    assert cards.count() == 3
    texts = [cards.nth(i).inner_text() for i in range(3)]
    assert "USPS" in texts[0] and "Priority Mail" in texts[0] and "2 days" in texts[0]
    assert "UPS" in texts[1] and "Ground" in texts[1] and "USD" in texts[1]
    save_screenshot(page, "carrier-rates")

    cards.nth(1).locator("[data-buy]").click()
    page.wait_for_selector("[data-label-link]")
    (bought,) = fake.purchases()
    shipment = page.inner_text("[data-shipment]")
    assert "UPS" in shipment and bought["tracking_number"] in shipment
    assert page.inner_text("[data-order-status]").strip().lower() == "shipped"
    label = page.request.get(page.get_attribute("[data-label-link]", "href"))
    assert label.status == 200 and label.body().startswith(b"%PDF")
    save_screenshot(page, "carrier-label-bought")
    context.close()
