"""An order end to end in Chromium: the buyer checks out the portal cart, the supplier
receives the order on the board with the keyboard and a bulk action, then picks, packs,
ships with tracking and confirms delivery on the order page; after each step the buyer's
order page shows where it stands and the timeline says why."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from tests.conftest import save_screenshot
from tests.factories import PASSWORD
from tests.orders.conftest import build_shop
from wholesale.extensions import db
from wholesale.orders import carts
from wholesale.orders.models import Order, OrderStatus


def _sign_in(page: Any, email: str, then: str) -> None:
    page.goto(then)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{then}")


def _buyer_sees(page: Any, url: str, status: str, event: str) -> None:
    page.goto(url)
    assert page.inner_text("[data-order-status]").strip().lower() == status
    page.wait_for_selector(f"[data-timeline] [data-event='{event}']")


def test_an_order_from_the_buyer_to_delivery_in_the_browser(page, browser, live_server,
                                                            live_db) -> None:
    shop = build_shop(live_db)
    product = shop.product({shop.near: 40}, name="Heirloom tomatoes")
    carts.add_to_cart(shop.buyer_user, product.id, 6)
    supplier_email, buyer_email = shop.supplier_user.email, shop.buyer_user.email
    location_id = shop.location.id
    db.session.commit()
    db.session.close()  # no more reads: on SQLite an open transaction blocks the server

    buyer = browser.new_context(base_url=live_server.url, viewport={"width": 1280,
                                                                    "height": 900})
    buyer.set_default_timeout(10_000)
    buyer_page = buyer.new_page()
    _sign_in(buyer_page, buyer_email, "/cart")
    buyer_page.click("[data-checkout]")
    buyer_page.wait_for_url("**/checkout**")
    buyer_page.select_option("#delivery_location_id", str(location_id))
    buyer_page.click("[data-submit]")
    buyer_page.wait_for_url(re.compile(r".*/orders/\d+/placed$"))
    order = {"id": int(re.search(r"/orders/(\d+)/placed", buyer_page.url).group(1))}
    order_url = f"/orders/{order['id']}"
    buyer_page.goto(order_url)
    assert buyer_page.inner_text("[data-order-status]").strip().lower() == "placed"
    assert "Order placed for delivery on" in buyer_page.inner_text("[data-timeline]")

    # The supplier finds it on the board, moves to it with j, selects it with x, receives it.
    _sign_in(page, supplier_email, "/board")
    card = f"[data-column=placed] [data-order-id='{order['id']}']"
    page.wait_for_selector(card)
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.inner_text("[data-selected-count]") == "1"
    save_screenshot(page, "fulfilment-board")
    page.click("button[value=received]")
    page.wait_for_selector(f"[data-column=received] [data-order-id='{order['id']}']")
    assert "1 order moved to received." in page.inner_text(".flashes")
    _buyer_sees(buyer_page, order_url, "received", "status:received")

    page.click(f"[data-order-id='{order['id']}'] [data-open]")
    page.wait_for_url(f"**{order_url}")
    page.click("[data-menu-button]")
    page.get_by_role("menuitem", name="Next step with a note…").click()
    page.fill("#fx-move-note", "Starting on it now")
    page.click("#act-note button[type=submit]")
    page.wait_for_selector("text=is now picking")
    _buyer_sees(buyer_page, order_url, "picking", "status:picking")
    assert "Starting on it now" in buyer_page.inner_text("[data-timeline]")
    assert buyer_page.locator("[data-actions] >> text=Cancel the order").count() == 0

    page.click("[data-move=packed]")
    page.wait_for_selector("text=is now packed")
    _buyer_sees(buyer_page, order_url, "packed", "status:packed")

    page.wait_for_load_state()  # order-page.js runs the openers
    page.click("[data-primary]")  # Ship: opens the shipment form
    page.fill("#fx-carrier", "UPS")
    page.fill("#fx-tracking", "1Z999AA10123456784")
    page.click("text=Record shipment")
    page.wait_for_selector("text=Shipment recorded")
    assert page.inner_text("[data-order-status]").strip().lower() == "shipped"
    save_screenshot(page, "fulfilment-order-supplier")
    _buyer_sees(buyer_page, order_url, "shipped", "status:shipped")
    link = buyer_page.locator("[data-shipment] a")
    assert link.inner_text() == "1Z999AA10123456784"
    assert link.get_attribute("href") == "https://www.ups.com/track?tracknum=1Z999AA10123456784"

    page.wait_for_load_state()
    page.click("[data-primary]")  # Mark delivered: opens its form
    page.fill("#fx-pod-note", "Signed by Ana at the back door")
    page.click("[data-move=delivered]")
    page.wait_for_selector("text=is delivered")
    _buyer_sees(buyer_page, order_url, "delivered", "status:delivered")
    timeline = buyer_page.inner_text("[data-timeline]")
    for words in ("Order received by the supplier", "Picking started", "Packed",
                  "Shipment of 6 units with UPS", "Delivered", "Signed by Ana at the back door"):
        assert words in timeline, words
    save_screenshot(buyer_page, "fulfilment-order-buyer")
    buyer.close()

    status = db.session.scalar(select(Order.status).where(Order.id == order["id"]))
    db.session.commit()
    assert status is OrderStatus.DELIVERED
