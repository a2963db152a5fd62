"""In Chromium: the dispatcher plans a day's run on the map page and dispatches it; the
driver, on a phone-sized screen, marks the first stop arrived, then — offline — delivers it
with a drawn signature; back online the queued action is sent once, the order ends
`delivered`, and the buyer's order thread shows the window and the proof."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from tests.conftest import save_screenshot
from tests.factories import PASSWORD
from tests.orders.conftest import build_shop
from tests.routes.conftest import Day
from wholesale.accounts.models import Role
from wholesale.extensions import db
from wholesale.orders.models import Order, OrderStatus
from wholesale.routes import services
from wholesale.routes.models import Route, Stop


def _sign_in(page: Any, email: str, then: str) -> None:
    page.set_default_timeout(20_000)
    page.goto(then)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{then}")


def _fresh(model: Any, ident: int) -> Any:
    db.session.rollback()
    return db.session.get(model, ident, populate_existing=True)


def test_plan_dispatch_and_deliver_offline(browser, live_server, live_db) -> None:
    shop = build_shop(live_db)
    product = shop.product({shop.near: 200}, name="Romaine hearts", weight_kg=Decimal("9"))
    driver = live_db.user(shop.supplier, role=Role.DRIVER)
    day = Day(shop, product, driver, driver, shop.delivery_date())
    services.add_vehicle(shop.supplier, name="Van 1", warehouse_id=shop.near.id,
                         capacity_cases=9, shift_start=time(6), shift_end=time(15),
                         driver_id=driver.id)
    services.add_vehicle(shop.supplier, name="Van 2", warehouse_id=shop.near.id,
                         capacity_cases=6, shift_start=time(6), shift_end=time(15))
    weekday = day.day.isoweekday()
    buyers = [day.customer(n, windows=[(weekday, time(6 + n % 3), time(11 + n % 3))])
              for n in range(5)]
    orders = [day.order(who, 3) for who in buyers]
    emails = {o.id: who[1].email for o, who in zip(orders, buyers, strict=True)}
    supplier_email, driver_email, driver_id = shop.supplier_user.email, driver.email, driver.id
    url = f"/delivery-runs?date={day.day.isoformat()}&warehouse_id={shop.near.id}"
    db.session.commit()
    db.session.close()

    dispatcher = browser.new_context(base_url=live_server.url,
                                     viewport={"width": 1280, "height": 900})
    page = dispatcher.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    _sign_in(page, supplier_email, url)
    page.click("[data-plan]")
    page.wait_for_selector("[data-run][data-status=planned] [data-map-ready]")
    assert page.locator("[data-stop]").count() == 5
    assert page.locator(".leaflet-marker-icon.map-stop").count() == 5  # no tiles: still drawn
    assert page.locator(".leaflet-marker-icon.map-depot").count() == 1
    assert page.locator("path.leaflet-interactive").count() == 2  # a line per van
    save_screenshot(page, "dispatch")
    assert page.locator("[data-needs-script]:disabled").count() == 0  # wired
    # Without the page's script (or before it has run) its buttons can't be pressed.
    bare = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    raw = bare.new_page()
    _sign_in(raw, supplier_email, url)
    needs = raw.locator("[data-needs-script]")
    assert needs.count() == 2 + 5 * 2  # plan, dispatch; lock and move per stop
    assert all(needs.nth(i).is_disabled() for i in range(needs.count()))
    bare.close()
    # Move a van's last stop to the front, then lock another: the page shows it after reload.
    route = page.locator("[data-route]").first
    last = route.locator("[data-stop]").last
    moved = last.get_attribute("data-stop")
    last.locator("summary", has_text="Move").click()
    last.get_by_label("Position").fill("1")
    last.locator("form [type=submit]").click()
    page.wait_for_selector(f'[data-route] [data-stop="{moved}"] [data-locked="true"]')
    page.wait_for_selector("[data-run] [data-map-ready]")  # reloaded: its buttons are wired
    assert page.locator("[data-route]").first.locator("[data-stop]").first.get_attribute(
        "data-stop") == moved
    other = page.locator("[data-route]").first.locator("[data-stop]").nth(1)
    other_id = other.get_attribute("data-stop")
    other.get_by_role("button", name="Lock").click()
    page.wait_for_selector(f'[data-stop="{other_id}"] [data-locked="true"]')
    page.wait_for_selector("[data-run] [data-map-ready]")
    # Drag the second van's second stop onto its first: it goes first.
    van = page.locator("[data-route]").nth(1)
    dragged = van.locator("[data-stop]").nth(1).get_attribute("data-stop")
    van.locator("[data-stop]").nth(1).drag_to(van.locator("[data-stop]").first)
    page.wait_for_selector(f'[data-stop="{dragged}"][data-sequence="1"]')
    page.wait_for_selector("[data-run] [data-map-ready]")
    page.click("[data-dispatch]")
    page.wait_for_selector("[data-run][data-status=dispatched]")
    dispatcher.close()

    route = db.session.scalars(select(Route).where(Route.driver_id == driver_id)).one()
    first = route.stops[0]
    stop_id, order_id = first.id, first.order_id
    db.session.close()

    phone = browser.new_context(base_url=live_server.url,
                                viewport={"width": 360, "height": 740}, has_touch=True)
    driver_page = phone.new_page()
    sent: list[str] = []
    driver_page.on("request", lambda r: sent.append(r.url.rsplit("/", 1)[-1])
                   if r.method == "POST" and "/api/v1/stops/" in r.url else None)
    _sign_in(driver_page, driver_email, "/driver")
    card = driver_page.locator(f'[data-drop="{stop_id}"]')
    assert card.is_visible() and "drop--next" in card.get_attribute("class")
    assert card.locator("[data-geo]").get_attribute("href").startswith("geo:")
    assert "3 case Romaine hearts" in card.locator("[data-items]").inner_text()
    card.get_by_role("button", name="Arrived").click()
    queue = f"localStorage.getItem('ordertalk.driver.queue.{driver_id}')"
    driver_page.wait_for_function(f"() => {queue} === '[]'")
    assert _fresh(Stop, stop_id).status.value == "arrived"

    phone.set_offline(True)
    card.get_by_role("button", name="Delivered").click()
    card.get_by_label("Received by").fill("Ana at the back door")
    box = card.locator("[data-signature]").bounding_box()
    driver_page.mouse.move(box["x"] + 20, box["y"] + 60)
    driver_page.mouse.down()
    for step in range(1, 12):
        driver_page.mouse.move(box["x"] + 20 + step * 22, box["y"] + 60 + (step % 3) * 18)
    driver_page.mouse.up()
    card.get_by_role("button", name="Confirm delivery").click()
    sync = driver_page.locator("[data-sync]")
    assert "Offline: 1 action waiting" in sync.inner_text()
    assert card.is_hidden()  # the next stop comes up at once
    assert driver_page.locator('[data-drop].drop--next').count() == 1
    save_screenshot(driver_page, "driver")
    assert _fresh(Stop, stop_id).status.value == "arrived"  # nothing sent yet
    db.session.close()

    phone.set_offline(False)
    sync.wait_for(state="hidden")
    assert driver_page.evaluate(queue) == "[]"
    assert sent == ["arrived", "delivered"]  # each once, the delivery only when online
    stop = _fresh(Stop, stop_id)
    assert stop.status.value == "delivered" and stop.recipient == "Ana at the back door"
    assert stop.signature_name
    assert _fresh(Order, order_id).status is OrderStatus.DELIVERED
    db.session.close()
    phone.close()

    buyer = browser.new_context(base_url=live_server.url,
                                viewport={"width": 1280, "height": 900})
    buyer_page = buyer.new_page()
    _sign_in(buyer_page, emails[order_id], f"/orders/{order_id}")
    thread = buyer_page.locator("body")
    buyer_page.get_by_text("Delivered to Ana at the back door").first.wait_for()
    assert "delivery arrives between" in thread.inner_text()
    proof = buyer_page.locator("img[alt='Proof of delivery photo']").first
    proof.wait_for()
    assert buyer_page.evaluate("(img) => img.complete && img.naturalWidth > 0",
                               proof.element_handle())  # the drawn signature, served
    # In the thread: the proof's event with the signature attached.
    signed = buyer_page.locator(".msg--event", has_text="Proof of delivery: received by Ana "
                                                         "at the back door (signature attached)")
    signature = signed.locator(".msg__proof img[alt='signature.png']")
    signature.scroll_into_view_if_needed()
    buyer_page.wait_for_function("(img) => img.complete && img.naturalWidth === 320",
                                 arg=signature.element_handle())
    buyer.close()
