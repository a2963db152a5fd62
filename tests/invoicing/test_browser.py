"""In the browser: the supplier issues an invoice, opens its PDF and records a payment;
the dashboard and the invoice page on a phone."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from tests.conftest import save_screenshot
from tests.factories import PASSWORD, Factory
from tests.orders.conftest import build_shop
from wholesale.extensions import db
from wholesale.fulfilment import shipments
from wholesale.invoicing import settings
from wholesale.orders.placement import place_order


def _sign_in(page: Any, email: str, then: str) -> None:
    page.set_default_timeout(20_000)
    page.goto(then)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{then}")


def test_issue_open_pdf_and_record_payment(page, browser, live_server, live_db: Factory
                                           ) -> None:
    shop = build_shop(live_db)
    settings.update_settings(shop.supplier, {"tax_rate": "8.5", "payment_instructions":
                                             "ACH to account 123"})
    product = shop.product({shop.near: 20}, price="12.40")
    order = place_order(**shop.place_kwargs((product, 5))).order
    shipments.ship(order.id, shop.supplier_user, carrier="UPS")
    order_id, email = order.id, shop.supplier_user.email
    db.session.commit()  # and touch no model after: on SQLite a read would begin a
    # transaction holding the write lock the server needs

    _sign_in(page, email, "/invoices")
    page.locator(f'[data-issue="{order_id}"]').click()
    page.wait_for_url("**/invoices/*")
    page.get_by_text("Invoice issued").wait_for()
    assert "INV-00001" in page.locator(".page-title").inner_text()
    assert "67.27" in page.locator("[data-balance]").inner_text()  # 62.00 + 5.27 tax
    save_screenshot(page, "invoice-page")

    pdf_url = page.locator("[data-pdf]").get_attribute("href")
    response = page.request.get(pdf_url, timeout=15_000)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "INV-00001" in text and "67.27" in text

    form = page.locator("[data-payment-form]")
    form.locator("#pay-amount").fill("67.27")
    form.locator("#pay-method").select_option("check")
    form.locator("#pay-ref").fill("Check 1042")
    form.get_by_role("button", name="Record payment").click()
    page.get_by_text("Payment recorded.").wait_for()
    assert "Paid" in page.locator(".page-title").inner_text()
    assert "0.00" in page.locator("[data-balance]").inner_text()
    assert "Check 1042" in page.locator(".inv-history").inner_text()

    page.goto("/")
    page.locator("[data-kpi=overdue]").wait_for()
    save_screenshot(page, "dashboard-supplier")
    phone = browser.new_context(base_url=live_server.url,
                                viewport={"width": 390, "height": 844})
    mobile = phone.new_page()
    try:
        _sign_in(mobile, email, "/invoices/receivables")
        mobile.goto("/")
        assert mobile.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        save_screenshot(mobile, "dashboard-phone")
        mobile.goto("/invoices")
        save_screenshot(mobile, "invoices-phone")
    finally:
        phone.close()
