"""In Chromium: the live cart checks quantities as they are typed, checkout places the order,
the CSV page uploads with a progress bar and shows the dry run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.conftest import save_screenshot
from tests.factories import PASSWORD, Factory
from tests.orders.conftest import build_shop
from wholesale.extensions import db
from wholesale.orders import carts
from wholesale.orders.models import Channel, Order


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_live_cart_and_checkout(page: Any, live_db: Factory) -> None:
    shop = build_shop(live_db)
    product = shop.product({shop.near: 40}, order_multiple=6, min_order_qty=6,
                           name="Olive oil 5 l", price="12.00")
    carts.add_to_cart(shop.buyer_user, product.id, 6)
    email, location_id = shop.buyer_user.email, shop.location.id
    db.session.commit()
    db.session.close()  # hold no transaction (on SQLite, no lock) while the server works

    _sign_in(page, email)
    page.goto("/cart")
    quantity = page.locator("[data-qty]")
    quantity.fill("8")
    problem = page.locator(".cart__problem", has_text="multiples of 6")
    problem.wait_for()
    assert page.locator("[data-checkout]").get_attribute("aria-disabled") == "true"
    save_screenshot(page, "orders-cart-problem")

    quantity.fill("12")
    page.locator("[data-subtotal]", has_text="$144.00").wait_for()
    assert problem.count() == 0
    assert page.locator("[data-checkout]").get_attribute("aria-disabled") is None

    page.click("[data-checkout]")
    page.wait_for_url("**/checkout**")
    page.select_option("#delivery_location_id", str(location_id))
    page.fill("#contacts-0-name", "Chef Ana")
    page.fill("#contacts-0-email", "ana@example.test")
    page.click("[data-add-row]")
    page.locator("#contacts-2-name").wait_for()
    save_screenshot(page, "orders-checkout")
    page.click("[data-submit]")
    page.wait_for_url("**/placed")
    assert "is placed" in page.inner_text("h1")
    save_screenshot(page, "orders-placed")

    db.session.expire_all()
    [order] = db.session.scalars(select(Order).execution_options(all_tenants=True)).all()
    assert order.channel is Channel.PORTAL and order.lines[0].quantity == 12
    assert [c.name for c in order.contacts] == ["Chef Ana"]


def test_csv_upload_shows_the_dry_run(page: Any, live_db: Factory, tmp_path: Any) -> None:
    shop = build_shop(live_db)
    shop.product({shop.near: 40}, sku="OIL-5L")
    day = shop.delivery_date().isoformat()
    email, name = shop.buyer_user.email, shop.supplier.name
    db.session.commit()
    db.session.close()
    good = tmp_path / "orders.csv"
    good.write_text("order_ref,supplier,sku,quantity,delivery_date,location\n"
                    f"A-1,{name},OIL-5L,2,{day},Mission kitchen\n"
                    f"A-2,{name},NOPE,2,{day},Mission kitchen\n")

    _sign_in(page, email)
    page.goto("/orders/import")
    page.set_input_files("#file", str(good))
    page.click("[data-check]")
    page.locator(".import-errors").wait_for()
    assert page.locator("[data-progress]").is_visible()
    assert "NOPE" in page.inner_text(".import-errors")
    save_screenshot(page, "orders-import-errors")
    db.session.expire_all()
    assert db.session.scalars(select(Order).execution_options(all_tenants=True)).all() == []


def test_the_cart_is_one_step_from_the_catalog(browser: Any, live_server: Any,
                                               live_db: Factory) -> None:
    """Add to cart stays on the page and offers "View cart & check out"; the Cart link
    shows the count, live, in the sidebar (at 1280 px) and in the top bar (on a phone)."""
    shop = build_shop(live_db)
    shop.product({shop.near: 40}, name="Olive oil 5 l", price="12.00")
    email = shop.buyer_user.email
    db.session.commit()
    db.session.close()

    for width, link in ((1280, ".nav [href='/cart']"), (390, "[data-topbar-cart]")):
        ctx = browser.new_context(base_url=live_server.url,
                                  viewport={"width": width, "height": 800})
        page = ctx.new_page()
        try:
            _sign_in(page, email)
            page.goto("/catalog")
            cart_link = page.locator(link)
            assert cart_link.is_visible()
            count = cart_link.locator("[data-cart-nav-count]")
            if width == 1280:
                assert count.is_hidden()
                page.evaluate("window.__stayed = true")
                card = page.locator(".product-card", has_text="Olive oil 5 l")
                card.get_by_role("button", name="Add to cart").click()
                count.filter(has_text="1").wait_for()
                assert page.evaluate("window.__stayed") is True  # no reload
                assert "in your cart" in card.locator("[data-added]").inner_text()
            assert count.inner_text() == "1"
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if width == 1280:
                action = page.locator("[data-added-cart]")
                assert action.inner_text() == "View cart & check out"
                action.click()
                page.wait_for_url("**/cart")
                assert page.locator(".nav [aria-current=page]").inner_text().startswith("Cart")
        finally:
            ctx.close()
