"""Buying a label in Chromium: on the order page the supplier gets the rates side by side
for the parcels the catalog gives, buys one, and the shipment appears with its tracking and
the label to print. The live server talks to the local fake Shippo through the SDK."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import save_screenshot
from tests.fulfilment.conftest import place
from tests.fulfilment.test_browser import _sign_in
from tests.orders.conftest import build_shop
from wholesale.extensions import db

pytestmark = pytest.mark.browser


def _rates(page: Any) -> Any:
    page.click("[data-get-rates]")
    page.wait_for_selector("[data-rate]")
    return page.locator("[data-rate]")


def test_the_supplier_buys_labels_prints_and_refunds_one(browser, shippo_server, live_fake,
                                                         live_db) -> None:
    shop = build_shop(live_db)
    product = shop.product({shop.near: 30}, name="Olive oil tins", case_size=6,
                           weight_kg=Decimal("1.2"), case_length_cm=Decimal("40"),
                           case_width_cm=Decimal("30"), case_height_cm=Decimal("25"))
    shop.location.address = "2100 Mission St, San Francisco, CA 94110"
    order = place(shop, (product, 12))
    order_url, email = f"/orders/{order.id}", shop.supplier_user.email
    line_id = order.lines[0].id
    db.session.commit()
    db.session.close()

    context = browser.new_context(base_url=shippo_server.url,
                                  viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(10_000)
    page: Any = context.new_page()
    _sign_in(page, email, order_url)
    _open_carrier_form(page)
    weights = page.locator("[data-parcel] [name=weight_kg]")
    assert weights.count() == 2 and weights.first.input_value() == "7.2"
    # A partial parcel: half the tins. The catalog's parcels follow the quantity.
    page.fill(f"[data-line-id='{line_id}']", "6")
    cards = _rates(page)
    assert weights.count() == 1 and weights.first.input_value() == "7.2"
    assert cards.count() == 3
    texts = [cards.nth(i).inner_text() for i in range(3)]
    assert "USPS" in texts[0] and "Priority Mail" in texts[0] and "2 days" in texts[0]
    assert "UPS" in texts[1] and "Ground" in texts[1] and "USD" in texts[1]
    save_screenshot(page, "carrier-rates")

    cards.nth(1).locator("[data-buy]").click()
    page.wait_for_selector("[data-slip-link]")
    (bought,) = live_fake.purchases()
    shipment = page.inner_text("[data-shipment]")
    assert "UPS" in shipment and bought["tracking_number"] in shipment and "6 ×" in shipment
    assert page.inner_text("[data-order-status]").strip().lower() == "placed"
    slip = page.request.get(page.get_attribute("[data-slip-link]", "href"))
    assert slip.status == 200 and slip.body().startswith(b"%PDF")
    label = page.request.get(page.get_attribute("[data-label-link]", "href"))
    assert label.status == 200 and label.body().startswith(b"%PDF")

    _open_carrier_form(page)  # the other half
    _rates(page).first.locator("[data-buy]").click()
    page.wait_for_function(
        "() => document.querySelectorAll('[data-shipment]').length === 2")
    assert page.inner_text("[data-order-status]").strip().lower() == "shipped"
    save_screenshot(page, "carrier-label-bought")

    first = page.locator("[data-shipment]").first
    first.locator("[data-refund] summary").click()
    first.locator("[name=note]").fill("Wrong box")
    first.locator("[data-refund-submit]").click()
    page.wait_for_selector("[data-void]")
    assert page.inner_text("[data-order-status]").strip().lower() == "packed"
    assert "Wrong box" in page.inner_text("[data-shipment]")
    assert len(live_fake.calls("/refunds")) == 1
    save_screenshot(page, "carrier-label-refunded")

    page.set_viewport_size({"width": 390, "height": 844})
    _open_carrier_form(page)  # the refunded half ships again
    assert _rates(page).count() == 3
    save_screenshot(page, "carrier-phone")
    context.close()


def _open_carrier_form(page: Any) -> None:
    """The carrier form is in the order's "More actions" menu."""
    page.click("[data-menu-button]")
    page.get_by_role("menuitem", name="Ship by carrier…").click()
