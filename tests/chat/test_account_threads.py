"""Account threads: one per trading relationship, beside the order threads, with the same
messages, replay, dedupe, read state and visibility (CONTRACT.md §3 Conversations, §4)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from messaging.chat.models import Thread, ThreadKind
from wholesale.accounts.models import Organization
from wholesale.extensions import db
from wholesale.tenancy import as_tenant
from wholesale.trading.services import connect


def _account_threads(api, user_id):
    listing = api(user_id).get("/api/v1/threads?kind=account")
    assert listing.status_code == 200, listing.json
    return listing.json["items"]


def test_every_relationship_has_one_account_thread_listed_for_both_sides(api, world):
    supplier_side = _account_threads(api, world.supplier_user_id)
    buyer_side = _account_threads(api, world.buyer_user_id)
    assert len(supplier_side) == 1 and supplier_side == buyer_side
    thread = supplier_side[0]
    assert thread["kind"] == "account" and thread["order_id"] is None
    assert (thread["supplier_id"], thread["buyer_id"]) == (world.supplier_id, world.buyer_id)
    assert thread["unread"] == 0 and thread["last_message_at"] is None
    # An order's thread exists from its first message (placement writes the first event).
    api(world.buyer_user_id).post(f"/api/v1/orders/{world.order_id}/messages",
                                  json={"body": "hello"})
    everything = api(world.buyer_user_id).get("/api/v1/threads").json["items"]
    assert {t["kind"] for t in everything} == {"order", "account"}
    assert any(t["order_id"] == world.order_id for t in everything)
    # The outsider trades with someone else: it sees its own account thread, not this one.
    outsider = _account_threads(api, world.stranger_id)
    assert thread["id"] not in {t["id"] for t in outsider}


def test_connecting_twice_keeps_one_account_thread(world):
    with as_tenant(None):
        supplier = db.session.get(Organization, world.supplier_id)
        buyer = db.session.get(Organization, world.buyer_id)
        connect(supplier, buyer)
        count = db.session.scalar(select(func.count(Thread.id)).where(
            Thread.kind == ThreadKind.ACCOUNT, Thread.supplier_id == world.supplier_id,
            Thread.buyer_id == world.buyer_id))
    assert count == 1


def test_messages_in_an_account_thread(api, world):
    thread_id = _account_threads(api, world.buyer_user_id)[0]["id"]
    url = f"/api/v1/threads/{thread_id}/messages"
    buyer, supplier = api(world.buyer_user_id), api(world.supplier_user_id)
    created = buyer.post(url, json={"body": "do you have oat milk?", "client_id": "q-1"})
    assert created.status_code == 201, created.json
    message = created.json
    assert message["thread_id"] == thread_id and message["order_id"] is None
    assert message["seq"] == 1 and message["author"]["side"] == "buyer"
    assert buyer.post(url, json={"body": "do you have oat milk?",
                                 "client_id": "q-1"}).status_code == 200
    note = supplier.post(url, json={"body": "check with Sam", "internal": True})
    assert note.status_code == 201 and note.json["kind"] == "note"
    assert [m["id"] for m in supplier.get(url).json["items"]] == [message["id"], note.json["id"]]
    assert [m["id"] for m in buyer.get(url).json["items"]] == [message["id"]]
    listed = _account_threads(api, world.supplier_user_id)[0]
    assert listed["unread"] == 1 and listed["last_message_at"] is not None
    # The order's own thread is untouched.
    order_messages = buyer.get(f"/api/v1/orders/{world.order_id}/messages").json["items"]
    assert order_messages == []


def test_a_thread_of_another_relationship_is_not_found(api, world):
    thread_id = _account_threads(api, world.buyer_user_id)[0]["id"]
    stranger = api(world.stranger_id)
    url = f"/api/v1/threads/{thread_id}/messages"
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, json={"body": "hi"}).status_code == 404
    assert api(world.buyer_user_id).get("/api/v1/threads/999999/messages").status_code == 404
    assert api(world.buyer_user_id).get("/api/v1/threads?kind=other").status_code == 422


def test_order_threads_are_reachable_by_thread_id_too(api, world):
    buyer = api(world.buyer_user_id)
    posted = buyer.post(f"/api/v1/orders/{world.order_id}/messages", json={"body": "hi"}).json
    thread_id = posted["thread_id"]
    listed = buyer.get(f"/api/v1/threads/{thread_id}/messages").json["items"]
    assert [m["id"] for m in listed] == [posted["id"]]


@pytest.mark.usefixtures("live_server")
def test_socket_join_and_send_by_thread_id(live_server, live_world, sockets, app):
    with app.app_context(), as_tenant(None):
        thread_id = db.session.scalar(select(Thread.id).where(
            Thread.kind == ThreadKind.ACCOUNT, Thread.supplier_id == live_world.supplier_id,
            Thread.buyer_id == live_world.buyer_id))
        db.session.rollback()
    buyer = sockets(live_server.url, live_world.buyer_token)
    supplier = sockets(live_server.url, live_world.supplier_token)
    stranger = sockets(live_server.url, live_world.stranger_token)
    joined = supplier.call("join", {"thread_id": thread_id})
    assert joined["ok"] and joined["thread_id"] == thread_id and joined["order_id"] is None
    refused = stranger.call("join", {"thread_id": thread_id})
    assert refused["ok"] is False and refused["error"]["code"] == "not_found"
    client_id = uuid.uuid4().hex
    payload = {"thread_id": thread_id, "body": "3 cs romaine for thurs", "client_id": client_id}
    first, again = buyer.call("send", payload), buyer.call("send", payload)
    assert first["ok"] and first["message"]["id"] == again["message"]["id"]
    heard = supplier.wait_for("message", lambda m: m["client_id"] == client_id)
    assert heard["thread_id"] == thread_id and heard["order_id"] is None
    assert not [m for m in stranger.received("message", within=0.5)
                if m.get("thread_id") == thread_id]
    replay = supplier.call("join", {"thread_id": thread_id, "after_id": 0})["messages"]
    assert [m["id"] for m in replay] == [heard["id"]]
    read = supplier.call("read", {"thread_id": thread_id, "message_id": heard["id"]})
    assert read["ok"] and read["message_id"] == heard["id"]
    assert buyer.call("typing", {"thread_id": thread_id})["error"]["code"] == "not_joined"
