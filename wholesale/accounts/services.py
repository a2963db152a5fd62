"""Accounts: sign-up, authentication, API tokens, invitations, team and profile.

Services flush but never commit: the request, socket event or task that called them commits
once at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from wholesale import signals
from wholesale.accounts.models import (
    ApiToken,
    Invitation,
    InvitationKind,
    Organization,
    OrgKind,
    Role,
    User,
    UserSession,
)
from wholesale.accounts.passwords import check_new_password, hash_password, verify_password
from wholesale.accounts.secrets import new_token, token_hash
from wholesale.db import utcnow
from wholesale.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.trading.models import TradingRelationship

INVITATION_LIFETIME = timedelta(days=14)


def normalize_email(email: str, field: str = "email") -> str:
    try:
        result = validate_email(email.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValidationFailed.one(field, str(exc)) from None
    return result.normalized.lower()


def is_email(text: str) -> bool:
    """Whether `text` is an address `normalize_email` accepts (one rule for every form)."""
    try:
        normalize_email(text)
    except ValidationFailed:
        return False
    return True


def find_user_by_email(email: str) -> User | None:
    """Across all tenants (used before anyone is signed in, and to find another
    organization's person), with the user's organization loaded the same way."""
    stmt = (
        select(User)
        .where(User.email == email.strip().lower())
        .options(joinedload(User.organization))
    )
    return db.session.scalars(stmt.execution_options(all_tenants=True)).first()


def _check_email_free(email: str, field: str = "email") -> None:
    if find_user_by_email(email) is not None:
        raise ValidationFailed.one(field, "An account with this email already exists.")


def _new_user(
    org: Organization, *, name: str, email: str, password: str, phone: str | None, role: Role
) -> User:
    check_new_password(password)
    user = User(
        organization=org,
        email=email,
        name=name.strip(),
        phone=(phone or "").strip() or None,
        role=role,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    return user


@dataclass
class SignupResult:
    user: User
    organization: Organization
    token: str | None  # an API token, for API sign-ups; the portal asks for none


def signup(
    *,
    kind: str,
    organization: str,
    name: str,
    email: str,
    password: str,
    phone: str | None = None,
    invitation: str | None = None,
    issue_token: bool = True,
) -> SignupResult:
    """Create an organization with its owner (or join one through a staff invitation)."""
    email = normalize_email(email)
    check_new_password(password)
    invite = _open_invitation(invitation) if invitation else None
    if invite is not None and invite.email != email:
        raise ValidationFailed.one("email", "Use the email address the invitation was sent to.")
    _check_email_free(email)

    if invite is not None and invite.kind is InvitationKind.STAFF:
        org = invite.organization
        user = _new_user(
            org, name=name, email=email, password=password, phone=phone, role=Role.STAFF
        )
    else:
        if invite is not None and kind != OrgKind.BUYER:
            raise ValidationFailed.one("kind", "This invitation is for a buyer organization.")
        if not organization.strip():
            raise ValidationFailed.one("organization", "Enter your organization's name.")
        org = Organization(kind=OrgKind(kind), name=organization.strip())
        db.session.add(org)
        user = _new_user(
            org, name=name, email=email, password=password, phone=phone, role=Role.OWNER
        )
        db.session.flush()
        signals.organization_created.send(org, user=user)
        if invite is not None:
            _connect(invite.organization, org)
    db.session.flush()
    if invite is not None:
        _mark_accepted(invite, user)
    token = create_api_token(user, "Sign-up token")[0] if issue_token else None
    return SignupResult(user=user, organization=org, token=token)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same cost whether or not one exists)."""
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        return None
    return user


def sign_in(email: str, password: str) -> User | None:
    """`authenticate`, and a new portal session for the user it finds."""
    user = authenticate(email, password)
    if user is not None:
        start_session(user)
    return user


# -- API tokens ---------------------------------------------------------------------------


def create_api_token(user: User, name: str) -> tuple[str, ApiToken]:
    token, digest = new_token(current_app.config["API_TOKEN_PREFIX"])
    api_token = ApiToken(
        organization_id=user.organization_id,
        user=user,
        name=name.strip() or "API token",
        token_hash=digest,
        display_prefix=token[:10],
    )
    db.session.add(api_token)
    db.session.flush()
    return token, api_token


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None; records when it was last used."""
    stmt = (
        select(ApiToken)
        .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
        .options(joinedload(ApiToken.user).joinedload(User.organization))
        .execution_options(all_tenants=True)
    )
    api_token = db.session.scalars(stmt).first()
    if api_token is None or not api_token.user.is_active:
        return None
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=5):
        api_token.last_used_at = now
    return api_token.user


def revoke_all_api_tokens(user: User) -> int:
    """Revoke every token of `user`; returns how many were live."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def list_api_tokens(user: User) -> list[ApiToken]:
    stmt = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id.desc())
    )
    return list(db.session.scalars(stmt))


def revoke_api_token(user: User, token_id: int) -> None:
    api_token = db.session.scalars(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    ).first()
    if api_token is None:
        raise NotFound("API token not found.")
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()


# -- invitations --------------------------------------------------------------------------


def invite(inviter: User, email: str, kind: InvitationKind) -> tuple[str, Invitation]:
    """Invite a buyer organization (suppliers) or a colleague (owners); returns the token."""
    email = normalize_email(email)
    org = inviter.organization
    if kind is InvitationKind.BUYER and not org.is_supplier:
        raise Forbidden("Only suppliers invite buyers.")
    if kind is InvitationKind.STAFF:
        if not inviter.is_owner:
            raise Forbidden("Only the organization's owner manages the team.")
        existing = find_user_by_email(email)
        if existing is not None:
            raise ValidationFailed.one("email", "This person already has an Ordertalk account.")
    token, digest = new_token()
    invitation = Invitation(
        organization=org,
        invited_by=inviter,
        kind=kind,
        email=email,
        token_hash=digest,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    signals.invitation_created.send(org, invitation=invitation, token=token)
    return token, invitation


def _open_invitation(token: str) -> Invitation:
    invitation = find_invitation(token)
    if invitation is None:
        raise ValidationFailed.one("invitation", "This invitation is unknown, used or expired.")
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """An invitation that can still be accepted, or None. The token is the permission: the
    invitation and its inviter are loaded whoever is signed in (an invitee is not a trading
    partner of the inviter yet, so a lazy load under the invitee's tenant would find nothing)."""
    stmt = (
        select(Invitation)
        .where(Invitation.token_hash == token_hash(token))
        .options(joinedload(Invitation.organization), joinedload(Invitation.invited_by))
    )
    invitation = db.session.scalars(stmt.execution_options(all_tenants=True)).first()
    if invitation is None or invitation.accepted_at is not None:
        return None
    if invitation.expires_at <= utcnow():
        return None
    return invitation


def _mark_accepted(invitation: Invitation, user: User) -> None:
    """Single use, even when two people accept at once: only one UPDATE matches."""
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow(), accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("This invitation has already been used.", code="invitation_used")


def accept_buyer_invitation(user: User, token: str) -> Organization:
    """An existing buyer accepts a supplier's invitation: the two are connected."""
    invitation = _open_invitation(token)
    if invitation.kind is not InvitationKind.BUYER or user.organization.is_supplier:
        raise ValidationFailed.one("invitation", "This invitation is not for a buyer.")
    _connect(invitation.organization, user.organization)
    _mark_accepted(invitation, user)
    return invitation.organization


def pending_invitations(org: Organization, kind: InvitationKind) -> list[Invitation]:
    stmt = (
        select(Invitation)
        .where(
            Invitation.organization_id == org.id,
            Invitation.kind == kind,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.id.desc())
    )
    return list(db.session.scalars(stmt))


def _connect(supplier: Organization, buyer: Organization) -> TradingRelationship:
    from wholesale.trading.services import connect

    return connect(supplier, buyer)


# -- team and profile ---------------------------------------------------------------------


def team(org: Organization) -> list[User]:
    stmt = select(User).where(User.organization_id == org.id).order_by(User.role, User.name)
    return list(db.session.scalars(stmt))


def remove_member(owner: User, user_id: int) -> User:
    if not owner.is_owner:
        raise Forbidden("Only the organization's owner manages the team.")
    member = db.session.scalars(
        select(User).where(User.id == user_id, User.organization_id == owner.organization_id)
    ).first()
    if member is None:
        raise NotFound("Team member not found.")
    if member.id == owner.id or member.is_owner:
        raise Conflict("The owner cannot be removed.", code="owner_not_removable")
    member.deactivated_at = utcnow()
    end_all_sessions(member)
    revoke_all_api_tokens(member)
    signals.user_removed.send(owner.organization, user=member)
    return member


def update_profile(user: User, *, name: str, email: str, phone: str | None) -> User:
    email = normalize_email(email)
    if email != user.email:
        _check_email_free(email)
        user.email = email
    if not name.strip():
        raise ValidationFailed.one("name", "Enter your name.")
    user.name = name.strip()
    user.phone = (phone or "").strip() or None
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Changing the password ends every other portal session of this user (this one stays).
    API tokens stay valid: they are revoked on their own (`revoke_all_api_tokens`), so a
    routine password change does not break the user's integrations."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed.one("current_password", "The current password is not correct.")
    check_new_password(new, "new_password")
    user.password_hash = hash_password(new)
    end_all_sessions(user, keep=user.portal_session)


# -- portal sessions ----------------------------------------------------------------------
# Flask-Login's id is `<user id>:<session key>`; the key's hash names a `UserSession` row,
# and the session lasts as long as that row.


def start_session(user: User) -> None:
    """A new portal session for `user`; `login_user(user)` then puts its key in the cookie."""
    key, digest = new_token()
    row = UserSession(organization_id=user.organization_id, user_id=user.id, key_hash=digest)
    db.session.add(row)
    db.session.flush()
    user.portal_session, user.portal_session_key = row, key


def end_session(user: User) -> None:
    """End the session `user` was loaded with: a copy of its cookie no longer signs in."""
    if user.portal_session is not None:
        db.session.execute(
            delete(UserSession)
            .where(UserSession.id == user.portal_session.id)
            .execution_options(synchronize_session=False)
        )
    user.portal_session = user.portal_session_key = None


def end_all_sessions(user: User, keep: UserSession | None = None) -> int:
    """End every portal session of `user` but `keep`; returns how many ended."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    return result.rowcount


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user loader: `<user id>:<session key>` of a live session, else None."""
    user_id, _, key = session_id.partition(":")
    if not user_id.isdigit() or not key:
        return None
    stmt = (
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.key_hash == token_hash(key), User.id == int(user_id))
        .execution_options(all_tenants=True)
    )
    found = db.session.execute(stmt).first()
    if found is None or not found.User.is_active:
        return None
    user = found.User
    user.portal_session, user.portal_session_key = found.UserSession, key
    return user
