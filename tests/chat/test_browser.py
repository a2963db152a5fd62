"""Buyer and supplier chat in two real browsers (Playwright + Chromium): both ways, with the
unread badge, typing, read receipts, inert XSS in live rendering, reconnect with replay, and
a phone-sized screen."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.chat.util import World
from tests.conftest import save_screenshot, signed_in_page
from wholesale.accounts.models import User
from wholesale.extensions import db


def _email(user_id: int) -> str:
    return db.session.get(User, user_id).email


@pytest.fixture
def emails(live_world: World) -> dict[str, str]:
    found = {"buyer": _email(live_world.buyer_user_id),
             "supplier": _email(live_world.supplier_user_id)}
    db.session.rollback()  # release the read transaction (SQLite)
    return found


def _joined(page: Any) -> None:
    page.wait_for_selector("[data-chat][data-joined='1']", timeout=20_000)


def _in_thread(page: Any, text: str) -> Any:
    return page.locator(".chat__messages").get_by_text(text)


def _send(page: Any, text: str) -> None:
    page.locator("[data-chat-input]").fill(text)
    page.locator("[data-chat-send]").click()


def test_buyer_and_supplier_chat_both_ways(browser, live_server, live_world, emails):
    order_id = live_world.order_id
    buyer = signed_in_page(browser, live_server, emails["buyer"])
    supplier = signed_in_page(browser, live_server, emails["supplier"])
    try:
        buyer.goto("/inbox")
        row_badge = buyer.locator(f'[data-chat-unread-order="{order_id}"]')
        assert row_badge.is_hidden()
        # The inbox counts live only what arrives once its socket is connected (a message
        # sent before that is in the next page load): wait for it, as a person would not.
        buyer.wait_for_function("() => window.OrdertalkSocket.get().connected")
        supplier.goto(f"/inbox/{order_id}")
        _joined(supplier)

        # The supplier writes; the buyer's inbox row counts it, live.
        _send(supplier, "Hi! Your order is being picked.")
        supplier.wait_for_selector(".msg--mine[data-message-id]:has-text('being picked')")
        row_badge.filter(has_text="1").wait_for(state="visible")
        row = buyer.locator(f'[data-inbox-row][data-order-id="{order_id}"]')
        preview = row.locator("[data-inbox-preview]")
        assert "being picked" in preview.inner_text()

        # The buyer opens the thread: the message is there, the badge clears, and the
        # supplier sees the read receipt.
        buyer.goto(f"/inbox/{order_id}")
        _joined(buyer)
        assert _in_thread(buyer, "Hi! Your order is being picked.").is_visible()
        receipt = supplier.locator("[data-chat-receipt]")
        receipt.wait_for(state="visible")
        assert "Read by" in receipt.inner_text()
        buyer.locator(f'[data-chat-unread-order="{order_id}"]').wait_for(state="hidden")

        # The buyer types (the supplier sees it) and answers.
        buyer.locator("[data-chat-input]").type("Gre")
        supplier.locator("[data-chat-typing]").filter(has_text="is typing").wait_for()
        _send(buyer, "Great, thanks! Track here: https://carrier.example.test/t/42")
        message = supplier.locator(".msg:not(.msg--mine)").filter(has_text="Great, thanks!")
        message.wait_for()
        link = message.locator("a[href='https://carrier.example.test/t/42']")
        assert link.get_attribute("rel") == "noopener noreferrer nofollow"
        assert link.get_attribute("target") == "_blank"
        buyer.locator("[data-chat-receipt]").wait_for(state="visible")

        # XSS payloads arrive as text, live.
        payloads = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=2</script>",
                    "[x](javascript:window.__xss=3)"]
        for payload in payloads:
            _send(supplier, payload)
        for payload in payloads:
            buyer.locator(".msg__text", has_text=payload).wait_for()
        assert buyer.evaluate("window.__xss") is None
        assert buyer.locator(".chat__messages img, .chat__messages script").count() == 0
        assert buyer.locator(".chat__messages a[href^='javascript']").count() == 0
        save_screenshot(supplier, "chat-supplier")
        save_screenshot(buyer, "chat-buyer")
    finally:
        buyer.context.close()
        supplier.context.close()


def test_reconnect_shows_state_and_replays_what_was_missed(browser, live_server, live_world,
                                                           emails):
    order_id = live_world.order_id
    buyer = signed_in_page(browser, live_server, emails["buyer"])
    supplier = signed_in_page(browser, live_server, emails["supplier"])
    try:
        for page in (buyer, supplier):
            page.goto(f"/inbox/{order_id}")
            _joined(page)
        # Drop the buyer's connection and keep it down for a moment.
        buyer.evaluate("""() => {
            const s = window.OrdertalkSocket.get();
            s.io.reconnectionDelay(2500); s.io.reconnectionDelayMax(2500);
            s.io.engine.close();
        }""")
        status = buyer.locator("[data-chat-connection]")
        status.filter(has_text="Reconnecting").wait_for(state="visible")
        _send(supplier, "Sent while you were offline")
        supplier.wait_for_selector(".msg--mine[data-message-id]:has-text('while you were')")
        _in_thread(buyer, "Sent while you were offline").wait_for(timeout=15_000)
        status.wait_for(state="hidden")
        # Sent while disconnected: queued, then delivered once, after the reconnect.
        buyer.evaluate("() => window.OrdertalkSocket.get().io.engine.close()")
        status.filter(has_text="Reconnecting").wait_for(state="visible")
        _send(buyer, "Queued while offline")
        _in_thread(supplier, "Queued while offline").wait_for(timeout=15_000)
        assert _in_thread(supplier, "Queued while offline").count() == 1
    finally:
        buyer.context.close()
        supplier.context.close()


def test_thread_works_on_a_phone(browser, live_server, live_world, emails):
    phone = signed_in_page(browser, live_server, emails["buyer"],
                       viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        phone.goto(f"/inbox/{live_world.order_id}")
        _joined(phone)
        _send(phone, "Sent from my phone, a rather long line to check the wrapping works fine")
        phone.wait_for_selector(".msg--mine[data-message-id]")
        assert phone.locator("[data-chat-send]").is_visible()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
        save_screenshot(phone, "chat-phone")
        phone.goto("/inbox")
        row = phone.locator(f'[data-inbox-row][data-order-id="{live_world.order_id}"]')
        assert row.is_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        phone.context.close()


def test_the_order_page_carries_the_live_thread(browser, live_server, live_world, emails):
    order_id = live_world.order_id
    buyer = signed_in_page(browser, live_server, emails["buyer"])
    supplier = signed_in_page(browser, live_server, emails["supplier"])
    try:
        for page in (buyer, supplier):
            page.goto(f"/orders/{order_id}")
            _joined(page)
        _send(buyer, "Asking from the order page")
        _in_thread(supplier, "Asking from the order page").wait_for()
        _send(supplier, "Answered from the order page")
        _in_thread(buyer, "Answered from the order page").wait_for()
        supplier.locator("[data-chat-receipt]").wait_for(state="visible")
        save_screenshot(buyer, "chat-order-page")
    finally:
        buyer.context.close()
        supplier.context.close()


def test_an_internal_note_never_carries_the_buyers_read_receipt(browser, live_server,
                                                                 live_world, emails):
    """The buyer reads past a note it was never shown: the supplier's receipt stays under
    the last message the buyer saw, live and after a reload."""
    order_id = live_world.order_id
    supplier = signed_in_page(browser, live_server, emails["supplier"])
    buyer = None
    try:
        supplier.goto(f"/inbox/{order_id}")
        _joined(supplier)
        _send(supplier, "Picking your order now")
        supplier.wait_for_selector(".msg--mine[data-message-id]:has-text('Picking your')")
        supplier.locator("[data-chat-internal]").check()
        _send(supplier, "Romaine is short, check with the grower")
        supplier.wait_for_selector(".msg--note[data-message-id]:has-text('Romaine is short')")
        # The buyer answers, then opens the thread: it has read up to its own answer.
        requests.post(f"{live_server.url}/api/v1/orders/{order_id}/messages",
                      json={"body": "Thanks!"}, timeout=10,
                      headers={"Authorization": f"Bearer {live_world.buyer_token}"}
                      ).raise_for_status()
        _in_thread(supplier, "Thanks!").wait_for()
        buyer = signed_in_page(browser, live_server, emails["buyer"])
        buyer.goto(f"/inbox/{order_id}")
        _joined(buyer)
        assert _in_thread(buyer, "Romaine is short").count() == 0
        for reloaded in (False, True):
            if reloaded:
                supplier.reload()
                _joined(supplier)
            receipt = supplier.locator("[data-chat-receipt]")
            receipt.wait_for(state="visible")
            holder = supplier.locator(".msg:has([data-chat-receipt])")
            assert holder.get_attribute("data-kind") == "text"
            assert "Picking your order now" in holder.inner_text()
    finally:
        supplier.context.close()
        if buyer is not None:
            buyer.context.close()


def test_the_internal_note_mode_lasts_for_one_message(browser, live_server, live_world,
                                                      emails):
    supplier = signed_in_page(browser, live_server, emails["supplier"])
    try:
        supplier.goto(f"/inbox/{live_world.order_id}")
        _joined(supplier)
        banner = supplier.locator("[data-chat-note-banner]")
        send = supplier.locator("[data-chat-send]")
        assert banner.is_hidden() and send.inner_text() == "Send"
        supplier.locator("[data-chat-internal]").check()
        banner.wait_for(state="visible")
        assert "only your team" in banner.inner_text()
        assert send.inner_text() == "Add note"
        assert "chat--note-mode" in (supplier.locator("[data-chat]").get_attribute("class") or "")
        _send(supplier, "Only for the team")
        supplier.wait_for_selector(".msg--note[data-message-id]:has-text('Only for the team')")
        # The next message is a reply the buyer sees unless the box is ticked again.
        assert not supplier.locator("[data-chat-internal]").is_checked()
        assert banner.is_hidden() and send.inner_text() == "Send"
        _send(supplier, "For the buyer")
        sent = supplier.locator(".msg--mine[data-message-id]:has-text('For the buyer')")
        sent.wait_for()
        assert sent.get_attribute("data-kind") == "text"
    finally:
        supplier.context.close()


def test_progress_events_show_live_without_raising_the_badge(browser, live_server, live_world,
                                                             emails):
    order_id = live_world.order_id
    buyer = signed_in_page(browser, live_server, emails["buyer"])
    supplier_auth = {"Authorization": f"Bearer {live_world.supplier_token}"}
    try:
        buyer.goto("/inbox")
        buyer.wait_for_function("() => window.OrdertalkSocket.get().connected")
        total = buyer.locator("[data-chat-unread-total]").first
        row = buyer.locator(f'[data-inbox-row][data-order-id="{order_id}"]')
        changed = requests.post(f"{live_server.url}/api/v1/orders/{order_id}/status",
                                json={"status": "received"}, headers=supplier_auth, timeout=15)
        assert changed.status_code == 200, changed.text
        row.locator("[data-inbox-preview]").filter(has_text="as received").wait_for()
        assert total.is_hidden()
        assert buyer.locator(f'[data-chat-unread-order="{order_id}"]').is_hidden()
        requests.post(f"{live_server.url}/api/v1/orders/{order_id}/messages",
                      json={"body": "Picking tomorrow"}, headers=supplier_auth,
                      timeout=10).raise_for_status()
        total.filter(has_text="1").wait_for()
        buyer.reload()  # the server's count agrees
        buyer.locator("[data-chat-unread-total]").first.filter(has_text="1").wait_for()
    finally:
        buyer.context.close()
