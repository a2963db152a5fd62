"""/settings/webhooks: the owner's page for the organization's endpoints — add one (the
secret shown once), delete, enable, and each endpoint's recent deliveries with redelivery.
The same services as the API."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from messaging.webhooks_out import services
from messaging.webhooks_out.addresses import MAX_URL
from messaging.webhooks_out.catalog import EVENT_TYPES
from wholesale.api.pagination import MAX_LIMIT
from wholesale.portal.access import me
from wholesale.portal.forms import ActionForm, perform, status_of, submit

bp = Blueprint("webhooks_out", __name__)


class EndpointForm(FlaskForm):
    url = StringField("Endpoint URL", validators=[
        DataRequired("Give the URL to send events to."), Length(max=MAX_URL)],
        render_kw={"placeholder": "https://erp.example.com/ordertalk", "autocomplete": "off"})
    events = SelectMultipleField(
        "Events", choices=[SelectChoice("*", "Every event"),
                           *[SelectChoice(e, e) for e in EVENT_TYPES]],
        validators=[DataRequired("Choose at least one event.")],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput())


def _owner() -> None:
    if not current_user.is_owner:
        abort(403)


@bp.route("/settings/webhooks", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    _owner()
    form = EndpointForm()
    done, created = submit(form, lambda: services.create_endpoint(
        me(), form.url.data or "", form.events.data or []))
    secret = created.secret if done and created is not None else None
    if done:
        form = EndpointForm(formdata=None)
    endpoints = services.endpoints(me(), {"limit": MAX_LIMIT}).items
    logs = {e.id: services.recent_deliveries(me(), e.id, 20) for e in endpoints}
    return render_template("settings/webhooks.html", form=form, secret=secret,
                           created=created if done else None, endpoints=endpoints,
                           logs=logs, action_form=ActionForm()), status_of(form)


@bp.post("/settings/webhooks/<int:endpoint_id>/delete")
@login_required
def delete(endpoint_id: int) -> ResponseReturnValue:
    _owner()
    if perform(lambda: services.delete_endpoint(me(), endpoint_id))[0]:
        flash("The endpoint is deleted.", "success")
    return redirect(url_for("webhooks_out.index"))


@bp.post("/settings/webhooks/<int:endpoint_id>/enable")
@login_required
def enable(endpoint_id: int) -> ResponseReturnValue:
    _owner()
    if perform(lambda: services.enable_endpoint(me(), endpoint_id))[0]:
        flash("The endpoint is enabled again.", "success")
    return redirect(url_for("webhooks_out.index"))


@bp.post("/settings/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
@login_required
def redeliver(endpoint_id: int, delivery_id: int) -> ResponseReturnValue:
    _owner()
    if perform(lambda: services.redeliver(me(), endpoint_id, delivery_id))[0]:
        flash("The event is queued again.", "success")
    return redirect(url_for("webhooks_out.index"))
