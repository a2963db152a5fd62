"""GET/POST /api/v1/orders/{id}/messages and GET /api/v1/messages/search (CONTRACT.md §3)."""

from __future__ import annotations

import json

from sqlalchemy import select

from messaging.chat.models import Message, MessageKind
from wholesale.extensions import db
from wholesale.tenancy import as_tenant


def test_post_and_list_messages(api, world):
    buyer = api(world.buyer_user_id)
    url = f"/api/v1/orders/{world.order_id}/messages"
    created = buyer.post(url, json={"body": "  Two more cases please  ", "client_id": "b-1"})
    assert created.status_code == 201, created.json
    message = created.json
    assert message["body"] == "Two more cases please" and message["kind"] == "text"
    assert message["author"]["id"] == world.buyer_user_id
    assert message["author"]["side"] == "buyer" and message["seq"] == 1
    again = buyer.post(url, json={"body": "Two more cases please", "client_id": "b-1"})
    assert again.status_code == 200 and again.json["id"] == message["id"]
    second = buyer.post(url, json={"body": "and lemons"}).json
    listing = api(world.supplier_user_id).get(url)
    assert listing.status_code == 200
    assert [m["id"] for m in listing.json["items"]] == [message["id"], second["id"]]
    assert listing.json["next_cursor"] is None
    after = buyer.get(f"{url}?after_id={message['id']}").json["items"]
    assert [m["id"] for m in after] == [second["id"]]


def test_pagination_walks_the_whole_thread(api, world):
    buyer = api(world.buyer_user_id)
    url = f"/api/v1/orders/{world.order_id}/messages"
    ids = [buyer.post(url, json={"body": f"m{i}"}).json["id"] for i in range(5)]
    seen, cursor = [], None
    for _ in range(5):
        page = buyer.get(url + "?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


def test_internal_notes_supplier_only(api, world):
    url = f"/api/v1/orders/{world.order_id}/messages"
    buyer = api(world.buyer_user_id)
    refused = buyer.post(url, json={"body": "psst", "internal": True})
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "forbidden_role"
    staff = api(world.staff_user_id)
    note = staff.post(url, json={"body": "CONFIDENTIAL pricing", "internal": True})
    assert note.status_code == 201 and note.json["kind"] == "note"
    assert "CONFIDENTIAL" not in buyer.get(url).get_data(as_text=True)
    assert "CONFIDENTIAL" not in buyer.get("/api/v1/messages/search?q=pricing").get_data(
        as_text=True)
    assert buyer.get(f"{url}?after_id=0").json["items"] == []
    supplier_view = api(world.supplier_user_id).get(url).json["items"]
    assert [m["kind"] for m in supplier_view] == ["note"]


def test_the_tenant_filter_itself_hides_internal_notes_from_the_buyer(api, world):
    """Not only the read paths: any query of messages as the buyer's organization (the
    global tenant filter, wholesale/tenancy.py) leaves internal notes out; as the supplier's
    it keeps them."""
    url = f"/api/v1/orders/{world.order_id}/messages"
    api(world.buyer_user_id).post(url, json={"body": "Can we get lemons?"})
    api(world.staff_user_id).post(url, json={"body": "CONFIDENTIAL margin", "internal": True})
    db.session.expire_all()

    def bodies(org_id: int) -> list[str]:
        with as_tenant(org_id):
            return sorted(db.session.scalars(select(Message.body).where(
                Message.order_id == world.order_id)))

    assert bodies(world.buyer_id) == ["Can we get lemons?"]
    assert bodies(world.supplier_id) == ["CONFIDENTIAL margin", "Can we get lemons?"]
    with as_tenant(world.buyer_id):
        assert db.session.scalars(select(Message).where(
            Message.kind == MessageKind.NOTE)).all() == []


def test_errors(api, world):
    url = f"/api/v1/orders/{world.order_id}/messages"
    assert api(None).get(url).status_code == 401
    stranger = api(world.stranger_id)
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, json={"body": "hi"}).status_code == 404
    buyer = api(world.buyer_user_id)
    assert buyer.post(url, json={"body": "   "}).status_code == 422
    assert buyer.post(url, json={"body": "x" * 5001}).status_code == 422
    assert buyer.post(url, json={}).json["error"]["fields"]["body"]
    assert buyer.post(url, data="nope", content_type="application/json").status_code == 400
    assert buyer.post(url, json={"body": "x", "client_id": "y" * 65}).status_code == 422
    assert buyer.get("/api/v1/orders/999999/messages").status_code == 404
    assert buyer.get(f"{url}?after_id=-1").status_code == 422


def test_search(api, world):
    url = f"/api/v1/orders/{world.order_id}/messages"
    buyer = api(world.buyer_user_id)
    buyer.post(url, json={"body": "Where are the Lemons?"})
    buyer.post(url, json={"body": "100% sure"})
    buyer.post(url, json={"body": "something else"})
    found = buyer.get("/api/v1/messages/search?q=lemons").json["items"]
    assert [m["body"] for m in found] == ["Where are the Lemons?"]
    assert found[0]["order_id"] == world.order_id
    assert [m["body"] for m in buyer.get("/api/v1/messages/search?q=%25").json["items"]] == [
        "100% sure"]
    assert api(world.stranger_id).get(
        "/api/v1/messages/search?q=lemons").json["items"] == []
    assert buyer.get("/api/v1/messages/search").status_code == 422


def test_openapi_documents_the_chat_endpoints(api, world):
    spec = api(None).get("/api/v1/openapi.json").json
    assert "post" in spec["paths"]["/api/v1/orders/{order_id}/messages"]
    assert "get" in spec["paths"]["/api/v1/messages/search"]


def test_text_that_cannot_be_stored_is_refused(api, world):
    url = f"/api/v1/orders/{world.order_id}/messages"
    buyer = api(world.buyer_user_id)
    for body in ("nul \u0000 here", "lone \ud800 surrogate"):
        response = buyer.post(url, data=json.dumps({"body": body}),
                              content_type="application/json")
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.json["error"]["code"] == "malformed_json"
    assert buyer.get("/api/v1/messages/search?q=%00").status_code == 422
    assert buyer.get(url).json["items"] == []


def test_socket_payloads_that_cannot_be_stored_are_refused(world):
    from messaging.chat import services
    from messaging.chat.access import open_thread
    from tests.chat.util import user
    from wholesale.errors import ValidationFailed

    access = open_thread(user(world.buyer_user_id), world.order_id)
    for body, client_id in (("a\u0000b", "c-1"), ("fine", "c\u0000"), ("x\udc00", None)):
        try:
            services.post_message(access, body, client_id=client_id)
        except ValidationFailed as exc:
            assert set(exc.fields) <= {"body", "client_id"}
        else:
            raise AssertionError(f"{body!r}/{client_id!r} was accepted")
    assert services.search(user(world.buyer_user_id), "\u0000") == []
