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
from wholesale.standing import services
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
    # Refused, nothing saved; named by the field's label in the summary, and at the field.
    page.locator("[data-form-errors]").get_by_text("Delivery days: No deliveries on Saturdays"
                                                   ).wait_for()
    assert "No deliveries on Saturdays" in form.locator(".weekday-picker + .field__error"
                                                        ).inner_text()
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

    # Edit it: an end before the start is refused, named by its label; then saved.
    page.locator("[data-standing]").get_by_role("link", name="Edit").click()
    form = page.locator("[data-standing-form]")
    form.locator("input[name=quantity_0]").fill("5")
    form.locator("label.weekday", has_text="Friday").click()
    form.locator("#f-ends_on").fill((monday - timedelta(days=1)).isoformat())
    form.get_by_role("button", name="Save changes").click()
    summary = page.locator("[data-form-errors]")
    summary.wait_for()
    assert "Until:" in summary.inner_text() and "is before the start" in summary.inner_text()
    save_screenshot(page, "standing-orders-edit-errors")
    page.set_viewport_size({"width": 390, "height": 844})
    save_screenshot(page, "standing-orders-edit-errors-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    form.locator("#f-ends_on").fill("")
    form.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/standing-orders")
    card = page.locator("[data-standing]")
    assert "Tuesday, every week" in card.locator("[data-schedule]").inner_text()
    assert "5 case Romaine hearts" in card.locator("[data-lines]").inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    save_screenshot(page, "standing-orders-buyer-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.context.clear_cookies()
    _sign_in(page, supplier_email, "/standing-orders")
    days = page.locator("[data-day]")
    assert days.count() >= 1  # the next two weeks: Tuesdays now (the first one is skipped)
    first = days.first
    assert first.get_attribute("data-day") == (
        monday + timedelta(days=8)).isoformat()
    assert "Bistro Verde" in first.inner_text()
    assert "5 case Romaine hearts" in first.locator("[data-totals]").inner_text()
    save_screenshot(page, "standing-orders-supplier")


def test_the_supplier_sets_up_one_for_a_customer_and_its_settings(
        page, browser, live_server, live_db: Factory) -> None:
    supplier, buyer = live_db.supplier("Golden Gate"), live_db.buyer("Bistro Verde")
    live_db.connect(supplier, buyer)
    live_db.warehouse(supplier)
    live_db.location(buyer, name="Kitchen")
    lemons = Product(supplier_id=supplier.id, sku="LEM", name="Lemons 115 ct", unit="case",
                     case_size=115, price=Decimal("42.00"), currency="USD")
    db.session.add(lemons)
    db.session.flush()
    lemons_id, supplier_id = lemons.id, supplier.id
    supplier_email = live_db.owner(supplier).email
    db.session.commit()
    monday = next_monday() - timedelta(days=7)  # the coming Monday: within the forecast
    holiday = monday + timedelta(days=2)  # a Wednesday

    _sign_in(page, supplier_email, "/standing-orders/settings")
    settings = page.locator("[data-standing-settings]")
    settings.locator("#f-reminder_hours").fill("6")
    settings.get_by_label("Is skipped").check()
    settings.locator("#f-closed_dates").fill(f"{holiday.isoformat()}\nnot a date")
    settings.get_by_role("button", name="Save settings").click()
    page.get_by_text("Not a date: line 2").wait_for()  # refused, named
    assert services.settings_for(supplier_id).reminder_hours == 4
    db.session.rollback()  # (SQLite: an open read would lock the live server's writes out)
    settings.locator("#f-closed_dates").fill(holiday.isoformat())
    settings.get_by_role("button", name="Save settings").click()
    page.get_by_text("Standing-order settings saved.").wait_for()
    assert f"{holiday:%b} {holiday.day}" in page.locator("[data-closed-dates]").inner_text()
    db.session.expire_all()
    saved = services.settings_for(supplier_id)
    assert (saved.reminder_hours, saved.closed_day.value, saved.closed_dates) == (
        6, "skip", [holiday.isoformat()])
    db.session.rollback()
    save_screenshot(page, "standing-orders-settings")
    page.set_viewport_size({"width": 390, "height": 844})
    save_screenshot(page, "standing-orders-settings-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto("/standing-orders")
    page.get_by_role("link", name="New standing order").click()
    form = page.locator("[data-standing-form]")
    assert "For Bistro Verde" in page.locator(".page-description").inner_text()
    form.locator("select[name=product_0]").select_option(str(lemons_id))
    form.locator("input[name=quantity_0]").fill("2")
    form.locator("label.weekday", has_text="Wednesday").click()
    form.locator("label.weekday", has_text="Thursday").click()
    form.locator("#f-starts_on").fill(monday.isoformat())
    page.set_viewport_size({"width": 390, "height": 844})
    save_screenshot(page, "standing-orders-new-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    form.get_by_role("button", name="Set up standing order").click()
    page.wait_for_url("**/standing-orders")
    page.get_by_text("Standing order set up").wait_for()
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(StandingOrder)) == 1
    # The holiday Wednesday is skipped (the setting): the forecast starts on the Thursday.
    first = page.locator("[data-day]").first
    assert first.get_attribute("data-day") == (holiday + timedelta(days=1)).isoformat()
    assert "2 case Lemons 115 ct" in first.inner_text()
    shown = page.locator("[data-day]")
    assert holiday.isoformat() not in [shown.nth(i).get_attribute("data-day")
                                       for i in range(shown.count())]
