"""Unread counts count what a person would want to read (messaging/chat/attention.py):
texts from the other side, internal notes, and the events their side is waiting on; the
badge, the per-thread and the per-order counts agree, and the page's JavaScript is given
the same rule."""

from __future__ import annotations

import json
import re

from messaging.chat import services
from messaging.chat.access import open_thread
from tests.chat.util import user
from tests.conftest import login
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant


def _counts(user_id: int) -> tuple[int, dict[int, int], dict[int, int]]:
    person = user(user_id)
    return (services.unread_total(person), services.unread_by_thread(person),
            services.unread_by_order(person))


def _event(order_id: int, event_type: str, **data) -> None:
    with as_tenant(None):
        order = db.session.get(Order, order_id)
    services.post_event(order, event_type=event_type, body=f"{event_type} happened", data=data)
    db.session.commit()


def test_unread_counts_what_people_want_to_read(world):
    order_id, owner, staff, buyer = (world.order_id, world.supplier_user_id,
                                     world.staff_user_id, world.buyer_user_id)
    # Events that only report progress raise no badge, on either side.
    for event_type in ("order_placed", "status_changed", "shipment", "invoice_issued"):
        _event(order_id, event_type)
    assert _counts(owner)[0] == 0 and _counts(buyer)[0] == 0

    # A colleague's reply to the buyer is not for the owner; it is for the buyer.
    services.post_message(open_thread(user(staff), order_id), "On its way")
    db.session.commit()
    assert _counts(owner)[0] == 0 and _counts(buyer)[0] == 1

    # The buyer's text and its delivery-change request wait for the supplier's side.
    services.post_message(open_thread(user(buyer), order_id), "Can it come Friday?")
    _event(order_id, "delivery_change_requested", change_id=1)
    # An internal note is written to the team.
    services.post_message(open_thread(user(staff), order_id), "Ask the driver", internal=True)
    db.session.commit()
    total, threads, orders = _counts(owner)
    assert total == 3
    assert list(threads.values()) == [3] and orders == {order_id: 3}
    assert _counts(staff)[0] == 2  # not its own note
    # The buyer's side waits for the answer, not for its own request.
    _event(order_id, "delivery_change_accepted", change_id=1)
    total, threads, orders = _counts(buyer)
    assert total == 2 and list(threads.values()) == [2] and orders == {order_id: 2}


def test_draft_events_count_for_the_side_that_must_confirm(world):
    with as_tenant(None):
        order = db.session.get(Order, world.order_id)
    ref = open_thread(user(world.buyer_user_id), order.id).thread
    for change in ("opened", "confirmed", "sent_back", "expired"):
        services.post_thread_event(ref, event_type="draft", body=change,
                                   data={"draft_id": 1, "change": change})
    db.session.commit()
    assert _counts(world.supplier_user_id)[0] == 1  # opened: the supplier confirms it
    assert _counts(world.buyer_user_id)[0] == 1  # sent back: the buyer confirms it


def test_the_page_gives_the_browser_the_same_rule(client, world):
    login(client, user(world.buyer_user_id))
    html = client.get(f"/inbox/{world.order_id}").get_data(as_text=True)
    rules = json.loads(re.search(r"data-attention='([^']+)'", html).group(1))
    assert rules["side"] == "buyer"
    assert "delivery_change_accepted" in rules["events"]
    assert "delivery_change_requested" not in rules["events"]
    assert rules["draft_changes"] == ["confirm_failed", "sent_back"]
