"""Supplier sign-up, and accepting buyer and staff invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import login
from tests.web.conftest import invitation_token, text
from wholesale.accounts import services
from wholesale.accounts.models import Invitation, InvitationKind, OrgKind, Role
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.trading.services import relationships_of

NEW_PASSWORD = "a long new password"


def _signup_form(**overrides: str) -> dict[str, str]:
    return {"organization": "Valley Greens", "name": "Rosa Diaz", "email": "rosa@valley.test",
            "phone": "+15555550199", "password": NEW_PASSWORD, **overrides}


def test_signup_creates_a_supplier_and_its_owner_and_signs_in(client):
    response = client.post("/signup", data=_signup_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Valley Greens" in text(dashboard)
    user = services.find_user_by_email("rosa@valley.test")
    assert user is not None and user.role is Role.OWNER
    assert user.organization.kind is OrgKind.SUPPLIER
    assert services.list_api_tokens(user) == [], "no token the user never saw"
    assert client.post("/logout").status_code == 302
    relogin = client.post("/login", data={"email": "rosa@valley.test", "password": NEW_PASSWORD})
    assert relogin.status_code == 302


def test_signup_shows_service_errors_next_to_the_fields(client, factory, supplier):
    taken = factory.owner(supplier).email
    response = client.post("/signup", data=_signup_form(email=taken, password="short"))
    assert response.status_code == 422
    body = text(response)
    assert "Use at least 8 characters." in body
    assert 'id="password-error"' in body
    assert 'aria-invalid="true"' in body

    response = client.post("/signup", data=_signup_form(email=taken))
    assert response.status_code == 422
    assert "An account with this email already exists." in text(response)
    assert 'id="email-error"' in text(response)
    assert client.get("/").status_code == 302


def test_signup_requires_the_fields(client):
    response = client.post("/signup", data={})
    assert response.status_code == 422
    for message in ("Enter your company&#39;s name.", "Enter your name.",
                    "Enter an email address.", "Choose a password."):
        assert message in text(response)


# -- buyer invitations ----------------------------------------------------------------------

def test_a_new_buyer_signs_up_through_an_invitation(client, factory, supplier, db_session):
    token = invitation_token(factory.owner(supplier), "chef@newplace.test", InvitationKind.BUYER)
    db_session.commit()
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200
    body = text(page)
    assert "Harbor Foods" in body
    assert 'value="chef@newplace.test"' in body and "readonly" in body

    response = client.post(f"/invitations/{token}", data={
        "organization": "New Place", "name": "Chef Ana", "password": NEW_PASSWORD,
        "email": "someone-else@evil.test"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = services.find_user_by_email("chef@newplace.test")
    assert user is not None, "the invited address is used, whatever the form says"
    assert services.find_user_by_email("someone-else@evil.test") is None
    assert user.organization.kind is OrgKind.BUYER
    assert [rel.supplier.name for rel in relationships_of(user.organization)] == ["Harbor Foods"]
    assert "Harbor Foods" in text(client.get("/suppliers"))
    assert client.get(f"/invitations/{token}").status_code == 404, "single use"


def test_buyer_invitation_form_errors(client, factory, supplier, db_session):
    token = invitation_token(factory.owner(supplier), "chef@newplace.test", InvitationKind.BUYER)
    db_session.commit()
    response = client.post(f"/invitations/{token}", data={
        "organization": "New Place", "name": "Chef Ana", "password": "short"})
    assert response.status_code == 422
    assert "Use at least 8 characters." in text(response)
    assert 'value="chef@newplace.test"' in text(response)


def test_a_signed_in_buyer_connects_with_the_inviting_supplier(client, factory, supplier,
                                                                db_session):
    other_buyer = factory.buyer("Lone Cafe")
    token = invitation_token(factory.owner(supplier), "owner@lonecafe.test",
                             InvitationKind.BUYER)
    db_session.commit()
    login(client, factory.owner(other_buyer))
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert "Connect Lone Cafe with Harbor Foods" in text(page)

    response = client.post(f"/invitations/{token}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/suppliers"
    assert "Harbor Foods" in text(client.get("/suppliers"))
    assert client.get(f"/invitations/{token}").status_code == 404


def test_a_signed_in_supplier_is_asked_to_sign_out(client, factory, supplier, db_session):
    other = factory.supplier("Other Supplier")
    token = invitation_token(factory.owner(supplier), "x@buyer.test", InvitationKind.BUYER)
    db_session.commit()
    login(client, factory.owner(other))
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert "signed in as someone else" in text(page)
    assert client.post(f"/invitations/{token}").status_code == 200, "nothing is accepted"
    invitation = db.session.scalars(select(Invitation)).one()
    assert invitation.accepted_at is None

    signed_out = client.post("/logout", data={"next": f"/invitations/{token}"})
    assert signed_out.headers["Location"] == f"/invitations/{token}"


# -- staff invitations ----------------------------------------------------------------------

def test_a_colleague_joins_through_a_staff_invitation(client, factory, supplier, db_session):
    token = invitation_token(factory.owner(supplier), "new.hire@harbor.test",
                             InvitationKind.STAFF)
    db_session.commit()
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert "Join Harbor Foods" in text(page)

    response = client.post(f"/invitations/{token}", data={"name": "New Hire",
                                                          "password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = services.find_user_by_email("new.hire@harbor.test")
    assert user is not None
    assert user.organization_id == supplier.id and user.role is Role.STAFF
    assert "Harbor Foods" in text(client.get("/"))


# -- invitations that cannot be used --------------------------------------------------------

def test_unknown_invitations_are_404(client):
    response = client.get("/invitations/not-a-real-token")
    assert response.status_code == 404
    assert "This invitation can't be used" in text(response)


@pytest.mark.parametrize("kind", [InvitationKind.BUYER, InvitationKind.STAFF])
def test_expired_invitations_are_refused(client, factory, supplier, db_session, kind):
    token, invitation = services.invite(factory.owner(supplier), "late@x.test", kind)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    assert client.get(f"/invitations/{token}").status_code == 404
    response = client.post(f"/invitations/{token}", data={
        "organization": "Late", "name": "Late Person", "password": NEW_PASSWORD})
    assert response.status_code == 404
    assert services.find_user_by_email("late@x.test") is None


def test_used_invitations_are_refused(client, factory, supplier, db_session):
    token = invitation_token(factory.owner(supplier), "once@x.test", InvitationKind.STAFF)
    db_session.commit()
    data = {"name": "Once", "password": NEW_PASSWORD}
    assert client.post(f"/invitations/{token}", data=data).status_code == 302
    client.post("/logout")
    again = client.post(f"/invitations/{token}", data=data)
    assert again.status_code == 404
