"""A supplier's customers (invite, connect, terms) and a buyer's suppliers."""

from __future__ import annotations

import re

from tests.conftest import login
from tests.web.conftest import text
from wholesale.accounts import services
from wholesale.trading.models import PaymentTerms
from wholesale.trading.services import relationships_of


def test_customers_lists_buyers_with_their_terms(client, factory, supplier, buyer):
    relationship = relationships_of(supplier)[0]
    relationship.notes = "Back door before 10am"
    login(client, factory.owner(supplier))
    body = text(client.get("/customers"))
    assert "Corner Bistro" in body and "Net 30" in body and "Back door before 10am" in body
    assert f"/customers/{relationship.id}" in body


def test_inviting_a_buyer_shows_the_link_and_lists_it_as_pending(client, factory, supplier):
    login(client, factory.owner(supplier))
    response = client.post("/customers/invite", data={"email": "orders@newcafe.test"})
    assert response.status_code == 200
    link = re.search(r'id="invitation-link" type="text" value="([^"]+)"', text(response))
    assert link and "/invitations/" in link.group(1)
    assert services.find_invitation(link.group(1).rsplit("/", 1)[1]) is not None
    assert "orders@newcafe.test" in text(client.get("/customers"))


def test_invite_errors_are_shown_on_the_invite_form(client, factory, supplier):
    login(client, factory.owner(supplier))
    response = client.post("/customers/invite", data={"email": "nope"})
    assert response.status_code == 422
    assert 'id="email-error"' in text(response)


def test_connecting_an_existing_buyer_by_email(client, factory, supplier, db_session):
    lone = factory.buyer("Lone Cafe")
    db_session.commit()
    login(client, factory.owner(supplier))
    response = client.post("/customers/connect",
                           data={"buyer_email": factory.owner(lone).email})
    assert response.status_code == 302
    assert "Lone Cafe is now one of your customers." in text(client.get("/customers"))
    assert [rel.buyer.name for rel in relationships_of(supplier)] == ["Lone Cafe"]


def test_connecting_an_unknown_email_is_a_field_error(client, factory, supplier):
    login(client, factory.owner(supplier))
    response = client.post("/customers/connect", data={"buyer_email": "ghost@nowhere.test"})
    assert response.status_code == 422
    body = text(response)
    assert "No buyer organization on Ordertalk uses this email" in body
    assert 'id="buyer_email-error"' in body


def test_editing_a_customers_terms(client, factory, supplier, buyer):
    relationship = relationships_of(supplier)[0]
    login(client, factory.owner(supplier))
    page = client.get(f"/customers/{relationship.id}")
    assert page.status_code == 200
    assert '<option selected value="net_30">Net 30</option>' in text(page)
    response = client.post(f"/customers/{relationship.id}",
                           data={"payment_terms": "net_15", "notes": "  Call first  "})
    assert response.status_code == 302
    assert relationship.payment_terms is PaymentTerms.NET_15
    assert relationship.notes == "Call first"
    bad = client.post(f"/customers/{relationship.id}", data={"payment_terms": "net_999"})
    assert bad.status_code == 422


def test_another_suppliers_customer_is_404(client, factory, supplier, buyer, db_session):
    relationship = relationships_of(supplier)[0]
    rival = factory.supplier("Rival")
    db_session.commit()
    login(client, factory.owner(rival))
    assert client.get(f"/customers/{relationship.id}").status_code == 404
    assert client.post(f"/customers/{relationship.id}",
                       data={"payment_terms": "net_7"}).status_code == 404
    assert "Corner Bistro" not in text(client.get("/customers"))


def test_a_buyer_sees_its_suppliers(client, factory, buyer):
    login(client, factory.owner(buyer))
    body = text(client.get("/suppliers"))
    assert "Harbor Foods" in body and "Net 30" in body
    assert client.get("/customers").status_code == 404
    assert client.post("/customers/invite", data={"email": "a@b.test"}).status_code == 404
