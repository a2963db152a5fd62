"""The inbox and thread pages: XSS payloads inert, notes hidden from buyers, unread counts,
filters, search, attachments."""

from __future__ import annotations

import io
import re
from pathlib import Path

from messaging.chat import services
from messaging.chat.access import open_thread
from tests.chat.test_text import PAYLOADS
from tests.chat.util import make_order, org, user
from tests.conftest import login
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def _post(world, user_id: int, body: str, **kwargs):
    posted = services.post_message(open_thread(user(user_id), world.order_id), body, **kwargs)
    db.session.commit()
    return posted.message


def _thread_html(client, order_id: int) -> str:
    response = client.get(f"/inbox/{order_id}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _message_markup(html: str) -> str:
    start = html.index("data-chat-messages")
    return html[start: html.index("</ol>", start)]


def test_xss_payloads_are_inert_in_the_page(client, world):
    for payload in PAYLOADS:
        _post(world, world.buyer_user_id, payload)
    login(client, user(world.supplier_user_id))
    html = _message_markup(_thread_html(client, world.order_id))
    assert "<script" not in html and "<img src=x" not in html and "<svg" not in html
    assert 'href="javascript' not in html
    assert not re.search(r"<[^>]+\son(error|load|mouseover)=", html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in inbox


def test_notes_are_hidden_from_the_buyer_on_every_page(client, world):
    _post(world, world.supplier_user_id, "visible to all")
    _post(world, world.staff_user_id, "INTERNAL-NOTE-TEXT", internal=True)
    login(client, user(world.buyer_user_id))
    page = _thread_html(client, world.order_id)
    assert "visible to all" in page and "INTERNAL-NOTE-TEXT" not in page
    assert "Internal note" not in page  # no note toggle for buyers either
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "INTERNAL-NOTE-TEXT" not in inbox
    assert "visible to all" in inbox
    search = client.get("/inbox?q=INTERNAL").get_data(as_text=True)
    assert "INTERNAL-NOTE-TEXT" not in search
    assert client.get("/inbox/unread").json["total"] == 1  # the note is not counted
    staff_client = client.application.test_client()
    login(staff_client, user(world.supplier_user_id))
    assert "INTERNAL-NOTE-TEXT" in staff_client.get("/inbox?q=internal").get_data(as_text=True)


def test_inbox_lists_threads_newest_first_with_unread_counts(client, factory, world):
    other = make_order(factory, org(world.supplier_id), org(world.buyer_id))
    db.session.commit()
    _post(world, world.buyer_user_id, "first thread message")
    services.post_message(open_thread(user(world.buyer_user_id), other.id), "newer thread")
    db.session.commit()
    login(client, user(world.supplier_user_id))
    html = client.get("/inbox").get_data(as_text=True)
    rows = re.findall(r'data-inbox-row data-order-id="(\d+)"', html)
    assert rows[:2] == [str(other.id), str(world.order_id)]
    assert re.search(rf'data-chat-unread-order="{other.id}">1<', html)
    unread = client.get("/inbox?filter=unread").get_data(as_text=True)
    assert len(re.findall(r"data-inbox-row ", unread)) == 2
    # Opening the thread and reading it clears its count.
    message = services.recent_messages(open_thread(user(world.supplier_user_id), other.id))[-1]
    services.mark_read(open_thread(user(world.supplier_user_id), other.id), message.id)
    db.session.commit()
    counts = client.get("/inbox/unread").json
    first_thread = open_thread(user(world.supplier_user_id), world.order_id).thread_id
    assert counts == {"total": 1, "orders": {str(world.order_id): 1},
                      "threads": {str(first_thread): 1}}
    mine = client.get("/inbox?filter=mine").get_data(as_text=True)
    assert "data-inbox-row " not in mine  # the supplier owner has not written anywhere


def test_inbox_works_for_buyers_and_hides_other_tenants(client, factory, world):
    _post(world, world.supplier_user_id, "hello buyer")
    login(client, user(world.stranger_id))
    assert "hello buyer" not in client.get("/inbox").get_data(as_text=True)
    assert client.get(f"/inbox/{world.order_id}").status_code == 404
    buyer_client = client.application.test_client()
    login(buyer_client, user(world.buyer_user_id))
    html = buyer_client.get("/inbox").get_data(as_text=True)
    assert "hello buyer" in html
    mine = buyer_client.get("/inbox?filter=mine").get_data(as_text=True)
    assert f'data-order-id="{world.order_id}"' in mine  # the buyer's owner placed the order


def test_form_post_without_javascript(client, world):
    login(client, user(world.buyer_user_id))
    response = client.post(f"/inbox/{world.order_id}/messages",
                           data={"body": "sent without JS"})
    assert response.status_code == 302
    assert "sent without JS" in _thread_html(client, world.order_id)


def test_attachments_are_checked_stored_and_served_to_participants_only(client, world, app):
    login(client, user(world.buyer_user_id))
    url = f"/inbox/{world.order_id}/messages"
    headers = {"Accept": "application/json"}
    bad = client.post(url, headers=headers, data={
        "body": "", "file": (io.BytesIO(b"<svg onload=alert(1)>"), "evil.png")})
    assert bad.status_code == 422
    assert "file" in bad.json["error"]["fields"]
    image = client.post(url, headers=headers, data={
        "body": "photo", "file": (io.BytesIO(PNG), "../../crate photo.png")})
    assert image.status_code == 201, image.json
    [attachment] = image.json["message"]["attachments"]
    assert attachment["is_image"] and attachment["content_type"] == "image/png"
    assert attachment["filename"] == "crate_photo.png"
    served = client.get(attachment["url"])
    assert served.status_code == 200 and served.data == PNG
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    pdf = client.post(url, headers=headers, data={
        "body": "", "file": (io.BytesIO(PDF), "invoice.exe")})
    assert pdf.json["message"]["attachments"][0]["filename"] == "invoice.pdf"
    page = _thread_html(client, world.order_id)
    assert f'<img src="{attachment["url"]}"' in page
    stranger = client.application.test_client()
    login(stranger, user(world.stranger_id))
    assert stranger.get(attachment["url"]).status_code == 404
    stored = list((app.instance_path and __import__("pathlib").Path(app.instance_path)
                   / "uploads" / "chat").rglob("*.png"))
    assert stored


def test_a_notes_attachment_is_not_served_to_the_buyer(client, world):
    login(client, user(world.staff_user_id))
    response = client.post(f"/inbox/{world.order_id}/messages",
                           headers={"Accept": "application/json"},
                           data={"body": "internal photo", "internal": "1",
                                 "file": (io.BytesIO(PNG), "x.png")})
    assert response.status_code == 201
    url = response.json["message"]["attachments"][0]["url"]
    assert client.get(url).status_code == 200
    buyer = client.application.test_client()
    login(buyer, user(world.buyer_user_id))
    assert buyer.get(url).status_code == 404
    forbidden = buyer.post(f"/inbox/{world.order_id}/messages",
                           headers={"Accept": "application/json"},
                           data={"body": "x", "internal": "1"})
    assert forbidden.status_code == 403


def test_order_page_partial_renders_with_an_order_in_context(app, client, world):
    from flask import render_template_string

    from wholesale.orders.models import Order

    login(client, user(world.supplier_user_id))
    with app.test_request_context():
        from flask_login import login_user

        login_user(user(world.supplier_user_id))
        order = db.session.get(Order, world.order_id)
        html = render_template_string('{% include "chat/_thread.html" %}', order=order)
    assert f'data-order-id="{world.order_id}"' in html


def test_every_portal_page_carries_live_chat_once(client, world):
    """The layout brings the chat scripts (unread badges stay live everywhere), once."""
    login(client, user(world.supplier_user_id))
    for path in ("/", f"/orders/{world.order_id}", "/inbox", "/catalog"):
        html = client.get(path).get_data(as_text=True)
        assert html.count("js/chat.js") == 1, path
        assert html.count("socket.io.min.js") == 1, path
        assert "data-chat-unread-total" in html, path  # the Inbox badge in the navigation


def test_late_and_expedited_filters(client, factory, world):
    from datetime import date, timedelta

    from wholesale.db import utcnow
    from wholesale.orders.models import Order

    late_order = make_order(factory, org(world.supplier_id), org(world.buyer_id))
    late_order.requested_delivery_date = date.today() - timedelta(days=3)
    rushed = make_order(factory, org(world.supplier_id), org(world.buyer_id))
    rushed.expedited_at = utcnow()
    db.session.commit()
    for order_id in (late_order.id, rushed.id, world.order_id):
        services.post_message(open_thread(user(world.buyer_user_id), order_id), "hi")
    db.session.commit()
    login(client, user(world.supplier_user_id))

    def rows(view: str) -> list[str]:
        html = client.get(f"/inbox?filter={view}").get_data(as_text=True)
        return re.findall(r'data-inbox-row data-order-id="(\d+)"', html)

    assert rows("late") == [str(late_order.id)]
    assert rows("expedited") == [str(rushed.id)]
    assert len(rows("all")) == 3
    assert db.session.get(Order, world.order_id) is not None


def _uploads(app) -> set[str]:
    root = Path(app.instance_path) / "uploads" / "chat"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_files_of_a_message_that_is_not_stored_are_removed(client, world, app):
    """A file is written before its row: a refused message, a second file refused, or a
    retried send (which attaches nothing) leaves no file behind."""
    login(client, user(world.buyer_user_id))
    url = f"/inbox/{world.order_id}/messages"
    headers = {"Accept": "application/json"}
    before = _uploads(app)
    too_long = client.post(url, headers=headers, data={
        "body": "x" * (services.MAX_BODY + 1), "file": (io.BytesIO(PNG), "a.png")})
    assert too_long.status_code == 422
    second_bad = client.post(url, headers=headers, data={
        "body": "two", "file": [(io.BytesIO(PNG), "ok.png"), (io.BytesIO(b"MZ\x90"), "x.png")]})
    assert second_bad.status_code == 422
    assert _uploads(app) == before
    first = client.post(url, headers=headers, data={
        "body": "with photo", "client_id": "c-photo", "file": (io.BytesIO(PNG), "p.png")})
    assert first.status_code == 201
    kept = _uploads(app) - before
    assert len(kept) == 1
    retried = client.post(url, headers=headers, data={
        "body": "with photo", "client_id": "c-photo", "file": (io.BytesIO(PNG), "p.png")})
    assert retried.status_code == 200 and retried.json["message"]["id"] == first.json[
        "message"]["id"]
    assert _uploads(app) - before == kept
    assert client.get(first.json["message"]["attachments"][0]["url"]).data == PNG


def test_the_inbox_rows_refresh_renders(client, world):
    """/inbox/rows (the live refresh of the thread list) rendered a 500 ('ui' undefined)."""
    login(client, user(world.supplier_user_id))
    _post(world, world.buyer_user_id, "a thread to list")
    response = client.get("/inbox/rows")
    assert response.status_code == 200
    assert "a thread to list" in response.get_data(as_text=True)
    assert client.get("/inbox/rows?filter=unread").status_code == 200


def test_inbox_merges_both_sides_newest_first_and_empty_threads_last(factory, world):
    """A supplier that also buys from another supplier sees both kinds of thread in one
    list, newest activity first, threads without a message yet after them, and the limit
    counts across both."""
    from messaging.chat import inbox
    from messaging.chat.access import ensure_thread

    supplier, buyer = org(world.supplier_id), org(world.buyer_id)
    vendor = factory.supplier()
    factory.connect(vendor, supplier)  # the supplier buys from the vendor
    sold_old, sold_new = world.order_id, make_order(factory, supplier, buyer).id
    bought = make_order(factory, vendor, supplier, placed_by=user(world.supplier_user_id))
    silent = make_order(factory, supplier, buyer)
    db.session.commit()
    for order_id, author in ((sold_old, world.buyer_user_id), (bought.id, None),
                             (sold_new, world.buyer_user_id)):
        if author is None:
            services.post_event(bought, event_type="status_changed", body="received")
        else:
            services.post_message(open_thread(user(author), order_id), f"on {order_id}")
        db.session.commit()
    with as_tenant(None):
        ensure_thread(db.session.get(Order, silent.id))  # a thread with no message yet
    db.session.commit()

    owner = user(world.supplier_user_id)
    listed = [row.order.id for row in inbox.threads(owner) if row.order is not None]
    assert listed == [sold_new, bought.id, sold_old, silent.id]
    assert [row.order.id for row in inbox.threads(owner, limit=2)
            if row.order is not None] == [sold_new, bought.id]
