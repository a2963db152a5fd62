"""The portal in Chromium: signing in, the JS API helper, copy and confirm buttons, and the
phone menu."""

from __future__ import annotations

from tests.factories import PASSWORD
from wholesale.extensions import db


def test_the_portal_in_a_browser(page, live_db):
    email = live_db.owner(live_db.supplier("Harbor Foods")).email
    db.session.commit()  # and no more reads here: SQLite would keep the server waiting
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    page.goto("/settings/tokens")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/settings/tokens")

    me = page.evaluate("() => Ordertalk.api('/me')")
    assert me["user"]["email"] == email, "the session works with the CSRF header"

    page.fill("#name", "ERP sync")
    page.click("text=Create token")
    token = page.input_value("#new-token")
    assert token.startswith("otk_")
    page.click("[data-copy=new-token]")
    page.wait_for_selector("[data-copy=new-token][data-copied]")
    assert page.evaluate("() => navigator.clipboard.readText()") == token

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("text=Revoke")
    assert page.is_visible("td:has-text('ERP sync')"), "dismissing the question keeps it"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Revoke")
    page.wait_for_selector("text=The token is revoked")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    assert not page.is_visible("nav[aria-label=Main]")
    page.click("[data-nav-toggle]")
    assert page.is_visible("nav[aria-label=Main]")
    assert page.get_attribute("[data-nav-toggle]", "aria-expanded") == "true"
    page.click(".user-menu__summary")
    page.click("text=Sign out")
    page.wait_for_url("**/login")


def test_signing_out_everywhere_in_a_browser(page, live_db):
    """The profile page's buttons ask first, then act: revoking every token keeps this
    session; signing out everywhere ends it."""
    email = live_db.owner(live_db.supplier("Harbor Foods")).email
    db.session.commit()

    page.goto("/settings/profile")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/settings/profile")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Revoke all API tokens')")
    page.wait_for_selector("text=You had no API tokens to revoke.")

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button:has-text('Sign out everywhere')")
    assert page.url.endswith("/settings/profile"), "dismissing the question keeps the session"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Sign out everywhere')")
    page.wait_for_selector("text=You are signed out everywhere")
    page.goto("/settings/profile")
    page.wait_for_url("**/login?next=*")
