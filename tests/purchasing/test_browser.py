"""From the low-stock report to a sent purchase order to a receipt, in a real browser:
the suggestion becomes a draft with one click, sending it queues the vendor's email with
the PDF, the PO's thread asks the vendor for an update and takes its new date (listing the
backorder waiting for it; a colleague's message appears live), and a scanner-style receipt
(vendor code, quantity, Enter) puts the stock on hand and fills the waiting backorder."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from messaging.notifications.models import Channel, Notification
from tests.catalog.util import product
from tests.conftest import save_screenshot
from tests.factories import PASSWORD
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.inventory.models import StockLevel
from wholesale.orders import rules
from wholesale.orders.models import Channel as OrderChannel
from wholesale.orders.placement import place_order
from wholesale.purchasing import vendors


def test_low_stock_to_a_sent_po_to_a_receipt(page, live_db) -> None:
    supplier = live_db.supplier("Golden Gate Provisions")
    buyer = live_db.buyer("Bistro Verde")
    live_db.connect(supplier, buyer)
    live_db.warehouse(supplier, "Oakland")
    location = live_db.location(buyer)
    owner = live_db.owner(supplier)
    romaine = product(supplier, sku="ROM-1", name="Romaine hearts", reorder_point=10,
                      overstock_level=30, allow_backorder=True)
    vendors.create_vendor(owner, {"name": "Salinas Growers", "email": "orders@salinas.test",
                                  "items": [{"product_id": romaine.id, "vendor_code": "SG-R12",
                                             "pack_size": 12, "cost": Decimal("1.10")}]})
    day = rules.valid_delivery_dates(rules.rules_for(supplier.id), utcnow())[1]
    placed = place_order(actor=live_db.owner(buyer), buyer=buyer, supplier_id=supplier.id,
                         lines=[{"product_id": romaine.id, "quantity": 5}],
                         requested_delivery_date=day, delivery_location_id=location.id,
                         notes="", contacts=[], po_number="", channel=OrderChannel.PORTAL,
                         idempotency_key=None, fingerprint=None)
    [backorder] = placed.order.backorders
    email, backorder_id, romaine_id = owner.email, backorder.id, romaine.id
    backorder_number, new_date = backorder.display_number, day + timedelta(days=3)
    db.session.commit()

    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/purchasing/vendors")
    page.click("a:has-text('Salinas Growers')")
    assert page.inner_text("[data-item='ROM-1']").count("SG-R12") == 1
    save_screenshot(page, "vendor")
    page.set_viewport_size({"width": 390, "height": 844})
    save_screenshot(page, "vendor-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/inventory/low")
    assert "Romaine hearts" in page.inner_text("main")
    page.click("text=Reorder suggestions")
    group = page.locator("[data-vendor-group]")
    # 0 available, 5 owed, target 30 → 35 → 3 packs of 12
    assert "36" in group.inner_text() and "Salinas Growers" in group.inner_text()
    group.locator("button", has_text="Create draft purchase order").click()
    page.wait_for_selector("text=Draft PO-00001 created.")
    page.click("button:has-text('Send to Salinas Growers')")
    page.wait_for_selector("text=PO-00001 sent to Salinas Growers.")
    assert page.inner_text("[data-po-status]") == "Sent"
    save_screenshot(page, "purchase-order-sent")

    page.click("[data-request-update]")
    page.wait_for_selector("text=Update requested.")
    outbound = page.locator("[data-po-message=outbound]")
    assert "could you give us an update on purchase order PO-00001" in outbound.inner_text()
    page.fill("#po-date", new_date.isoformat())
    page.fill("#po-note", "Rain delayed the harvest")
    page.click("button:has-text('Update expected date')")
    page.wait_for_selector("text=Expected date updated.")
    event = page.inner_text("[data-po-message=event]")
    assert "Rain delayed the harvest" in event and backorder_number in event
    assert "1 of 1 waiting customer orders are due before then." in event
    assert f"{new_date:%b %d, %Y}" in page.inner_text("[data-line='ROM-1']")
    save_screenshot(page, "purchase-order-thread")
    # A colleague writes to the vendor from another tab: this page shows it without a reload.
    page.wait_for_function("() => window.OrdertalkSocket && window.OrdertalkSocket.get()"
                           " && window.OrdertalkSocket.get().connected")
    colleague = page.context.new_page()
    colleague.goto(page.url)
    colleague.fill("#po-body", "Please call before you come")
    colleague.click("form.chat__composer button[type=submit]")
    colleague.wait_for_selector("text=Please call before you come")
    page.wait_for_selector("[data-po-message=outbound] >> text=Please call before you come")
    colleague.close()
    page.set_viewport_size({"width": 390, "height": 844})
    save_screenshot(page, "purchase-order-thread-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.fill("#f-code", "sg-r12")  # as a scanner types it, then Enter
    page.fill("#f-quantity", "24")
    page.press("#f-quantity", "Enter")
    page.wait_for_selector("text=Received 24 × ROM-1.")
    assert page.inner_text("[data-po-status]") == "Partly received"
    assert page.inner_text("[data-line='ROM-1'] [data-received]").strip() == "24"
    page.fill("#f-code", "ROM-1")
    page.fill("#f-quantity", "-2")
    page.press("#f-quantity", "Enter")
    page.wait_for_selector(".alert--error")
    assert page.inner_text("[data-line='ROM-1'] [data-received]").strip() == "24"

    db.session.expire_all()
    level = db.session.scalars(select(StockLevel).where(
        StockLevel.product_id == romaine_id).execution_options(all_tenants=True)).one()
    assert (level.on_hand, level.reserved) == (24, 5)  # the backorder took its five
    sent = db.session.scalars(select(Notification).where(
        Notification.event == "purchase_order").execution_options(all_tenants=True)).all()
    assert [(n.channel, n.address) for n in sent] == [(Channel.EMAIL, "orders@salinas.test")]
    written = db.session.scalars(select(Notification).where(
        Notification.event == "purchase_order_message").execution_options(all_tenants=True)
    ).all()  # the update request and the colleague's message
    assert len(written) == 2 and all(n.address == "orders@salinas.test"
                                     and n.reply_to.startswith("po+") for n in written)
    ready = db.session.scalars(select(Notification).where(
        Notification.event == "backorder_ready",
        Notification.order_id == backorder_id).execution_options(all_tenants=True)).all()
    assert ready
    db.session.rollback()
