"""Replies to a reminder in the account thread (wholesale/standing/replies.py): the rule
between an upcoming occurrence and an open draft, and a message for another day."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tests.api.util import commit
from tests.drafts.conftest import Shop
from tests.standing.conftest import body
from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.drafts import services as drafts
from wholesale.drafts.models import DraftSource
from wholesale.extensions import db
from wholesale.standing import scheduler, services
from wholesale.standing.models import StandingOccurrence
from wholesale.tenancy import as_tenant


def _reminded(shop: Shop) -> int:
    """A standing order whose first occurrence has just been reminded of."""
    so = shop.buyer.post("/api/v1/standing-orders", json=body(shop)).json
    first = date.fromisoformat(shop.buyer.get(
        f"/api/v1/standing-orders/{so['id']}/occurrences").json["items"][0]["date"])
    calendar = services.calendar_for(shop.supplier_id)
    counts = scheduler.run_due(calendar.remind_at(first))
    assert counts.reminded == 1
    row_id = db.session.scalars(select(StandingOccurrence.id).execution_options(
        all_tenants=True)).one()
    commit()
    return row_id


def _row(row_id: int) -> StandingOccurrence:
    return db.session.get(StandingOccurrence, row_id,
                          execution_options={"all_tenants": True, "populate_existing": True})


def test_a_change_after_the_reminder_is_for_that_occurrence(shop: Shop) -> None:
    row_id = _reminded(shop)
    reminder = [e for e in shop.events() if e["event"]["type"] == "standing_reminder"]
    assert len(reminder) == 1 and "Reply SKIP to skip it" in reminder[0]["body"]
    shop.say("add 1 cs eggs")
    assert {(ln["product_id"], ln["quantity"]) for ln in _row(row_id).lines} == {
        (shop.products["LET-HRT"], 3), (shop.products["LEM"], 1), (shop.products["EGG"], 1)}
    assert shop.drafts() == []  # no draft opened
    assert shop.events()[-1]["body"].startswith("Changed for ")
    shop.say("thanks!")  # small talk: nothing changes, no draft
    assert shop.drafts() == [] and len(_row(row_id).lines) == 3


def test_an_order_for_another_day_goes_to_the_drafts(shop: Shop) -> None:
    row_id = _reminded(shop)
    other = _row(row_id).delivery_on + timedelta(days=14)
    shop.say(f"2 cs lemons for {other:%B} {other.day}")
    [draft] = shop.drafts()
    assert draft["lines"][0]["sku"] == "LEM"
    assert _row(row_id).lines is None  # the occurrence is as it was


def test_an_open_draft_newer_than_the_reminder_takes_the_message(shop: Shop) -> None:
    row_id = _reminded(shop)
    with as_tenant(None):
        _row(row_id).reminded_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    with as_tenant(None):  # a draft opened after the reminder (by the rep, from a call)
        owner = db.session.scalars(select(User).where(
            User.organization_id == shop.buyer_id)).first()
        opened = drafts.read_buyer_message(author=owner, supplier_id=shop.supplier_id,
                                           buyer_id=shop.buyer_id, text="3 cs romaine hearts",
                                           source=DraftSource.API)
        assert opened.change == "opened"
        db.session.commit()
    shop.say("add 1 cs eggs")
    [draft] = shop.drafts()
    assert {ln["sku"] for ln in draft["lines"]} == {"LET-HRT", "EGG"}
    assert _row(row_id).lines is None
    shop.say("skip")  # the draft is the latest open thing: SKIP is not for the occurrence
    assert _row(row_id).status.value == "upcoming"
