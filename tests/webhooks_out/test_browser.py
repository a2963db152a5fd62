"""The webhooks settings page in Chromium (under the CSP): an endpoint and its log, deleting
it behind the confirmation."""

from __future__ import annotations

from messaging.webhooks_out import services
from tests.factories import PASSWORD
from wholesale.extensions import db


def test_the_webhooks_page_in_a_browser(page, live_db):
    owner = live_db.owner(live_db.supplier("Harbor Foods"))
    services.create_endpoint(owner, "https://erp.example.test/in", ["order.*"])
    email = owner.email
    db.session.commit()  # and no more reads here: SQLite would keep the server waiting

    page.goto("/settings/webhooks")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/settings/webhooks")
    assert page.is_visible("text=https://erp.example.test/in")
    assert page.is_visible("text=No deliveries yet.")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Delete')")
    page.wait_for_selector("text=The endpoint is deleted")
    assert page.is_visible("text=No webhook endpoints")
