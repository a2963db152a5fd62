"""The portal's account forms. They check presence, lengths and confirmations only: the
domain rules (email syntax, password length, uniqueness) live in the services, whose
`ValidationFailed` errors the views show next to these fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

_EMAIL = {"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"}


def _email_field(label: str = "Email") -> EmailField:
    return EmailField(label, validators=[DataRequired("Enter an email address."),
                                         Length(max=254)], render_kw=_EMAIL)


def _name_field(label: str = "Your name") -> StringField:
    return StringField(label, validators=[DataRequired("Enter your name."), Length(max=200)],
                       render_kw={"autocomplete": "name"})


def _phone_field() -> TelField:
    return TelField("Phone", validators=[Optional(), Length(max=32)],
                    render_kw={"autocomplete": "tel", "placeholder": "+1 555 555 0100"})


def _new_password_field(label: str = "Password") -> PasswordField:
    return PasswordField(label, validators=[DataRequired("Choose a password."), Length(max=128)],
                         render_kw={"autocomplete": "new-password", "minlength": 8})


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")],
                             render_kw={"autocomplete": "current-password"})


class SignupForm(FlaskForm):
    """A new supplier organization and its owner."""

    organization = StringField(
        "Company name", validators=[DataRequired("Enter your company's name."), Length(max=200)],
        render_kw={"autocomplete": "organization"})
    name = _name_field()
    email = _email_field("Work email")
    phone = _phone_field()
    password = _new_password_field()


class BuyerInvitationForm(SignupForm):
    """A new buyer organization accepting a supplier's invitation (email fixed by it)."""

    email = EmailField("Work email", render_kw={**_EMAIL, "readonly": True})


class StaffInvitationForm(FlaskForm):
    """A colleague joining the organization that invited them."""

    name = _name_field()
    phone = _phone_field()
    password = _new_password_field()


class ProfileForm(FlaskForm):
    name = _name_field("Name")
    email = _email_field()
    phone = _phone_field()


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"})
    new_password = _new_password_field("New password")
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired("Repeat the new password."),
                    EqualTo("new_password", "The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"})


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired("Name the token."), Length(max=100)],
                       render_kw={"placeholder": "e.g. ERP sync", "autocomplete": "off"})


class InviteForm(FlaskForm):
    """An email to invite: a colleague (team page) or a buyer (customers page)."""

    email = EmailField("Email", validators=[DataRequired("Enter an email address."),
                                            Length(max=254)],
                       render_kw={**_EMAIL, "autocomplete": "off"})
