"""A supplier's customers (invite, connect, terms) and a buyer's suppliers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from wholesale.accounts import services as accounts
from wholesale.accounts.forms import InviteForm
from wholesale.accounts.models import InvitationKind
from wholesale.portal.access import buyer_required, me, my_org, supplier_required
from wholesale.portal.forms import status_of, submit
from wholesale.sites.services import locations_of
from wholesale.trading import services
from wholesale.trading.models import PaymentTerms
from wholesale.urls import public_url

bp = Blueprint("trading", __name__)


class ConnectForm(FlaskForm):
    buyer_email = EmailField(
        "Email",
        validators=[DataRequired("Enter an email address."), Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"})


class TermsForm(FlaskForm):
    payment_terms = SelectField("Payment terms",
                                choices=[SelectChoice(terms.value, terms.label)
                                         for terms in PaymentTerms])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)],
                          render_kw={"rows": 4})


def _customers_page(invite_form: InviteForm, connect_form: ConnectForm,
                    invitation: tuple[str, str] | None = None) -> ResponseReturnValue:
    """The customers page; `invitation` is a just-created (email, link) to show once."""
    org = my_org()
    form_status = max(status_of(invite_form), status_of(connect_form))
    return render_template(
        "trading/customers.html", invite_form=invite_form, connect_form=connect_form,
        invitation=invitation, relationships=services.relationships_of(org),
        invitations=accounts.pending_invitations(org, InvitationKind.BUYER),
    ), form_status


@bp.get("/customers")
@supplier_required
def customers() -> ResponseReturnValue:
    return _customers_page(InviteForm(), ConnectForm())


@bp.post("/customers/invite")
@supplier_required
def invite_buyer() -> ResponseReturnValue:
    form = InviteForm()
    done, created = submit(form, lambda: accounts.invite(me(), form.email.data,
                                                         InvitationKind.BUYER))
    if not done or created is None:
        return _customers_page(form, ConnectForm(formdata=None))
    token, invitation = created
    link = public_url("accounts.accept_invitation", token=token)
    return _customers_page(InviteForm(formdata=None), ConnectForm(formdata=None),
                           invitation=(invitation.email, link))


@bp.post("/customers/connect")
@supplier_required
def connect_buyer() -> ResponseReturnValue:
    form = ConnectForm()
    done, relationship = submit(form, lambda: services.connect_customer(me(),
                                                                        form.buyer_email.data))
    if not done or relationship is None:
        return _customers_page(InviteForm(formdata=None), form)
    flash(f"{relationship.buyer.name} is now one of your customers.", "success")
    return redirect(url_for("trading.customers"))


@bp.route("/customers/<int:relationship_id>", methods=["GET", "POST"])
@supplier_required
def customer(relationship_id: int) -> ResponseReturnValue:
    relationship = services.get_relationship(my_org(), relationship_id)
    form = TermsForm(obj=relationship)
    done, _ = submit(form, lambda: services.update_terms(
        relationship, payment_terms=form.payment_terms.data, notes=form.notes.data or ""))
    if done:
        flash(f"Terms for {relationship.buyer.name} saved.", "success")
        return redirect(url_for("trading.customers"))
    return render_template("trading/customer.html", form=form, relationship=relationship,
                           locations=locations_of(relationship.buyer)), status_of(form)


@bp.get("/suppliers")
@buyer_required
def suppliers() -> ResponseReturnValue:
    return render_template("trading/suppliers.html",
                           relationships=services.relationships_of(my_org()))
