"""The order page in two real browsers: every part of it follows the order's events without a
reload (header, stepper, actions, timeline), the supplier's next step sits at the top with a
menu for the rest, and on a phone the order and its conversation are two tabs."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import save_screenshot, signed_in_page
from tests.factories import Factory
from tests.orders.conftest import Shop, build_shop
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.orders.placement import place_order


def _placed(live_db: Factory) -> tuple[Shop, dict[str, Any]]:
    shop = build_shop(live_db)
    product = shop.product({shop.near: 40}, name="Heirloom tomatoes")
    order = place_order(**shop.place_kwargs((product, 6))).order
    facts = {"id": order.id, "url": f"/orders/{order.id}", "created_at": order.created_at,
             "supplier": shop.supplier_user.email, "buyer": shop.buyer_user.email}
    db.session.commit()
    db.session.close()  # no more reads: on SQLite an open transaction blocks the server
    return shop, facts


def _open(page: Any, url: str) -> None:
    """The order page, its socket connected, marked so that a reload would show."""
    page.goto(url)
    page.wait_for_selector("[data-chat][data-joined='1']", state="attached", timeout=20_000)
    page.evaluate("() => { window.__samePage = true; }")


def _not_reloaded(page: Any) -> None:
    assert page.evaluate("() => window.__samePage === true"), "the page was reloaded"


def _header_status(page: Any) -> str:
    return page.inner_text("[data-live-part=header] .order-status").strip().lower()


def _more(page: Any, item: str) -> None:
    page.wait_for_load_state()  # order-page.js runs the menu
    page.click("[data-menu-button]")
    page.get_by_role("menuitem", name=item).click()


def test_the_order_page_follows_the_orders_events_live(browser, live_server, live_db) -> None:
    _shop, order = _placed(live_db)
    buyer = signed_in_page(browser, live_server, order["buyer"], height=900)
    supplier = signed_in_page(browser, live_server, order["supplier"], height=900)
    _open(buyer, order["url"])
    _open(supplier, order["url"])
    assert _header_status(buyer) == "placed"
    timeline = buyer.inner_text("[data-timeline]")
    assert "Order placed for delivery on" in timeline and "1 event" in timeline
    assert "Nothing has happened yet" not in timeline

    # The buyer asks to move the delivery: the supplier's Accept appears without a reload.
    _more(buyer, "Ask to change the delivery…")
    buyer.select_option("#fx-change-date", index=1)
    buyer.fill("#fx-change-reason", "Closed that day")
    buyer.click("text=Send request")
    buyer.wait_for_selector("text=Waiting for the supplier to answer")
    buyer.evaluate("() => { window.__samePage = true; }")
    supplier.locator("[data-answer=accept]").wait_for()
    assert "Closed that day" in supplier.inner_text("[data-answer-change]")
    assert "Delivery change requested" in supplier.inner_text("[data-timeline]")
    _not_reloaded(supplier)
    save_screenshot(supplier, "order-live-change-request", full_page=False)

    # The supplier accepts: the buyer's "Waiting for the supplier" goes, the timeline says so.
    supplier.click("[data-answer=accept]")
    supplier.wait_for_selector("text=Change accepted")
    buyer.wait_for_function(
        "() => !document.querySelector('[data-pending-change]') && document.querySelector("
        "'[data-timeline]').innerText.includes('Delivery change accepted')")

    # The supplier moves the order on to delivered; the buyer's page follows every step.
    supplier.click("[data-primary]")  # Mark received
    buyer.wait_for_function(
        "() => document.querySelector('[data-live-part=header] .order-status')"
        ".innerText.trim().toLowerCase() === 'received'")
    _more(supplier, "Record a shipment…")
    supplier.fill("#fx-carrier", "UPS")
    supplier.fill("#fx-tracking", "1Z999AA10123456784")
    supplier.click("text=Record shipment")
    supplier.wait_for_selector("text=Shipment recorded")
    supplier.wait_for_load_state()  # order-page.js runs the openers
    supplier.click("[data-primary]")  # Mark delivered: opens its form
    supplier.fill("#fx-pod-note", "Signed by Ana")
    supplier.click("[data-move=delivered]")
    supplier.wait_for_selector("text=is delivered")

    buyer.wait_for_function(
        "() => document.querySelector('[data-live-part=header] .order-status')"
        ".innerText.trim().toLowerCase() === 'delivered'")
    assert buyer.inner_text("[data-order-status]").strip().lower() == "delivered"
    assert buyer.inner_text(".step--current").strip() == "Delivered"
    buyer.wait_for_selector("[data-timeline] [data-event='status:delivered']")
    timeline = buyer.inner_text("[data-timeline]")
    assert "Shipment of 6 units with UPS" in timeline and "Signed by Ana" in timeline
    assert buyer.locator("[data-primary]").count() == 0  # nothing left to confirm
    _not_reloaded(buyer)
    save_screenshot(buyer, "order-live-buyer-delivered")
    buyer.context.close()
    supplier.context.close()


def test_the_next_step_is_at_the_top_and_the_rest_in_a_menu(browser, live_server,
                                                             live_db) -> None:
    _shop, order = _placed(live_db)
    page = signed_in_page(browser, live_server, order["supplier"], height=800)
    _open(page, order["url"])
    primary = page.locator("[data-primary]")
    assert primary.inner_text().strip() == "Mark received"
    box = primary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800, box  # above the fold
    save_screenshot(page, "order-supplier-1280", full_page=False)

    # The menu by keyboard: ArrowDown opens it on its first item, Escape closes it.
    button = page.locator("[data-menu-button]")
    button.focus()
    page.keyboard.press("ArrowDown")
    assert button.get_attribute("aria-expanded") == "true"
    assert page.evaluate("() => document.activeElement.getAttribute('role')") == "menuitem"
    assert page.evaluate("() => document.activeElement.textContent") == "Next step with a note…"
    save_screenshot(page, "order-supplier-menu-1280", full_page=False)
    page.keyboard.press("Escape")
    assert page.locator("[data-menu-list]").is_hidden()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-menu-button')")

    # Enter opens it, arrows reach "Post a delay…", Enter opens that form with the cursor in it.
    page.keyboard.press("Enter")
    while page.evaluate("() => document.activeElement.textContent") != "Post a delay…":
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.locator("[data-menu-list]").is_hidden()
    assert page.locator("#act-delay").evaluate("d => d.open")
    assert page.evaluate("() => document.activeElement.id") == "fx-eta"
    assert page.locator("#act-cancel").is_hidden()  # one form at a time
    save_screenshot(page, "order-supplier-delay-form-1280", full_page=False)
    page.context.close()


def test_on_a_phone_the_order_and_its_thread_are_two_tabs(browser, live_server,
                                                          live_db) -> None:
    _shop, order = _placed(live_db)
    page = signed_in_page(browser, live_server, order["supplier"],
                          viewport={"width": 390, "height": 844}, is_mobile=True,
                          has_touch=True)
    _open(page, order["url"])
    tabs = page.get_by_role("tab")
    assert tabs.count() == 2
    order_tab, thread_tab = tabs.nth(0), tabs.nth(1)
    assert order_tab.get_attribute("aria-selected") == "true"
    assert page.locator("[data-primary]").is_visible()
    assert page.locator("[data-chat]").is_hidden()
    save_screenshot(page, "order-supplier-390", full_page=False)

    thread_tab.click()
    assert thread_tab.get_attribute("aria-selected") == "true"
    composer = page.locator("[data-chat-input]").bounding_box()
    assert composer is not None and composer["y"] + composer["height"] <= 844, composer
    assert page.locator("[data-primary]").is_hidden()
    assert page.get_by_role("tabpanel").get_attribute("id") == "thread-panel"
    save_screenshot(page, "order-thread-390", full_page=False)

    page.keyboard.press("ArrowLeft")  # the focus is on the thread's tab after the click
    assert order_tab.get_attribute("aria-selected") == "true"
    assert page.evaluate("() => document.activeElement.id") == "tab-order"
    assert page.locator("[data-primary]").is_visible()
    page.context.close()


def test_times_are_in_the_viewers_zone_with_the_zone_named(browser, live_server,
                                                           live_db) -> None:
    _shop, order = _placed(live_db)
    page = signed_in_page(browser, live_server, order["buyer"], timezone_id="America/New_York",
                          locale="en-US")
    _open(page, order["url"])
    local = order["created_at"].astimezone(ZoneInfo("America/New_York"))
    zone = local.tzname()  # EST or EDT
    hour = f"{local:%I}".lstrip("0")
    expected = f"{local:%b} {local.day}, {hour}:{local:%M} {local:%p} {zone}"
    placed = page.locator("[data-timeline] [data-event=placed] time")
    page.wait_for_function(
        "() => !document.querySelector('[data-timeline] time').textContent.includes('UTC')")
    assert placed.inner_text() == expected
    chat_time = page.locator(".chat__messages time").first
    assert zone in (chat_time.get_attribute("title") or "")
    assert page.inner_text("[data-chat-zone]") == f"Times in {zone}"  # named where you look
    save_screenshot(page, "order-times-new-york")
    page.context.close()


def test_the_live_parts_are_for_the_orders_two_sides_only(client, shop: Shop) -> None:
    from tests.conftest import login

    order: Order = place_order(**shop.place_kwargs((shop.product({shop.near: 5}), 2))).order
    db.session.commit()
    login(client, shop.supplier_user)
    html = client.get(f"/orders/{order.id}/live").get_data(as_text=True)
    for part in ("header", "actions", "status", "lines", "timeline", "notifications"):
        assert f'data-live-part="{part}"' in html, part
    # Forms in the parts come back to the order page, not to the fragment.
    assert f'name="next" value="/orders/{order.id}"' in html
    assert "/live" not in html.split('name="next" value="')[1].split('"')[0]
    outsider = build_shop(shop.factory, "Other Foods")
    db.session.commit()
    login(client, outsider.supplier_user)
    assert client.get(f"/orders/{order.id}/live").status_code == 404


def _connected(page: Any) -> None:
    page.wait_for_function(
        "() => window.OrdertalkSocket && window.OrdertalkSocket.state() === 'connected'",
        timeout=20_000)
    page.evaluate("() => { window.__samePage = true; }")


def test_the_board_the_list_and_the_dashboard_follow_order_events(browser, live_server,
                                                                  live_db) -> None:
    _shop, order = _placed(live_db)
    board = signed_in_page(browser, live_server, order["supplier"], height=900)
    context = board.context
    board.goto("/board")
    board.wait_for_selector(f"[data-column=placed] [data-order-id='{order['id']}']")
    board.keyboard.press("j")  # the cursor on the card: it stays there when the card moves
    listing, dashboard, actor = context.new_page(), context.new_page(), context.new_page()
    listing.goto("/orders")
    dashboard.goto("/")
    received = "[data-live-part=open] [data-status=received] .dash-bars__value"
    assert dashboard.inner_text(received) == "0"
    for page in (board, listing, dashboard):
        _connected(page)

    _open(actor, order["url"])
    actor.click("[data-primary]")  # Mark received
    actor.wait_for_selector("text=is now received")

    board.wait_for_selector(f"[data-column=received] [data-order-id='{order['id']}']")
    assert board.inner_text("[data-column=placed] [data-count]") == "0"
    assert board.inner_text("[data-column=received] [data-count]") == "1"
    assert board.locator(".is-cursor").get_attribute("data-order-id") == str(order["id"])
    listing.wait_for_function(
        "() => document.querySelector('[data-live-part=orders] tbody .order-status')"
        ".innerText.trim() === 'Received'")
    dashboard.wait_for_function(
        f"() => document.querySelector('{received}').innerText.trim() === '1'")
    for page in (board, listing, dashboard):
        _not_reloaded(page)
    context.close()


def test_without_javascript_every_action_shows(browser, live_server, live_db) -> None:
    _shop, order = _placed(live_db)
    page = signed_in_page(browser, live_server, order["supplier"], java_script_enabled=False)
    page.goto(order["url"])
    assert page.locator("[data-menu-button]").is_hidden()
    for summary in ("Post a delay", "Record a shipment", "Cancel the order"):
        assert page.locator("summary", has_text=summary).is_visible(), summary
    assert page.locator("[data-primary]").inner_text().strip() == "Mark received"
    page.context.close()
