"""Chat-first ordering in two real browsers (Playwright + Chromium): the buyer writes an order
in the account thread, the draft card appears live on both sides, the supplier fixes a line
and sends it back, the buyer confirms, and the order is placed with the fixed lines and the
asked-for day. Screenshots of the card at desktop and phone widths land in test-artifacts/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import save_screenshot, signed_in_page
from tests.drafts.conftest import stocked_account
from tests.factories import Factory
from wholesale.drafts.models import OrderDraft
from wholesale.extensions import db
from wholesale.orders.models import Order

CATALOG = [  # sku, name, unit, case size, price, stock
    ("LET-HRT", "Romaine hearts", "case", 24, "18.00", 40),
    ("LET-WHL", "Romaine, whole heads", "each", 1, "1.20", 200),
    ("GEM", "Little gem", "each", 1, "1.60", 150),
    ("LEM", "Lemons 115 ct", "case", 115, "42.00", 30),
]
ORDER_TEXT = "3 cs romaine hearts, 2 cs lemons and 4 heads of lettuce for friday"


@dataclass
class Account:
    thread_id: int
    supplier_id: int
    buyer_id: int
    products: dict[str, int]
    emails: dict[str, str]


@pytest.fixture
def account(live_db: Factory) -> Account:
    supplier, buyer, _location, products, thread_id = stocked_account(live_db, CATALOG,
                                                                 "Golden Gate Provisions")
    live_db.owner(buyer).name = "Maya Chen"
    live_db.owner(supplier).name = "Sam Ortiz"
    found = Account(thread_id, supplier.id, buyer.id, products,
                    {"buyer": live_db.owner(buyer).email,
                     "supplier": live_db.owner(supplier).email})
    db.session.commit()
    return found


def _signed_in(browser: Any, live_server: Any, email: str, **context: Any) -> Any:
    return signed_in_page(browser, live_server, email, height=860, timeout_ms=15_000, **context)


def _joined(page: Any) -> None:
    page.wait_for_selector("[data-chat][data-joined='1']", timeout=20_000)


def _card(page: Any) -> Any:
    """The newest draft card (the one with the buttons)."""
    return page.locator("[data-draft-card]:not(.draft-card--earlier)").last


def _line(card: Any, sku: str) -> Any:
    return card.locator(f'[data-draft-line="{sku}"]')


def _fresh_db() -> None:
    db.session.rollback()  # see what the server committed since (SQLite: end the read)


def test_an_order_by_message_is_fixed_by_the_supplier_and_confirmed_by_the_buyer(
        browser, live_server, account: Account):
    buyer = _signed_in(browser, live_server, account.emails["buyer"])
    supplier = _signed_in(browser, live_server, account.emails["supplier"])
    try:
        # Both reach the account thread from their partner pages; it tops both inboxes.
        buyer.goto("/suppliers")
        buyer.get_by_role("link", name=re.compile("Order by message")).click()
        buyer.wait_for_url(re.compile(rf"/inbox/t/{account.thread_id}$"))
        _joined(buyer)
        first_row = buyer.locator("[data-inbox-row]").first
        assert first_row.get_attribute("data-thread-id") == str(account.thread_id)
        assert "Account: Golden Gate Provisions" in first_row.inner_text()
        supplier.goto("/customers")
        supplier.get_by_role("link", name=re.compile("^Message")).click()
        supplier.wait_for_url(re.compile(rf"/inbox/t/{account.thread_id}$"))
        _joined(supplier)
        assert supplier.locator("[data-inbox-draft]").count() == 0

        # The buyer writes the order as a text message.
        buyer.locator("[data-chat-input]").fill(ORDER_TEXT)
        buyer.locator("[data-chat-send]").click()

        # The draft card appears, live, on both sides, priced.
        for page in (buyer, supplier):
            card = _card(page)
            card.locator("[data-draft-status='open']").wait_for()
            assert _line(card, "LET-HRT").inner_text().startswith("3")
            assert _line(card, "LEM").inner_text().startswith("2")
            assert _line(card, "LET-WHL").inner_text().startswith("4")
            assert card.locator("[data-draft-subtotal]").inner_text() == "$142.80"
            assert "Friday" in card.locator(".draft-card__date").inner_text()
        assert _card(buyer).locator("[data-draft-action='confirm']").inner_text() == \
            "Confirm order"
        # The supplier's panel of drafts to check lists it, live.
        supplier.locator("[data-inbox-draft]").filter(has_text="Bistro Verde").wait_for()
        save_screenshot(buyer, "draft-card-buyer", full_page=False)
        save_screenshot(supplier, "draft-card-supplier", full_page=False)

        # The supplier fixes it: this buyer's "heads of lettuce" are little gems, and 3
        # cases of lemons; then sends it back for the buyer's OK.
        card = _card(supplier)
        card.locator("[data-draft-action='edit']").click()
        editor = supplier.locator("[data-draft-editor][data-ready='1']")
        editor.wait_for()
        rows = editor.locator("[data-draft-edit-line]")
        assert rows.count() == 3
        lettuce = rows.filter(has=supplier.locator("[data-draft-source]", has_text="lettuce"))
        lettuce.locator("[data-draft-product]").select_option(str(account.products["GEM"]))
        lemons = rows.filter(has=supplier.locator("[data-draft-source]", has_text="lemons"))
        lemons.locator("[data-draft-quantity]").fill("3")
        editor.locator("[data-draft-save]").scroll_into_view_if_needed()
        save_screenshot(supplier, "draft-editor-supplier", full_page=False)
        editor.locator("[data-draft-send-back]").click()

        # Both see the corrected draft waiting for the buyer.
        for page in (buyer, supplier):
            card = _card(page)
            card.locator("[data-draft-status]", has_text="Waiting for the buyer").wait_for()
            assert _line(card, "GEM").inner_text().startswith("4")
            assert _line(card, "LET-WHL").count() == 0
            assert _line(card, "LEM").inner_text().startswith("3")
            assert card.locator("[data-draft-subtotal]").inner_text() == "$186.40"
        buyer.locator(".msg__event", has_text="please confirm").wait_for()
        # Only the newest card carries buttons; the earlier ones sum up.
        assert buyer.locator(".draft-card--earlier [data-draft-action]").count() == 0
        assert buyer.locator(".draft-card--earlier").count() >= 1
        save_screenshot(buyer, "draft-card-sent-back-buyer", full_page=False)
        save_screenshot(supplier, "draft-card-sent-back-supplier", full_page=False)

        # The buyer confirms: the order is placed and both cards say so, with its link.
        _card(buyer).locator("[data-draft-action='confirm']").click()
        for page in (buyer, supplier):
            card = _card(page)
            card.locator("[data-draft-status='confirmed']").wait_for()
            assert card.locator("[data-draft-action]").count() == 0
            assert card.locator("a[href^='/orders/']").is_visible()
        supplier.locator("[data-inbox-draft]").wait_for(state="detached")
        save_screenshot(buyer, "draft-card-confirmed-buyer", full_page=False)
    finally:
        buyer.context.close()
        supplier.context.close()

    _fresh_db()
    draft = db.session.scalars(select(OrderDraft).execution_options(all_tenants=True)).one()
    order = db.session.get(Order, draft.order_id, execution_options={"all_tenants": True})
    assert order is not None and order.buyer_id == account.buyer_id
    assert {line.product_id: line.quantity for line in order.lines} == {
        account.products["LET-HRT"]: 3, account.products["LEM"]: 3, account.products["GEM"]: 4}
    assert order.requested_delivery_date == draft.requested_delivery_date
    assert order.requested_delivery_date.weekday() == 4  # friday


@pytest.mark.parametrize("side", ["buyer", "supplier"])
def test_the_draft_card_fits_a_phone(browser, live_server, account: Account, side: str):
    phone = _signed_in(browser, live_server, account.emails[side],
                       viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    writer = phone if side == "buyer" else _signed_in(browser, live_server,
                                                       account.emails["buyer"])
    try:
        phone.goto(f"/inbox/t/{account.thread_id}")
        _joined(phone)
        if writer is not phone:
            writer.goto(f"/inbox/t/{account.thread_id}")
            _joined(writer)
        writer.locator("[data-chat-input]").fill(ORDER_TEXT)
        writer.locator("[data-chat-send]").click()
        card = _card(phone)
        card.locator("[data-draft-status='open']").wait_for()
        assert card.locator("[data-draft-action='confirm']").is_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        save_screenshot(phone, f"draft-card-phone-{side}", full_page=False)
    finally:
        phone.context.close()
        if writer is not phone:
            writer.context.close()


def test_a_question_is_answered_from_the_card_and_a_draft_discarded(browser, live_server,
                                                                     account: Account):
    buyer = _signed_in(browser, live_server, account.emails["buyer"])
    try:
        buyer.goto(f"/inbox/t/{account.thread_id}")
        _joined(buyer)
        buyer.locator("[data-chat-input]").fill("2 romaine and a box of dragonfruit")
        buyer.locator("[data-chat-send]").click()
        card = _card(buyer)
        card.locator(".draft-question").wait_for()
        assert "dragonfruit" in card.locator(".draft-card__unmatched").inner_text()
        assert card.locator("[data-draft-action='confirm']").is_disabled()
        save_screenshot(buyer, "draft-card-question", full_page=False)
        # Picking an option sends its number, as a text message would.
        card.locator(".draft-option__pick", has_text="Romaine hearts").click()
        buyer.locator(".msg--mine .msg__text", has_text=re.compile(r"^\d$")).wait_for()
        card = _card(buyer)
        _line(card, "LET-HRT").wait_for()
        assert card.locator(".draft-question").count() == 0
        assert _line(card, "LET-HRT").inner_text().startswith("2")
        card.locator("[data-draft-action='discard']").click()
        _card(buyer).locator("[data-draft-status='discarded']").wait_for()
        assert _card(buyer).locator("[data-draft-action]").count() == 0
    finally:
        buyer.context.close()
    _fresh_db()
    draft = db.session.scalars(select(OrderDraft).execution_options(all_tenants=True)).one()
    assert draft.status.value == "discarded" and draft.order_id is None
