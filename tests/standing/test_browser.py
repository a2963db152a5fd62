"""In the browser: a buyer sets up a standing order (after a schedule the supplier can't
deliver is refused) and sees its next four occurrences; the supplier sees the upcoming
auto-orders per delivery day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from tests.conftest import save_screenshot
from tests.factories import PASSWORD, Factory
from tests.standing.conftest import next_monday
from wholesale.catalog.models import Product
from wholesale.extensions import db
from wholesale.standing.models import StandingOrder


def _sign_in(page: Any, email: str, then: str) -> None:
    page.set_default_timeout(20_000)
    page.goto(then)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{then}")


def test_a_buyer_sets_up_a_standing_order(page, browser, live_server, live_db: Factory
                                          ) -> None:
    supplier, buyer = live_db.supplier("Golden Gate"), live_db.buyer("Bistro Verde")
    live_db.connect(supplier, buyer)
    live_db.warehouse(supplier)
    live_db.location(buyer, name="Kitchen")
    romaine = Product(supplier_id=supplier.id, sku="LET-HRT", name="Romaine hearts",
                      unit="case", case_size=24, price=Decimal("18.00"), currency="USD")
    db.session.add(romaine)
    db.session.flush()
    romaine_id = romaine.id
    buyer_email, supplier_email = live_db.owner(buyer).email, live_db.owner(supplier).email
    db.session.commit()
    monday = next_monday() - timedelta(days=7)  # the coming Monday: within the forecast

    _sign_in(page, buyer_email, "/standing-orders/new")
    form = page.locator("[data-standing-form]")
    form.locator("select[name=product_0]").select_option(str(romaine_id))
    form.locator("input[name=quantity_0]").fill("3")
    form.locator("label.weekday", has_text="Saturday").click()
    form.locator("#f-starts_on").fill(monday.isoformat())
    form.get_by_role("button", name="Set up standing order").click()
    page.get_by_text("No deliveries on Saturdays").wait_for()  # refused, nothing saved
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(StandingOrder)) == 0

    form.locator("label.weekday", has_text="Saturday").click()
    form.locator("label.weekday", has_text="Tuesday").click()
    form.locator("label.weekday", has_text="Friday").click()
    form.get_by_role("button", name="Set up standing order").click()
    page.wait_for_url("**/standing-orders")
    page.get_by_text("Standing order set up").wait_for()
    card = page.locator("[data-standing]")
    assert "Tuesday, Friday, every week" in card.locator("[data-schedule]").inner_text()
    assert "3 case Romaine hearts" in card.locator("[data-lines]").inner_text()
    rows = card.locator("[data-occurrence]")
    assert rows.count() == 4
    assert [rows.nth(i).get_attribute("data-occurrence") for i in range(4)] == [
        (monday + timedelta(days=d)).isoformat() for d in (1, 4, 8, 11)]
    assert card.locator("[data-status=upcoming]").count() == 4
    save_screenshot(page, "standing-orders-buyer")

    card.locator("[data-occurrence]").first.get_by_role("button", name="Skip").click()
    page.get_by_text("Skipped").first.wait_for()
    assert page.locator("[data-standing] [data-status=skipped]").count() == 1

    page.context.clear_cookies()
    _sign_in(page, supplier_email, "/standing-orders")
    days = page.locator("[data-day]")
    assert days.count() >= 1  # the next two weeks, from the first Friday (Tuesday is skipped)
    first = days.first
    assert first.get_attribute("data-day") == (
        monday + timedelta(days=4)).isoformat()
    assert "Bistro Verde" in first.inner_text()
    assert "3 case Romaine hearts" in first.locator("[data-totals]").inner_text()
    save_screenshot(page, "standing-orders-supplier")
