"""Settings pages: a supplier's warehouses and a buyer's delivery locations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from wholesale.accounts.services import normalize_email
from wholesale.errors import ValidationFailed
from wholesale.portal.access import buyer_required, my_org, supplier_required
from wholesale.portal.forms import coordinate, coordinate_field, status_of, submit
from wholesale.sites import services

bp = Blueprint("sites", __name__)


class SiteForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give it a name."), Length(max=200)])
    address = TextAreaField("Address", validators=[DataRequired("Enter the address."),
                                                   Length(max=500)],
                            render_kw={"rows": 2, "autocomplete": "street-address"})
    latitude = coordinate_field("Latitude", 90)
    longitude = coordinate_field("Longitude", 180)

    def site_fields(self) -> dict[str, object]:
        return {"name": self.name.data, "address": self.address.data,
                "latitude": coordinate(self.latitude.data),
                "longitude": coordinate(self.longitude.data)}


def _email(_form: FlaskForm, field: Field) -> None:
    """The address rules sign-up uses (test domains such as .test are allowed)."""
    try:
        normalize_email(field.data)
    except ValidationFailed as exc:
        raise ValidationError(exc.message) from None


class LocationForm(SiteForm):
    contact_phone = TelField("Receiving phone", validators=[Optional(), Length(max=32)],
                             render_kw={"autocomplete": "tel"})
    contact_email = EmailField("Receiving email",
                               validators=[Optional(), Length(max=254), _email],
                               render_kw={"autocomplete": "email"})


@bp.route("/settings/warehouses", methods=["GET", "POST"])
@supplier_required
def warehouses() -> ResponseReturnValue:
    form = SiteForm()
    done, warehouse = submit(form, lambda: services.add_warehouse(my_org(),
                                                                  **form.site_fields()))
    if done and warehouse is not None:
        flash(f"Warehouse “{warehouse.name}” added.", "success")
        return redirect(url_for("sites.warehouses"))
    return render_template("settings/warehouses.html", form=form,
                           warehouses=services.warehouses_of(my_org())), status_of(form)


@bp.route("/settings/locations", methods=["GET", "POST"])
@buyer_required
def locations() -> ResponseReturnValue:
    form = LocationForm()
    done, location = submit(form, lambda: services.add_location(
        my_org(), **form.site_fields(), contact_phone=form.contact_phone.data,
        contact_email=form.contact_email.data))
    if done and location is not None:
        flash(f"Delivery location “{location.name}” added.", "success")
        return redirect(url_for("sites.locations"))
    return render_template("settings/locations.html", form=form,
                           locations=services.locations_of(my_org())), status_of(form)
