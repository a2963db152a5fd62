"""In Chromium: a van with no stops takes a stop dragged onto it; the driver (390 px)
reports a problem with a photo and delivers with a photo only, offline then online, and the
buyer sees both photos in the order thread; a buyer sets receiving hours on a phone."""

from __future__ import annotations

import io
from datetime import time
from decimal import Decimal
from typing import Any

from PIL import Image
from sqlalchemy import select

from messaging.chat.models import Message
from tests.conftest import save_screenshot
from tests.orders.conftest import build_shop
from tests.routes.conftest import Day
from tests.routes.test_browser import _fresh, _sign_in
from wholesale.accounts.models import Role, User
from wholesale.extensions import db
from wholesale.orders.models import Order, OrderStatus
from wholesale.routes import services
from wholesale.routes.models import Route, Stop
from wholesale.trading.models import TradingRelationship


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2400, 1800), (180, 90, 40)).save(out, "JPEG")  # scaled down by the page
    return out.getvalue()


def _route(page: Any, van: str) -> Any:
    return page.locator("[data-route]").filter(
        has=page.locator(".route__title", has_text=van))


def _setup(live_db: Any) -> tuple[Day, str, int]:
    shop = build_shop(live_db)
    product = shop.product({shop.near: 200}, name="Romaine hearts", weight_kg=Decimal("9"))
    driver = live_db.user(shop.supplier, role=Role.DRIVER)
    day = Day(shop, product, driver, driver, shop.delivery_date())
    services.add_vehicle(shop.supplier, name="Van 1", warehouse_id=shop.near.id,
                         capacity_cases=40, shift_start=time(6), shift_end=time(15),
                         driver_id=driver.id)
    services.add_vehicle(shop.supplier, name="Spare van", warehouse_id=shop.near.id,
                         capacity_cases=2, shift_start=time(6), shift_end=time(15))
    for n in range(3):
        day.order(day.customer(n), 3)  # 3 cases: never on the spare van by itself
    url = f"/delivery-runs?date={day.day.isoformat()}&warehouse_id={shop.near.id}"
    return day, url, driver.id


def test_a_stop_dragged_onto_an_idle_van_then_photos_as_proof(browser, live_server,
                                                              live_db) -> None:
    day, url, driver_id = _setup(live_db)
    supplier_email, driver_email = day.shop.supplier_user.email, day.driver.email
    supplier_user_id = day.shop.supplier_user.id
    buyer_emails = {location.id: user.email for _, user, location in day.buyers}
    db.session.commit()
    db.session.close()

    for width in (1280, 390):
        context = browser.new_context(base_url=live_server.url,
                                      viewport={"width": width, "height": 1100})
        page = context.new_page()
        _sign_in(page, supplier_email, url)
        if width == 1280:
            page.click("[data-plan]")
        page.wait_for_selector("[data-run][data-status=planned] [data-map-ready]")
        idle = _route(page, "Spare van")
        assert idle.locator("[data-empty-route]").is_visible()
        assert "Idle" in idle.inner_text()
        if width == 1280:
            busy = _route(page, "Van 1")
            dragged = busy.locator("[data-stop]").nth(1).get_attribute("data-stop")
            busy.locator("[data-stop]").nth(1).drag_to(idle.locator("[data-stops]"))
            _route(page, "Spare van").locator(f'[data-stop="{dragged}"]').wait_for()
            page.wait_for_selector("[data-run] [data-map-ready]")  # the reloaded page's map
            assert _route(page, "Spare van").locator(
                "[data-stop]").count() == 1
            assert page.locator("path.leaflet-interactive").count() == 2
            # Back onto Van 1's first stop: it goes first; the spare van is idle again.
            spare = _route(page, "Spare van")
            spare.locator(f'[data-stop="{dragged}"]').drag_to(
                _route(page, "Van 1").locator("[data-stop]").first)
            _route(page, "Spare van").locator("[data-empty-route]").wait_for()
            assert _fresh(Stop, int(dragged)).sequence == 1
            db.session.close()
        save_screenshot(page, f"dispatch-idle-van-{width}")
        context.close()

    services.dispatch(db.session.scalars(select(Route)).first().run,
                      db.session.get(User, supplier_user_id))
    db.session.commit()
    route = db.session.scalars(select(Route).where(Route.driver_id == driver_id)).one()
    (first, first_order, first_location), (second, second_order, second_location) = [
        (s.id, s.order_id, s.order.delivery_location_id) for s in route.stops[:2]]
    db.session.close()

    phone = browser.new_context(base_url=live_server.url,
                                viewport={"width": 390, "height": 844}, has_touch=True)
    page = phone.new_page()
    _sign_in(page, driver_email, "/driver")
    photo = {"name": "door.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    card = page.locator(f'[data-drop="{first}"]')
    phone.set_offline(True)
    card.get_by_role("button", name="Problem").click()
    card.get_by_label("What happened").select_option("damaged")
    card.get_by_label("Note").fill("Two cases crushed on the pallet")
    card.locator("[data-panel=problem]").get_by_label("Photo").set_input_files(photo)
    card.locator("[data-panel=problem] [data-preview]").wait_for()
    save_screenshot(page, "driver-problem-photo-390")
    card.get_by_role("button", name="Send problem").click()
    page.wait_for_function("() => document.querySelector('[data-sync]').textContent"
                           ".includes('Offline: 1 action waiting')")
    assert card.is_hidden() and page.locator(f'[data-drop="{second}"]').is_visible()

    nxt = page.locator(f'[data-drop="{second}"]')
    nxt.get_by_role("button", name="Delivered").click()
    nxt.get_by_label("Received by").fill("Bo")
    nxt.get_by_role("button", name="Confirm delivery").click()
    assert "sign above, or add a photo" in nxt.locator(
        "[data-panel=delivered] [data-error]").inner_text()
    nxt.get_by_label("Photo of the drop").set_input_files(photo)
    nxt.get_by_role("button", name="Confirm delivery").click()
    page.wait_for_function("() => document.querySelector('[data-sync]').textContent"
                           ".includes('2 actions waiting')")
    queued = page.evaluate(f"localStorage.getItem('ordertalk.driver.queue.{driver_id}')")
    assert queued.count("data:image/jpeg;base64,") == 2 and len(queued) < 1_000_000
    phone.set_offline(False)
    page.locator("[data-sync]").wait_for(state="hidden")
    assert _fresh(Stop, first).status.value == "problem"
    assert _fresh(Stop, second).photo_name and not _fresh(Stop, second).signature_name
    assert _fresh(Order, second_order).status is OrderStatus.DELIVERED
    [problem] = db.session.scalars(select(Message).where(
        Message.order_id == first_order, Message.event_type == "delivery_problem")
        .execution_options(all_tenants=True)).all()
    assert [a.content_type for a in problem.attachments] == ["image/jpeg"]
    db.session.close()
    phone.close()

    for order_id, location_id, text in (
            (first_order, first_location, "Delivery problem (damaged)"),
            (second_order, second_location, "Proof of delivery: received by Bo (photo")):
        buyer = browser.new_context(base_url=live_server.url,
                                    viewport={"width": 390, "height": 844})
        buyer_page = buyer.new_page()
        _sign_in(buyer_page, buyer_emails[location_id], f"/orders/{order_id}")
        buyer_page.get_by_role("tab", name="Conversation").click()  # a phone's order tabs
        event = buyer_page.locator(".msg--event", has_text=text)
        image = event.locator(".msg__proof img")
        image.wait_for()
        image.scroll_into_view_if_needed()
        buyer_page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                                     arg=image.element_handle())
        width = buyer_page.evaluate("(img) => img.naturalWidth", image.element_handle())
        assert width == 1600  # the page scaled the 2400 px photo down before queueing it
        save_screenshot(buyer_page, f"thread-{'problem' if order_id == first_order else 'proof'}"
                                    "-photo-390")
        buyer.close()


def test_a_buyer_sets_receiving_hours_on_a_phone_and_a_desktop(browser, live_server,
                                                               live_db) -> None:
    shop = build_shop(live_db)
    buyer, user = shop.buyer, shop.buyer_user
    location = live_db.location(buyer, "Bistro back door", "37.76", "-122.42")
    email, location_id = user.email, location.id
    supplier_email = shop.supplier_user.email
    relationship = db.session.scalars(select(TradingRelationship).where(
        TradingRelationship.buyer_id == buyer.id)).one().id
    db.session.commit()
    db.session.close()
    for width in (390, 1280):
        context = browser.new_context(base_url=live_server.url,
                                      viewport={"width": width, "height": 900})
        page = context.new_page()
        _sign_in(page, email, "/settings/locations")
        save_screenshot(page, f"locations-{width}")
        page.locator(f'[data-receiving-link][href="/locations/{location_id}/receiving"]').click()
        page.wait_for_url(f"**/locations/{location_id}/receiving")
        monday = page.locator("fieldset[data-weekday='1']")
        monday.get_by_label("Opens", exact=True).fill("09:00")
        monday.get_by_label("Closes", exact=True).fill("08:00")
        page.get_by_label("Service time (minutes)").fill("20")
        page.get_by_role("button", name="Save receiving hours").click()
        summary = page.locator("[data-error-summary]")
        summary.wait_for()
        assert "Monday closes: Must be later than Monday opens." in summary.inner_text()
        save_screenshot(page, f"receiving-error-{width}")
        summary.get_by_role("link", name="Monday closes").click()
        assert page.evaluate("document.activeElement.id") == "d1_1_closes" or \
            page.evaluate("location.hash") == "#d1_1_closes"
        monday = page.locator("fieldset[data-weekday='1']")
        monday.get_by_label("Closes", exact=True).fill("11:30")
        page.locator("fieldset[data-weekday='5']").get_by_label("Opens", exact=True).fill(
            "06:00")
        page.locator("fieldset[data-weekday='5']").get_by_label("Closes", exact=True).fill(
            "10:00")
        page.get_by_role("button", name="Save receiving hours").click()
        page.get_by_text("Receiving hours of “Bistro back door” saved.").wait_for()
        save_screenshot(page, f"receiving-{width}")
        context.close()
    # The supplier reaches the same form from the customer's page.
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 390, "height": 900})
    page = context.new_page()
    _sign_in(page, supplier_email, f"/customers/{relationship}")
    save_screenshot(page, "customer-locations-390")
    page.locator(f'[data-receiving-link][href="/locations/{location_id}/receiving"]').click()
    page.wait_for_url(f"**/locations/{location_id}/receiving")
    friday = page.locator("fieldset[data-weekday='5']")
    assert friday.get_by_label("Opens", exact=True).input_value() == "06:00"
    assert page.locator(".back-link").get_attribute("href") == f"/customers/{relationship}"
    context.close()
    db.session.rollback()
    saved = services.receiving_of(db.session.get(type(location), location_id))
    assert [(w["weekday"], w["opens"], w["closes"]) for w in saved["windows"]] == [
        (1, time(9), time(11, 30)), (5, time(6), time(10))]
    assert saved["service_minutes"] == 20


FILL_STORAGE = """() => {
  // Fill the origin's localStorage to the brim, then free about 2 KB: room for an action,
  // not for a photo.
  let n = 0;
  for (const size of [262144, 16384, 1024]) {
    const chunk = "x".repeat(size);
    for (;;) {
      try { localStorage.setItem("filler." + n, chunk); n += 1; } catch (e) { break; }
    }
  }
  localStorage.removeItem("filler." + (n - 1));
  localStorage.removeItem("filler." + (n - 2));
  return n;
}"""


def test_a_photo_the_phone_cannot_keep_offline_is_said_so(browser, live_server,
                                                          live_db) -> None:
    day, _, driver_id = _setup(live_db)
    run, _ = services.plan_run(day.shop.supplier, day.shop.near.id, day.day)
    services.dispatch(run, day.shop.supplier_user)
    stop = db.session.scalars(select(Route).where(Route.driver_id == driver_id)).one().stops[0]
    stop_id, email = stop.id, day.driver.email
    db.session.commit()
    db.session.close()

    phone = browser.new_context(base_url=live_server.url,
                                viewport={"width": 390, "height": 844}, has_touch=True)
    page = phone.new_page()
    _sign_in(page, email, "/driver")
    phone.set_offline(True)
    assert page.evaluate(FILL_STORAGE) > 10
    card = page.locator(f'[data-drop="{stop_id}"]')
    card.get_by_role("button", name="Problem").click()
    panel = card.locator("[data-panel=problem]")
    panel.get_by_label("Note").fill("Shutters down")
    photo = {"name": "door.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    panel.get_by_label("Photo").set_input_files(photo)
    panel.get_by_role("button", name="Send problem").click()
    error = panel.locator("[data-error]")
    error.wait_for()
    assert "no room to keep the photo" in error.inner_text()
    assert card.is_visible() and card.get_attribute("data-drop-status") == "planned"
    queue = f"localStorage.getItem('ordertalk.driver.queue.{driver_id}')"
    assert page.evaluate(queue) in (None, "[]")
    save_screenshot(page, "driver-photo-no-room-390", full_page=False)
    # Without the photo the report is kept, and sent once back online.
    panel.get_by_role("button", name="Remove photo").click()
    assert panel.locator("[data-preview]").is_hidden() and error.is_hidden()
    assert panel.get_by_role("button", name="Remove photo").is_hidden()
    panel.get_by_role("button", name="Send problem").click()
    page.wait_for_function(f"() => ({queue} || '').includes('Shutters down')")
    phone.set_offline(False)
    page.wait_for_function(f"() => {queue} === '[]'")
    assert _fresh(Stop, stop_id).status.value == "problem"
    db.session.close()
    phone.close()
