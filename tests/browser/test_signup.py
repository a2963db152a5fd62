"""A supplier signs up in a real browser and lands on their dashboard."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import save_screenshot
from wholesale.accounts.models import Organization, User
from wholesale.extensions import db


def test_a_supplier_signs_up_and_lands_on_the_dashboard(page, live_server, live_db):
    page.goto("/signup")
    page.get_by_label("Company name").fill("Bayside Greens Wholesale")
    page.get_by_label("Your name").fill("Marta Okafor")
    page.get_by_label("Phone").fill("+1 415 555 0199")
    page.get_by_label("Work email").fill("Marta@Bayside-Greens.test")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Create account").click()

    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    assert page.get_by_text("Bayside Greens Wholesale").first.is_visible()
    assert page.get_by_text("Welcome, Marta").first.is_visible()
    save_screenshot(page, "signup-dashboard")

    # It really is an account: the organization and its owner are stored.
    db.session.expire_all()
    org = db.session.scalars(
        select(Organization).where(Organization.name == "Bayside Greens Wholesale")
    ).one()
    assert org.kind.value == "supplier"
    owner = db.session.scalars(select(User).where(User.organization_id == org.id)).one()
    assert owner.email == "marta@bayside-greens.test"
    assert owner.role.value == "owner"


def test_a_signup_with_a_short_password_stays_on_the_form(page, live_server, live_db):
    page.goto("/signup")
    page.get_by_label("Company name").fill("Too Short Ltd")
    page.get_by_label("Your name").fill("Sam")
    page.get_by_label("Work email").fill("sam@short.test")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()

    page.wait_for_load_state()
    assert page.url.endswith("/signup")
    assert page.get_by_text("at least 8 characters").first.is_visible()
    db.session.expire_all()
    assert db.session.scalars(select(User).where(User.email == "sam@short.test")).first() is None
