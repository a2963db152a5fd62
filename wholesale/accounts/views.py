"""Signing in and out, supplier sign-up, accepting invitations, and the account settings
(profile, password, API tokens, team)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from wholesale.accounts import services
from wholesale.accounts.forms import (
    BuyerInvitationForm,
    InviteForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    SignupForm,
    StaffInvitationForm,
    TokenForm,
)
from wholesale.accounts.models import Invitation, InvitationKind, OrgKind, User
from wholesale.api.rate_limits import guard_credentials
from wholesale.extensions import db
from wholesale.portal.access import me, my_org
from wholesale.portal.forms import ActionForm, perform, status_of, submit
from wholesale.portal.redirects import safe_next
from wholesale.urls import public_url

bp = Blueprint("accounts", __name__)

WRONG_CREDENTIALS = "Wrong email or password."


def _start_session(user: User) -> None:
    """A fresh cookie (new CSRF token, nothing carried over) for `user`'s new portal
    session (`services.start_session`, committed)."""
    session.clear()
    login_user(user)


def _end_session() -> None:
    """Forget the cookie's session; its server-side record is already gone."""
    logout_user()
    session.clear()


def _home() -> ResponseReturnValue:
    return redirect(url_for("portal.dashboard"))


# -- signing in and out ------------------------------------------------------------------

@bp.get("/login")
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return _home()
    return _login_page(LoginForm())


@bp.post("/login")
@guard_credentials
def login_submit() -> ResponseReturnValue:
    form = LoginForm()
    if not form.validate_on_submit():
        return _login_page(form), 422
    user = services.sign_in(form.email.data, form.password.data)
    if user is None:
        form.form_errors.append(WRONG_CREDENTIALS)
        return _login_page(form), 401
    db.session.commit()
    _start_session(user)
    return redirect(safe_next(request.args.get("next")) or url_for("portal.dashboard"))


def _login_page(form: LoginForm) -> str:
    return render_template("accounts/login.html", form=form,
                           next=safe_next(request.args.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Ends this session only (other devices stay signed in): a copy of this cookie, and
    the sockets it opened, no longer work."""
    if current_user.is_authenticated:
        services.end_session(me())
        db.session.commit()
    _end_session()
    flash("You are signed out.", "info")
    return redirect(safe_next(request.form.get("next")) or url_for("accounts.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return _home()
    form = SignupForm()
    done, result = submit(form, lambda: _signup(
        kind=OrgKind.SUPPLIER.value, organization=form.organization.data, name=form.name.data,
        email=form.email.data, phone=form.phone.data, password=form.password.data))
    if done and result is not None:
        _start_session(result)
        flash(f"Welcome to Ordertalk, {result.name}.", "success")
        return _home()
    return render_template("accounts/signup.html", form=form), status_of(form)


def _signup(**fields: str | None) -> User:
    """`services.signup` without an API token (the portal would never show it), signed in."""
    user = services.signup(**fields, issue_token=False).user
    services.start_session(user)
    return user


# -- invitations -------------------------------------------------------------------------

@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    invitation = services.find_invitation(token)
    if invitation is None:
        return render_template("accounts/invitation_invalid.html"), 404
    if current_user.is_authenticated:
        if invitation.kind is InvitationKind.BUYER and not my_org().is_supplier:
            return _connect_buyer(invitation, token)
        return render_template("accounts/invitation_signed_in.html", invitation=invitation,
                               logout_form=ActionForm())
    if invitation.kind is InvitationKind.STAFF:
        return _join_team(invitation, token)
    return _join_as_buyer(invitation, token)


def _join_team(invitation: Invitation, token: str) -> ResponseReturnValue:
    form = StaffInvitationForm()
    org = invitation.organization
    done, user = submit(form, lambda: _signup(
        kind=org.kind.value, organization="", name=form.name.data, email=invitation.email,
        phone=form.phone.data, password=form.password.data, invitation=token))
    if done and user is not None:
        _start_session(user)
        flash(f"Welcome to {org.name} on Ordertalk.", "success")
        return _home()
    return render_template("accounts/invitation_staff.html", form=form,
                           invitation=invitation), status_of(form)


def _join_as_buyer(invitation: Invitation, token: str) -> ResponseReturnValue:
    form = BuyerInvitationForm()
    done, user = submit(form, lambda: _signup(
        kind=OrgKind.BUYER.value, organization=form.organization.data, name=form.name.data,
        email=invitation.email, phone=form.phone.data, password=form.password.data,
        invitation=token))
    if done and user is not None:
        _start_session(user)
        flash(f"Welcome to Ordertalk. You can now order from {invitation.organization.name}.",
              "success")
        return _home()
    form.email.data = invitation.email
    return render_template("accounts/invitation_buyer.html", form=form,
                           invitation=invitation), status_of(form)


def _connect_buyer(invitation: Invitation, token: str) -> ResponseReturnValue:
    form = ActionForm()
    done, supplier = submit(form, lambda: services.accept_buyer_invitation(me(), token))
    if done and supplier is not None:
        flash(f"{my_org().name} is now connected with {supplier.name}.", "success")
        return redirect(url_for("trading.suppliers"))
    return render_template("accounts/invitation_connect.html", form=form,
                           invitation=invitation), status_of(form)


# -- settings: profile, password, API tokens, team ---------------------------------------

@bp.route("/settings/profile", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    form = ProfileForm(obj=me())
    done, _ = submit(form, lambda: services.update_profile(
        me(), name=form.name.data, email=form.email.data, phone=form.phone.data))
    if done:
        flash("Your profile is saved.", "success")
        return redirect(url_for("accounts.profile"))
    return render_template("settings/profile.html", form=form,
                           action_form=ActionForm()), status_of(form)


@bp.post("/settings/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> ResponseReturnValue:
    done, _ = perform(lambda: services.end_all_sessions(me()))
    if not done:
        return redirect(url_for("accounts.profile"))
    _end_session()
    flash("You are signed out everywhere: on this device and all others.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    form = PasswordForm()
    done, _ = submit(form, lambda: services.change_password(
        me(), form.current_password.data, form.new_password.data))
    if done:
        flash("Password changed; other sessions were signed out. Your API tokens still work.",
              "success")
        return redirect(url_for("accounts.password"))
    return render_template("settings/password.html", form=form), status_of(form)


@bp.route("/settings/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> ResponseReturnValue:
    form = TokenForm()
    done, created = submit(form, lambda: services.create_api_token(me(), form.name.data))
    new_token = created[0] if done and created else None
    if done:
        form = TokenForm(formdata=None)
    return render_template("settings/tokens.html", form=form, new_token=new_token,
                           tokens=services.list_api_tokens(me()),
                           revoke_form=ActionForm()), status_of(form)


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    done, _ = perform(lambda: services.revoke_api_token(me(), token_id))
    if done:
        flash("The token is revoked: programs using it can no longer sign in with it.",
              "success")
    return redirect(url_for("accounts.tokens"))


@bp.post("/settings/tokens/revoke-all")
@login_required
def revoke_all_tokens() -> ResponseReturnValue:
    done, count = perform(lambda: services.revoke_all_api_tokens(me()))
    if done:
        flash(f"Revoked {count} API token(s): programs using them can no longer sign in with "
              "them." if count else "You had no API tokens to revoke.", "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/settings/team", methods=["GET", "POST"])
@login_required
def team() -> ResponseReturnValue:
    form = InviteForm()
    done, created = submit(form, lambda: services.invite(me(), form.email.data,
                                                        InvitationKind.STAFF))
    invitation_link = None
    if done and created is not None:
        invitation_link = public_url("accounts.accept_invitation", token=created[0])
        form = InviteForm(formdata=None)
    org = my_org()
    return render_template(
        "settings/team.html", form=form, invitation_link=invitation_link,
        invited_email=created[1].email if created else None,
        members=services.team(org),
        invitations=services.pending_invitations(org, InvitationKind.STAFF),
        remove_form=ActionForm(),
    ), status_of(form)


@bp.post("/settings/team/<int:user_id>/remove")
@login_required
def remove_member(user_id: int) -> ResponseReturnValue:
    done, member = perform(lambda: services.remove_member(me(), user_id))
    if done and member is not None:
        flash(f"{member.name} was removed from the team and signed out everywhere.", "success")
    return redirect(url_for("accounts.team"))
