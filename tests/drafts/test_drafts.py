"""Chat-first ordering through the account thread and the drafts API (CONTRACT.md §3
"Conversations and chat-first ordering"): a buyer's message becomes a draft, "yes" places
it once, other messages amend or replace it, the rep's corrections teach the intake, and
nothing is placed by mistake."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from tests.api.util import assert_error, commit
from tests.drafts.conftest import Shop
from wholesale.db import utcnow
from wholesale.drafts import services
from wholesale.drafts.models import OrderDraft
from wholesale.extensions import db
from wholesale.intake.models import IntakeAlias
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant


def _lines(draft: dict) -> dict[str, float]:
    return {line["sku"]: line["quantity"] for line in draft["lines"]}


def _orders(shop: Shop) -> int:
    with as_tenant(None):
        return db.session.scalar(select(func.count(Order.id)).where(
            Order.supplier_id == shop.supplier_id))


def test_a_message_becomes_a_priced_draft_both_sides_see(shop: Shop) -> None:
    shop.say("hi! 3 cs romaine hearts and 2 cs lemons pls")
    [draft] = shop.drafts()
    assert _lines(draft) == {"LET-HRT": 3, "LEM": 2}
    assert draft["status"] == "open" and draft["source"] == "api"
    assert draft["thread_id"] == shop.thread_id and draft["order_id"] is None
    assert draft["text"] == "hi! 3 cs romaine hearts and 2 cs lemons pls"
    assert draft["subtotal"] == "138.00" and draft["currency"] == "USD"
    assert draft["requested_delivery_date"] is not None and draft["issues"] == []
    hearts = next(line for line in draft["lines"] if line["sku"] == "LET-HRT")
    assert hearts["unit_price"] == "18.00" and hearts["line_total"] == "54.00"
    assert hearts["source_text"] and 0 < hearts["confidence"] <= 1
    assert shop.buyer.get(f"/api/v1/drafts/{draft['id']}").json["id"] == draft["id"]
    assert shop.stranger.get(f"/api/v1/drafts/{draft['id']}").status_code == 404
    cards = [e for e in shop.events() if e["event"]["type"] == "draft"]
    assert cards[-1]["event"]["draft_id"] == draft["id"]
    assert cards[-1]["event"]["change"] == "opened"


def test_yes_places_the_draft_once(shop: Shop) -> None:
    shop.say("3 cs romaine hearts, 2 cs lemons")
    [draft] = shop.drafts()
    shop.say("yes pls 👍")
    confirmed = shop.buyer.get(f"/api/v1/drafts/{draft['id']}").json
    assert confirmed["status"] == "confirmed" and confirmed["order_id"]
    order = shop.buyer.get(f"/api/v1/orders/{confirmed['order_id']}").json
    assert {line["sku"]: line["quantity"] for line in order["lines"]} == {
        "LET-HRT": 3, "LEM": 2}
    assert order["requested_delivery_date"] == draft["requested_delivery_date"]
    again = shop.supplier.post(f"/api/v1/drafts/{draft['id']}/confirm")
    assert again.status_code == 200 and again.json["id"] == order["id"]
    shop.say("yes")  # no draft waits any more: nothing placed, an answer
    assert _orders(shop) == 1
    assert "no order waiting" in shop.events()[-1]["body"]
    messages = shop.buyer.get(f"/api/v1/orders/{order['id']}/messages").json["items"]
    assert any(m["event"] and m["event"]["type"] == "from_conversation" for m in messages)


def test_confirm_by_the_api_answers_201_then_200(shop: Shop) -> None:
    shop.say("4 lemons cases")
    [draft] = shop.drafts()
    first = shop.supplier.post(f"/api/v1/drafts/{draft['id']}/confirm")
    assert first.status_code == 201, first.json
    second = shop.buyer.post(f"/api/v1/drafts/{draft['id']}/confirm", data="")
    assert second.status_code == 200 and second.json["id"] == first.json["id"]
    assert _orders(shop) == 1


def test_a_later_message_amends_or_replaces_the_open_draft(shop: Shop) -> None:
    shop.say("3 cs romaine hearts and 2 cs lemons")
    shop.say("add 1 cs eggs")
    [draft] = shop.drafts()
    assert _lines(draft) == {"LET-HRT": 3, "LEM": 2, "EGG": 1}
    shop.say("no lemons")
    [draft] = shop.drafts()
    assert _lines(draft) == {"LET-HRT": 3, "EGG": 1}
    shop.say("do you have oat milk?")  # a question, not an order: the draft stays
    [same] = shop.drafts()
    assert same["id"] == draft["id"]
    shop.say("actually just send 5 cs lemons")
    [fresh] = shop.drafts()
    assert fresh["id"] != draft["id"] and _lines(fresh) == {"LEM": 5}
    assert [d["id"] for d in shop.drafts("discarded")] == [draft["id"]]


def test_questions_and_small_talk_open_no_draft(shop: Shop) -> None:
    for text in ("do you have oat milk?", "thanks!!", "where's my order", "🍋🍋🍋",
                 "the lettuce was wilted last time", "STOP"):
        shop.say(text)
    assert shop.drafts() == [] and _orders(shop) == 0


def test_an_ambiguous_item_asks_and_the_answer_teaches(shop: Shop) -> None:
    shop.say("2 romaine")
    [draft] = shop.drafts()
    assert draft["lines"] == [] and len(draft["questions"]) == 1
    assert "Reply 1 or 2" in draft["questions"][0]["prompt"]
    assert any("Reply 1 or 2" in issue for issue in draft["issues"])
    assert shop.supplier.post(f"/api/v1/drafts/{draft['id']}/confirm").status_code == 422
    hearts = next(o for o in draft["questions"][0]["options"] if o["sku"] == "LET-HRT")
    shop.say(str(hearts["number"]))
    [answered] = shop.drafts()
    assert _lines(answered) == {"LET-HRT": 2} and answered["questions"] == []
    with as_tenant(None):
        taught = db.session.scalars(select(IntakeAlias).where(
            IntakeAlias.buyer_id == shop.buyer_id)).all()
    assert [(a.phrase, a.product_id) for a in taught] == [("romaine", shop.products["LET-HRT"])]
    shop.say("yes")
    shop.say("2 romaine")  # the same words now mean the hearts, no question
    [next_draft] = shop.drafts()
    assert _lines(next_draft) == {"LET-HRT": 2} and next_draft["questions"] == []


def test_the_reps_correction_teaches_the_next_message(shop: Shop) -> None:
    shop.say("6 lemons and 2 cs of the green stuff")
    [draft] = shop.drafts()
    assert _lines(draft) == {"LEM": 6} and draft["unmatched"] == ["2 cs of the green stuff"]
    fixed = shop.supplier.patch(f"/api/v1/drafts/{draft['id']}", json={"lines": [
        {"product_id": shop.products["LEM"], "quantity": 6,
         "source_text": draft["lines"][0]["source_text"]},
        {"product_id": shop.products["LET-HRT"], "quantity": 2,
         "source_text": "2 cs of the green stuff"}]})
    assert fixed.status_code == 200, fixed.json
    assert _lines(fixed.json) == {"LEM": 6, "LET-HRT": 2}
    shop.supplier.post(f"/api/v1/drafts/{draft['id']}/discard")
    shop.say("3 cs green stuff")
    [learned] = shop.drafts()
    assert _lines(learned) == {"LET-HRT": 3}


def test_shortfalls_are_reported_and_nothing_is_placed(shop: Shop) -> None:
    shop.say("10 mozz")
    [draft] = shop.drafts()
    assert _lines(draft) == {"MOZ": 10}
    assert any("MOZ" in issue or "mozzarella" in issue.lower() for issue in draft["issues"])
    shop.say("yes")
    [still] = shop.drafts()
    assert still["id"] == draft["id"] and _orders(shop) == 0
    failed = [e for e in shop.events() if e["event"]["type"] == "draft"][-1]
    assert failed["event"]["change"] == "confirm_failed" and failed["event"]["note"]
    answer = shop.supplier.post(f"/api/v1/drafts/{draft['id']}/confirm")
    assert_error(answer, 409, "insufficient_stock")


def test_stock_that_runs_out_after_the_draft_fails_the_confirmation(shop: Shop) -> None:
    shop.say("3 mozz")
    [draft] = shop.drafts()
    assert draft["issues"] == []
    taken = shop.supplier.post("/api/v1/stock", json={
        "warehouse_id": _warehouse(shop), "product_id": shop.products["MOZ"], "delta": -3,
        "reason": "damaged"})
    assert taken.status_code in (200, 201), taken.json
    assert_error(shop.buyer.post(f"/api/v1/drafts/{draft['id']}/confirm"), 409,
                 "insufficient_stock")
    assert shop.buyer.get(f"/api/v1/drafts/{draft['id']}").json["status"] == "open"
    assert _orders(shop) == 0


def _warehouse(shop: Shop) -> int:
    return shop.supplier.get(f"/api/v1/stock?product_id={shop.products['MOZ']}").json[
        "items"][0]["warehouse_id"]


def test_discarded_and_expired_drafts_cannot_be_placed(shop: Shop) -> None:
    shop.say("2 cs lemons")
    [draft] = shop.drafts()
    assert shop.buyer.post(f"/api/v1/drafts/{draft['id']}/discard").status_code == 200
    assert_error(shop.buyer.post(f"/api/v1/drafts/{draft['id']}/confirm"), 409,
                 "invalid_transition")
    shop.say("2 cs lemons")
    [second] = shop.drafts()
    with as_tenant(None):
        db.session.execute(update(OrderDraft).where(OrderDraft.id == second["id"]).values(
            expires_at=utcnow() - timedelta(minutes=1)))
        assert services.expire_due() == 1
    commit()
    assert shop.buyer.get(f"/api/v1/drafts/{second['id']}").json["status"] == "expired"
    shop.say("yes")
    assert _orders(shop) == 0


def test_bad_input_places_nothing(shop: Shop) -> None:
    url = f"/api/v1/threads/{shop.thread_id}/messages"
    assert_error(shop.buyer.post(url, json={"body": ""}), 422)
    assert_error(shop.buyer.post(url, json={"body": "3 cs lemons " * 5000}), 422)
    shop.say("2 cs of Elsewhere's widgets and 4 gizmos")  # another supplier's products
    assert shop.drafts() == [] and _orders(shop) == 0
    assert_error(shop.supplier.patch("/api/v1/drafts/999999", json={}), 404)


def test_a_rep_cannot_use_another_suppliers_product(shop: Shop, factory) -> None:
    shop.say("2 cs lemons")
    [draft] = shop.drafts()
    answer = shop.supplier.patch(f"/api/v1/drafts/{draft['id']}", json={"lines": [
        {"product_id": 999_999, "quantity": 1}]})
    assert_error(answer, 422, fields=["lines.0.product_id"])
    assert _lines(shop.drafts()[0]) == {"LEM": 2}


def test_the_confirmed_order_answers_as_get_order_does(shop: Shop) -> None:
    shop.say("2 cs lemons")
    [draft] = shop.drafts()
    placed = shop.buyer.post(f"/api/v1/drafts/{draft['id']}/confirm")
    assert placed.status_code == 201, placed.json
    [line] = placed.json["lines"]
    assert [a["warehouse"]["name"] for a in line["allocations"]] == ["Main"]
    assert placed.json == shop.buyer.get(f"/api/v1/orders/{placed.json['id']}").json


def test_make_it_friday_moves_the_open_drafts_day_only(shop: Shop) -> None:
    from datetime import date

    shop.say("2 cs lemons")
    [draft] = shop.drafts()
    shop.say("make it friday instead")
    [moved] = shop.drafts()
    assert moved["id"] == draft["id"] and _lines(moved) == {"LEM": 2}
    assert date.fromisoformat(moved["requested_delivery_date"]).isoweekday() == 5
    shop.say("no worries if not")  # changes nothing: the draft stays as it was
    [same] = shop.drafts()
    assert (same["id"], same["lines"], same["unmatched"], same["text"]) == (
        moved["id"], moved["lines"], moved["unmatched"], moved["text"])
