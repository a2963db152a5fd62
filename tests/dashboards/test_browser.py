"""In the browser: a dashboard figure's definition shows on keyboard focus and on hover,
stays open after a tap or click, closes with Escape, and fits a phone's screen (#18.10)."""

from __future__ import annotations

from tests.conftest import save_screenshot, signed_in_page
from tests.orders.conftest import build_shop
from wholesale.dashboards.supplier import DEFINITIONS
from wholesale.extensions import db
from wholesale.fulfilment import shipments
from wholesale.orders.placement import place_order


def test_definitions_by_keyboard_pointer_and_tap(browser, live_server, live_db) -> None:
    shop = build_shop(live_db)
    product = shop.product({shop.near: 40}, price="9.50")
    order = place_order(**shop.place_kwargs((product, 4))).order
    shipments.ship(order.id, shop.supplier_user, carrier="UPS")
    email = shop.supplier_user.email
    db.session.commit()

    page = signed_in_page(browser, live_server, email)
    button = page.locator('[data-kpi="fill"] .dash-info')
    tip = page.locator("#def-fill")
    assert button.get_attribute("aria-describedby") == "def-fill"
    assert tip.inner_text() == DEFINITIONS["fill"] and not tip.is_visible()

    button.focus()  # keyboard: focus shows it, Escape hides it
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    tip.wait_for(state="visible")
    page.keyboard.press("Escape")
    tip.wait_for(state="hidden")

    page.locator('[data-kpi="overdue"] .dash-info').hover()  # pointer
    page.locator("#def-overdue").wait_for(state="visible")
    page.mouse.move(5, 5)
    page.locator("#def-overdue").wait_for(state="hidden")

    button.click()  # a click pins it open until a click elsewhere
    page.mouse.move(5, 5)
    assert tip.is_visible() and button.get_attribute("aria-expanded") == "true"
    save_screenshot(page, "dashboard-definition", full_page=False)
    page.locator("h1").click()
    tip.wait_for(state="hidden")
    assert button.get_attribute("aria-expanded") == "false"

    phone = signed_in_page(browser, live_server, email, viewport={"width": 390, "height": 844},
                           has_touch=True, is_mobile=True)
    phone_button = phone.locator('[data-kpi="to-ship"] .dash-info')
    phone_button.tap()
    box = phone.locator("#def-to-ship").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    save_screenshot(phone, "dashboard-definition-phone", full_page=False)
