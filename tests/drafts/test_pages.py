"""The account thread in the portal's pages: first in both inboxes, opened by thread id or by
trading partner, posting from the page, its draft cards' data, the supplier's open drafts
panel, search results and the links from the customer and supplier pages."""

from __future__ import annotations

import io
import json
import re

from flask.testing import FlaskClient

from tests.conftest import login
from tests.drafts.conftest import Shop
from wholesale.accounts.models import Organization, User
from wholesale.extensions import db


def _owner(org_id: int) -> User:
    org = db.session.get(Organization, org_id)
    return next(u for u in org.users if u.role.value == "owner")


def _signed_in(app, org_id: int) -> FlaskClient:
    client = app.test_client()
    login(client, _owner(org_id))
    return client


def _html(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_the_account_thread_comes_first_in_both_inboxes(app, shop: Shop) -> None:
    shop.say("hello, are you delivering on monday?")
    for org_id, partner in ((shop.supplier_id, "Bistro Verde"), (shop.buyer_id, "Golden Gate")):
        html = _html(_signed_in(app, org_id), "/inbox")
        first = re.search(r'<li data-kind="(\w+)">\s*<a class="inbox-row[^"]*" href="([^"]+)"',
                          html)
        assert first and first.group(1) == "account"
        assert first.group(2) == f"/inbox/t/{shop.thread_id}"
        assert f"Account: {partner}" in html
        assert "are you delivering on monday?" in html
    late = _html(_signed_in(app, shop.supplier_id), "/inbox?filter=late")
    assert 'data-kind="account"' not in late


def test_the_partner_link_opens_the_account_thread(app, shop: Shop) -> None:
    buyer = _signed_in(app, shop.buyer_id)
    response = buyer.get(f"/inbox/account/{shop.supplier_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inbox/t/{shop.thread_id}")
    html = _html(buyer, f"/inbox/t/{shop.thread_id}")
    assert f'data-thread-id="{shop.thread_id}"' in html and 'data-kind="account"' in html
    assert "data-order-id" not in html[html.index("data-chat\n"):html.index("<header")]
    assert f'action="/inbox/t/{shop.thread_id}/messages"' in html
    # Not a partner, not a participant: not found.
    stranger = _signed_in(app, _stranger_org(shop))
    assert stranger.get(f"/inbox/t/{shop.thread_id}").status_code == 404
    assert stranger.get(f"/inbox/account/{shop.supplier_id}").status_code == 404


def _stranger_org(shop: Shop) -> int:
    return db.session.scalar(
        db.select(Organization.id).where(Organization.name == "Stranger"))


def test_posting_from_the_page_reads_the_order_and_the_card_has_its_draft(app, shop: Shop
                                                                          ) -> None:
    buyer = _signed_in(app, shop.buyer_id)
    response = buyer.post(f"/inbox/t/{shop.thread_id}/messages",
                          data={"body": "3 cs romaine hearts and 2 cs lemons"})
    assert response.status_code == 302
    [draft] = shop.drafts()
    for client in (buyer, _signed_in(app, shop.supplier_id)):
        html = _html(client, f"/inbox/t/{shop.thread_id}")
        assert f'data-draft-id="{draft["id"]}"' in html and "data-draft-slot" in html
        block = re.search(r'<script type="application/json" nonce="[^"]+" data-chat-drafts>'
                          r"(.*?)</script>", html, re.S)
        assert block, "the drafts' JSON block"
        shown = json.loads(block.group(1))[str(draft["id"])]
        assert shown["subtotal"] == "138.00" and len(shown["lines"]) == 2


def test_the_supplier_inbox_lists_open_drafts_marking_uncertain_ones(app, shop: Shop) -> None:
    shop.say("3 cs romaine hearts and 2 cs lemons")
    supplier = _signed_in(app, shop.supplier_id)
    html = _html(supplier, "/inbox")
    [draft] = shop.drafts()
    panel = html[html.index("data-inbox-drafts"):html.index("data-inbox-threads")]
    assert f'data-inbox-draft="{draft["id"]}"' in panel and "Bistro Verde" in panel
    assert f'href="/inbox/t/{shop.thread_id}#draft-{draft["id"]}"' in panel
    assert "inbox-draft--check" not in panel
    shop.say("actually 2 romaine")  # ambiguous: a question, to be checked
    panel = _html(supplier, "/inbox/drafts")
    assert "inbox-draft--check" in panel and "Check" in panel
    # The buyer's inbox has no such panel.
    assert "data-inbox-drafts" not in _html(_signed_in(app, shop.buyer_id), "/inbox")
    shop.supplier.post(f"/api/v1/drafts/{shop.drafts()[0]['id']}/discard")
    assert "data-inbox-draft=" not in _html(supplier, "/inbox/drafts")


def test_search_finds_account_thread_messages(app, shop: Shop) -> None:
    shop.say("is the kale any good this week?")
    html = _html(_signed_in(app, shop.supplier_id), "/inbox?q=kale")
    assert re.search(rf'href="/inbox/t/{shop.thread_id}\?q=kale#message-\d+" data-search-result',
                     html)


def test_customer_and_supplier_pages_link_to_the_account_thread(app, shop: Shop) -> None:
    customers = _html(_signed_in(app, shop.supplier_id), "/customers")
    assert f'href="/inbox/account/{shop.buyer_id}"' in customers
    suppliers = _html(_signed_in(app, shop.buyer_id), "/suppliers")
    assert f'href="/inbox/account/{shop.supplier_id}"' in suppliers
    assert "Order by message" in suppliers


def test_unread_counts_include_account_threads(app, shop: Shop) -> None:
    shop.say("hello there")
    counts = _signed_in(app, shop.supplier_id).get("/inbox/unread").json
    assert counts["threads"] == {str(shop.thread_id): 1} and counts["total"] == 1


def test_notes_and_attachments_in_the_account_thread(app, shop: Shop) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    supplier = _signed_in(app, shop.supplier_id)
    response = supplier.post(
        f"/inbox/t/{shop.thread_id}/messages",
        data={"body": "price list attached", "file": (io.BytesIO(png), "prices.png")},
        content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert response.status_code == 201, response.json
    url = response.json["message"]["attachments"][0]["url"]
    supplier.post(f"/inbox/t/{shop.thread_id}/messages",
                  data={"body": "they always mean little gems", "internal": "1"})
    buyer = _signed_in(app, shop.buyer_id)
    html = _html(buyer, f"/inbox/t/{shop.thread_id}")
    assert "price list attached" in html and url in html
    assert "little gems" not in html
    assert buyer.get(url).status_code == 200
    assert "little gems" in _html(supplier, f"/inbox/t/{shop.thread_id}")
    refused = buyer.post(f"/inbox/t/{shop.thread_id}/messages",
                         data={"body": "sneaky", "internal": "1"},
                         headers={"Accept": "application/json"})
    assert refused.status_code == 403 and shop.drafts() == []
