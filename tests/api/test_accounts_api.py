"""Sign-up, API tokens, /me and invitations (CONTRACT.md §3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.api.util import assert_error, commit
from tests.factories import PASSWORD
from wholesale.accounts import services as accounts
from wholesale.accounts.models import Invitation, Role, User
from wholesale.db import utcnow
from wholesale.extensions import db

PUBLIC_BASE_URL = "http://127.0.0.1:5000"  # tests/conftest.py app_overrides


def signup_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "supplier",
        "organization": "Harbor Produce",
        "name": "Ana Lima",
        "email": "ana@harbor.test",
        "password": "a long enough password",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def anon(api_as):
    return api_as(None)


def bearer(anon, token: str):
    anon.token = token
    return anon


# -- sign-up --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["supplier", "buyer"])
def test_signup_creates_the_organization_and_its_owner(anon, api_as, kind):
    response = anon.post(
        "/api/v1/signup",
        json=signup_body(kind=kind, email="  Ana@Harbor.TEST ", phone="+1 555 0100"),
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert set(body) >= {"token", "user", "organization"}
    assert body["organization"]["kind"] == kind
    assert body["organization"]["name"] == "Harbor Produce"
    assert isinstance(body["organization"]["id"], int)
    assert body["user"]["email"] == "ana@harbor.test"
    assert body["user"]["role"] == "owner"
    assert body["user"]["organization_id"] == body["organization"]["id"]
    assert "password" not in response.get_data(as_text=True)
    assert "password_hash" not in body["user"]

    me = bearer(anon, body["token"]).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json["user"]["id"] == body["user"]["id"]
    assert me.json["organization"]["id"] == body["organization"]["id"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"organization": "   "}, "organization"),
        ({"kind": "wholesaler"}, "kind"),
        ({"name": None}, "name"),
        ({"invitation": "no-such-invitation"}, "invitation"),
    ],
)
def test_signup_validation(anon, changes, field):
    assert_error(
        anon.post("/api/v1/signup", json=signup_body(**changes)),
        422,
        "validation_error",
        fields=(field,),
    )


def test_signup_duplicate_email_is_refused_whatever_its_case(anon, factory):
    existing = factory.owner(factory.buyer())
    existing_id, existing_email = existing.id, existing.email
    commit()
    response = anon.post("/api/v1/signup", json=signup_body(email=existing_email.upper()))
    assert_error(response, 422, "validation_error", fields=("email",))
    assert accounts.find_user_by_email(existing_email).id == existing_id


def _invite(client, email: str) -> dict[str, object]:
    response = client.post("/api/v1/invitations", json={"email": email})
    assert response.status_code == 201, response.json
    return response.json


def test_buyer_signing_up_with_an_invitation_is_connected_to_the_supplier(api_as, factory):
    supplier_org = factory.supplier("Harbor Wholesale")
    supplier_id, as_supplier = supplier_org.id, api_as(factory.owner(supplier_org))
    commit()
    invitation = _invite(as_supplier, "Chef@Bistro.test")

    anon = api_as(None)
    response = anon.post(
        "/api/v1/signup",
        json=signup_body(
            kind="buyer",
            organization="Bistro",
            email="chef@bistro.test",
            invitation=invitation["token"],
        ),
    )
    assert response.status_code == 201, response.json
    buyer_org_id = response.json["organization"]["id"]

    suppliers = bearer(anon, response.json["token"]).get("/api/v1/suppliers")
    assert suppliers.status_code == 200
    assert [item["organization"]["id"] for item in suppliers.json["items"]] == [supplier_id]
    customers = as_supplier.get("/api/v1/customers")
    assert [item["organization"]["id"] for item in customers.json["items"]] == [buyer_org_id]

    # Single use: the same invitation cannot be used again.
    again = api_as(None).post(
        "/api/v1/signup",
        json=signup_body(
            kind="buyer",
            organization="Bistro Two",
            email="chef@bistro.test",
            invitation=invitation["token"],
        ),
    )
    assert_error(again, 422, "validation_error", fields=("invitation",))


def test_an_expired_invitation_is_refused(api_as, factory):
    supplier = api_as(factory.owner(factory.supplier()))
    commit()
    invitation = _invite(supplier, "late@bistro.test")
    row = db.session.scalars(
        select(Invitation).where(Invitation.id == invitation["id"]).execution_options(
            all_tenants=True
        )
    ).one()
    row.expires_at = utcnow() - timedelta(minutes=1)
    commit()

    response = api_as(None).post(
        "/api/v1/signup",
        json=signup_body(kind="buyer", email="late@bistro.test", invitation=invitation["token"]),
    )
    assert_error(response, 422, "validation_error", fields=("invitation",))
    assert accounts.find_user_by_email("late@bistro.test") is None


def test_the_email_must_be_the_one_invited(api_as, factory):
    supplier = api_as(factory.owner(factory.supplier()))
    commit()
    invitation = _invite(supplier, "invited@bistro.test")
    response = api_as(None).post(
        "/api/v1/signup",
        json=signup_body(kind="buyer", email="someone-else@bistro.test",
                         invitation=invitation["token"]),
    )
    assert_error(response, 422, "validation_error", fields=("email",))
    assert accounts.find_user_by_email("someone-else@bistro.test") is None


def test_a_supplier_cannot_sign_up_with_a_buyer_invitation(api_as, factory):
    supplier = api_as(factory.owner(factory.supplier()))
    commit()
    invitation = _invite(supplier, "other@supplier.test")
    response = api_as(None).post(
        "/api/v1/signup",
        json=signup_body(kind="supplier", email="other@supplier.test",
                         invitation=invitation["token"]),
    )
    assert_error(response, 422, "validation_error", fields=("kind",))


# -- tokens ---------------------------------------------------------------------------------


def test_the_right_password_gets_a_token_that_works(api_as, factory):
    user = factory.owner(factory.buyer())
    user_id, email = user.id, user.email
    anon = api_as(None)
    commit()
    response = anon.post(
        "/api/v1/auth/tokens", json={"email": email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 201, response.json
    token = response.json["token"]
    assert isinstance(token, str) and token.startswith("otk_")
    me = bearer(anon, token).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json["user"]["id"] == user_id


def test_wrong_password_and_unknown_account_get_the_same_answer(api_as, factory):
    email = factory.owner(factory.supplier()).email
    anon = api_as(None)
    commit()
    wrong = anon.post("/api/v1/auth/tokens", json={"email": email, "password": "nope-nope"})
    unknown = anon.post(
        "/api/v1/auth/tokens", json={"email": "nobody@nowhere.test", "password": "nope-nope"}
    )
    assert_error(wrong, 401)
    assert_error(unknown, 401)
    assert wrong.json == unknown.json


def test_a_deactivated_user_cannot_get_a_token(api_as, factory):
    org = factory.supplier()
    member = factory.user(org, role=Role.STAFF)
    member.deactivated_at = utcnow()
    email = member.email
    commit()
    response = api_as(None).post(
        "/api/v1/auth/tokens", json={"email": email, "password": PASSWORD}
    )
    assert_error(response, 401)


def test_a_revoked_token_is_refused(api_as, factory):
    user = factory.owner(factory.supplier())
    token, api_token = accounts.create_api_token(user, "to revoke")
    user_id, token_id = user.id, api_token.id
    client = bearer(api_as(None), token)
    commit()
    assert client.get("/api/v1/me").status_code == 200
    accounts.revoke_api_token(db.session.get(User, user_id), token_id)
    commit()
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")


def test_a_removed_team_member_token_is_refused(api_as, factory):
    org = factory.supplier()
    owner_id = factory.owner(org).id
    member = factory.user(org, role=Role.STAFF)
    member_id, client = member.id, api_as(member)
    commit()
    assert client.get("/api/v1/me").status_code == 200
    accounts.remove_member(db.session.get(User, owner_id), member_id)
    commit()
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")


def test_a_deactivated_user_token_is_refused_even_if_not_revoked(api_as, factory):
    org = factory.supplier()
    member = factory.user(org, role=Role.STAFF)
    member_id, client = member.id, api_as(member)
    commit()
    assert client.get("/api/v1/me").status_code == 200
    db.session.get(User, member_id).deactivated_at = utcnow()
    commit()
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer   "},
        {"Authorization": "Bearer otk_not-a-real-token"},
        {"Authorization": "Token otk_not-a-real-token"},
    ],
    ids=["none", "basic", "bearer-empty", "bearer-blank", "bearer-unknown", "other-scheme"],
)
def test_no_or_bad_credentials_are_401(api_as, factory, headers):
    factory.supplier()
    commit()
    assert_error(api_as(None).get("/api/v1/me", headers=headers), 401, "unauthorized")


def test_basic_auth_with_a_real_password_is_still_401(api_as, factory):
    import base64

    email = factory.owner(factory.supplier()).email
    commit()
    creds = base64.b64encode(f"{email}:{PASSWORD}".encode()).decode()
    response = api_as(None).get("/api/v1/me", headers={"Authorization": f"Basic {creds}"})
    assert_error(response, 401, "unauthorized")


# -- /me --------------------------------------------------------------------------------------


def test_me_describes_the_user_and_the_organization(api_as, factory):
    org = factory.buyer("Corner Cafe")
    user = factory.owner(org)
    response = api_as(user).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json["user"]["id"] == user.id
    assert response.json["user"]["email"] == user.email
    assert response.json["organization"] == {
        "id": org.id,
        "kind": "buyer",
        "name": "Corner Cafe",
        "created_at": response.json["organization"]["created_at"],
    }
    assert response.json["organization"]["created_at"]
    assert "password_hash" not in response.json["user"]
    assert "session_nonce" not in response.json["user"]


# -- invitations -------------------------------------------------------------------------------


def test_a_supplier_invites_a_buyer(api_as, factory):
    supplier = factory.owner(factory.supplier())
    response = api_as(supplier).post("/api/v1/invitations", json={"email": "New@Buyer.test"})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["email"] == "new@buyer.test"
    assert body["kind"] == "buyer"
    assert isinstance(body["id"], int)
    assert body["token"]
    assert body["url"].startswith(PUBLIC_BASE_URL + "/")
    assert body["token"] in body["url"]
    assert body["expires_at"]


def test_a_buyer_cannot_invite(api_as, factory):
    buyer = factory.owner(factory.buyer())
    client = api_as(buyer)
    commit()
    response = client.post("/api/v1/invitations", json={"email": "x@buyer.test"})
    assert_error(response, 403, "forbidden_role")


def test_an_invitation_needs_a_valid_email(api_as, factory):
    client = api_as(factory.owner(factory.supplier()))
    commit()
    response = client.post("/api/v1/invitations", json={"email": "nope"})
    assert_error(response, 422, "validation_error", fields=("email",))
