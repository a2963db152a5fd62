"""Settings: profile, password, API tokens, team, warehouses and delivery locations."""

from __future__ import annotations

import re

from tests.conftest import login
from tests.factories import PASSWORD
from tests.web.conftest import text
from wholesale.accounts import services
from wholesale.accounts.models import InvitationKind
from wholesale.sites.services import locations_of, warehouses_of

NEW_PASSWORD = "an even better password"


# -- profile and password -------------------------------------------------------------------

def test_profile_is_saved(client, factory, supplier):
    owner = factory.owner(supplier)
    login(client, owner)
    page = client.get("/settings/profile")
    assert f'value="{owner.email}"' in text(page)
    response = client.post("/settings/profile", data={
        "name": "Sam Rivera", "email": "Sam@Harbor.test", "phone": "+15555550100"})
    assert response.status_code == 302
    saved = client.get(response.headers["Location"])
    assert "Your profile is saved." in text(saved)
    assert owner.name == "Sam Rivera" and owner.email == "sam@harbor.test"
    assert owner.phone == "+15555550100"


def test_profile_errors_are_shown_and_nothing_is_saved(client, factory, supplier):
    owner = factory.owner(supplier)
    colleague = factory.user(supplier)
    login(client, owner)
    email = owner.email
    response = client.post("/settings/profile", data={"name": "X", "email": colleague.email})
    assert response.status_code == 422
    assert "An account with this email already exists." in text(response)
    response = client.post("/settings/profile", data={"name": "X", "email": "not an email"})
    assert response.status_code == 422
    assert 'id="email-error"' in text(response)
    assert owner.email == email


def test_password_change_ends_other_sessions_but_not_this_one(client, new_client, factory,
                                                              supplier):
    owner = factory.owner(supplier)
    other = new_client()
    login(client, owner)
    login(other, owner)

    wrong = client.post("/settings/password", data={
        "current_password": "not it", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert "The current password is not correct." in text(wrong)
    mismatch = client.post("/settings/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": "different"})
    assert mismatch.status_code == 422
    assert "The two passwords are not the same." in text(mismatch)
    assert other.get("/").status_code == 200

    response = client.post("/settings/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200, "this session stays signed in"
    assert "Password changed; other sessions were signed out" in text(page)
    assert other.get("/").status_code == 302, "the other session is signed out"

    client.post("/logout")
    old = client.post("/login", data={"email": owner.email, "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/login", data={"email": owner.email, "password": NEW_PASSWORD})
    assert new.status_code == 302


# -- API tokens -----------------------------------------------------------------------------

def test_a_new_token_is_shown_once_and_works_until_revoked(client, factory, supplier):
    owner = factory.owner(supplier)
    login(client, owner)
    response = client.post("/settings/tokens", data={"name": "ERP sync"})
    assert response.status_code == 200
    match = re.search(r'id="new-token" type="text" value="(otk_[^"]+)"', text(response))
    assert match, "the plaintext token is shown"
    token = match.group(1)
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=auth).status_code == 200

    listing = client.get("/settings/tokens")
    assert ">ERP sync</td>" in text(listing)
    assert token not in text(listing), "shown only once"

    (api_token,) = services.list_api_tokens(owner)
    revoked = client.post(f"/settings/tokens/{api_token.id}/revoke")
    assert revoked.status_code == 302
    assert ">ERP sync</td>" not in text(client.get("/settings/tokens"))
    assert client.get("/api/v1/me", headers=auth).status_code == 401


def test_someone_elses_token_cannot_be_revoked(client, factory, supplier, db_session):
    colleague = factory.user(supplier)
    services.create_api_token(colleague, "theirs")
    db_session.commit()
    (theirs,) = services.list_api_tokens(colleague)
    login(client, factory.owner(supplier))
    assert client.post(f"/settings/tokens/{theirs.id}/revoke").status_code == 404
    assert services.list_api_tokens(colleague) == [theirs]


def test_a_token_needs_a_name(client, factory, supplier):
    login(client, factory.owner(supplier))
    response = client.post("/settings/tokens", data={"name": ""})
    assert response.status_code == 422
    assert "Name the token." in text(response)


# -- team -----------------------------------------------------------------------------------

def test_the_owner_invites_a_colleague_and_gets_a_link(client, factory, supplier):
    login(client, factory.owner(supplier))
    response = client.post("/settings/team", data={"email": "new.person@harbor.test"})
    assert response.status_code == 200
    body = text(response)
    assert "Send them this link" in body
    link = re.search(r'id="invitation-link" type="text" value="([^"]+)"', body).group(1)
    assert link.startswith("http://127.0.0.1:5000/invitations/")
    token = link.rsplit("/", 1)[1]
    assert services.find_invitation(token) is not None
    listing = text(client.get("/settings/team"))
    assert "Pending invitations" in listing and "new.person@harbor.test" in listing


def test_inviting_an_existing_account_is_a_field_error(client, factory, supplier):
    colleague = factory.user(supplier)
    login(client, factory.owner(supplier))
    response = client.post("/settings/team", data={"email": colleague.email})
    assert response.status_code == 422
    assert "This person already has an Ordertalk account." in text(response)


def test_the_owner_removes_a_colleague_who_is_signed_out(client, new_client, factory,
                                                         supplier, db_session):
    owner = factory.owner(supplier)
    staff = factory.user(supplier)
    db_session.commit()
    staff_client = new_client()
    login(staff_client, staff)
    login(client, owner)
    page = text(client.get("/settings/team"))
    assert f"/settings/team/{staff.id}/remove" in page
    assert f"/settings/team/{owner.id}/remove" not in page

    response = client.post(f"/settings/team/{staff.id}/remove")
    assert response.status_code == 302
    after = text(client.get("/settings/team"))
    assert "was removed from the team" in after and "Removed" in after
    assert staff_client.get("/").status_code == 302


def test_the_owner_cannot_be_removed(client, factory, supplier):
    owner = factory.owner(supplier)
    login(client, owner)
    response = client.post(f"/settings/team/{owner.id}/remove")
    assert response.status_code == 302
    assert "The owner cannot be removed." in text(client.get("/settings/team"))
    assert owner.is_active


def test_staff_cannot_manage_the_team(client, factory, supplier, db_session):
    staff = factory.user(supplier)
    other = factory.user(supplier)
    db_session.commit()
    login(client, staff)
    page = text(client.get("/settings/team"))
    assert "Invite a colleague" not in page and "/remove" not in page
    assert client.post(f"/settings/team/{other.id}/remove").status_code == 403
    assert other.is_active
    assert client.post("/settings/team", data={"email": "x@y.test"}).status_code == 403
    assert services.pending_invitations(supplier, InvitationKind.STAFF) == []


# -- warehouses and delivery locations ------------------------------------------------------

def test_a_supplier_adds_a_warehouse(client, factory, supplier):
    login(client, factory.owner(supplier))
    response = client.post("/settings/warehouses", data={
        "name": "Bay Depot", "address": "1 Pier, Oakland", "latitude": "37.8044123",
        "longitude": "-122.2712"})
    assert response.status_code == 302
    (warehouse,) = warehouses_of(supplier)
    assert warehouse.name == "Bay Depot"
    assert str(warehouse.latitude) == "37.804412"
    assert "Bay Depot" in text(client.get("/settings/warehouses"))


def test_warehouse_coordinates_are_checked(client, factory, supplier):
    login(client, factory.owner(supplier))
    response = client.post("/settings/warehouses", data={
        "name": "Nowhere", "address": "?", "latitude": "91", "longitude": "NaN"})
    assert response.status_code == 422
    body = text(response)
    assert "Must be between -90 and 90." in body
    assert 'id="longitude-error"' in body
    assert warehouses_of(supplier) == []


def test_a_buyer_adds_a_delivery_location(client, factory, buyer):
    login(client, factory.owner(buyer))
    response = client.post("/settings/locations", data={
        "name": "Back door", "address": "2 Main St", "latitude": "37.76",
        "longitude": "-122.42", "contact_phone": "+15555550150",
        "contact_email": "Receiving@Corner.test"})
    assert response.status_code == 302
    (location,) = locations_of(buyer)
    assert location.contact_email == "receiving@corner.test"
    assert "Back door" in text(client.get("/settings/locations"))


def test_sites_pages_belong_to_one_kind(client, new_client, factory, supplier, buyer):
    login(client, factory.owner(supplier))
    assert client.get("/settings/locations").status_code == 404
    buyer_client = new_client()
    login(buyer_client, factory.owner(buyer))
    assert buyer_client.get("/settings/warehouses").status_code == 404
    assert buyer_client.post("/settings/warehouses", data={
        "name": "X", "address": "Y", "latitude": "1", "longitude": "1"}).status_code == 404
