"""Pages: notification preferences (/settings/notifications), the supplier's delivery log
(/notifications), an order's delivery log (/orders/<id>/notifications), the short link
/o/<code>, the unsubscribe page of the links in messages, and the dev outbox (/dev/outbox)
where the console backend's messages (with their attachments, downloadable) and every
template's preview are shown."""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from messaging.notifications import links, log, previews
from messaging.notifications import preferences as prefs
from messaging.notifications.catalog import EVENTS, events_for
from messaging.notifications.models import Notification, NotificationAttachment, ShortLink
from messaging.notifications.preferences import CHANNELS
from wholesale.errors import Forbidden
from wholesale.extensions import db
from wholesale.orders.models import Order, OrderContact
from wholesale.tenancy import as_tenant, get_or_404

bp = Blueprint("notifications", __name__)


def _me() -> Any:
    return current_user._get_current_object()


def _form_matrix() -> dict[str, bool]:
    return {key: True for key in request.form if "." in key and key != "csrf_token"}


# -- preferences ---------------------------------------------------------------------------


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    me = _me()
    if request.method == "POST":
        scope = request.form.get("scope", "me")
        if scope == "organization":
            if not me.is_owner:
                raise Forbidden("Only the organization's owner sets its defaults.")
            prefs.save_org_matrix(me.organization, _form_matrix())
            flash("Your organization's defaults are saved.", "success")
        else:
            prefs.save_user_matrix(me, _form_matrix())
            flash("Your notification preferences are saved.", "success")
        db.session.commit()
        return redirect(url_for("notifications.settings"))
    side = "supplier" if me.organization.is_supplier else "buyer"
    return render_template(
        "notifications/settings.html",
        events=events_for(side),
        channels=CHANNELS,
        mine=prefs.user_matrix(me),
        org=prefs.org_matrix(me.organization_id),
        has_phone=bool(me.phone),
    )


# -- delivery logs -------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def delivery_log() -> ResponseReturnValue:
    me = _me()
    if not me.organization.is_supplier:
        abort(404)
    status = request.args.get("status") or None
    channel = request.args.get("channel") or None
    rows = log.organization_log(me, status=status, channel=channel,
                                before_id=request.args.get("before", type=int))
    return render_template("notifications/log.html", rows=rows, status=status,
                           channel=channel, events=EVENTS)


@bp.get("/orders/<int:order_id>/notifications")
@login_required
def order_log(order_id: int) -> ResponseReturnValue:
    me = _me()
    with as_tenant(me.organization_id):
        order = get_or_404(Order, order_id)
        rows = list(db.session.scalars(
            select(Notification).where(Notification.order_id == order_id)
            .order_by(Notification.id.desc()).limit(500)))
    return render_template("notifications/order_log.html", order=order,
                           entries=[log.entry(n, me.organization_id) for n in rows],
                           events=EVENTS)


# -- links in messages ---------------------------------------------------------------------


@bp.get("/o/<code>")
def short_link(code: str) -> ResponseReturnValue:
    with as_tenant(None):
        found = db.session.get(ShortLink, code[:16].lower())
    if found is None:
        abort(404)
    if request.args.get("to") == "thread":
        return redirect(links.thread_path(found.order_id))
    return redirect(links.order_page_path(found.order_id))


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> ResponseReturnValue:
    parsed = links.parse_unsubscribe(token)
    if parsed is None:
        abort(404)
    ref, event, channel = parsed
    spec = EVENTS.get(event)
    if spec is None or channel not in {c.value for c in CHANNELS}:
        abort(404)
    contact = None
    if ref.startswith("c"):
        with as_tenant(None):
            contact = db.session.get(OrderContact, int(ref[1:]))
        if contact is None:
            abort(404)
    done = False
    if request.method == "POST":
        with as_tenant(None):
            if contact is not None:
                prefs.opt_out_contact(contact.id, channel)
            else:
                prefs.set_user_preference(int(ref[1:]), event, channel, False)
            db.session.commit()
        done = True
    return render_template("notifications/unsubscribe.html", spec=spec, channel=channel,
                           contact=contact, done=done)


# -- dev outbox ----------------------------------------------------------------------------


def _outbox_stmt(me: Any) -> Any:
    org = me.organization
    stmt = select(Notification)
    if not org.is_supplier:
        stmt = stmt.where(
            (Notification.organization_id == org.id)
            | ((Notification.buyer_id == org.id)
               & Notification.recipient_side.in_(("buyer", "contact"))))
    return stmt


def _outbox_rows(me: Any) -> list[Notification]:
    with as_tenant(me.organization_id):
        return list(db.session.scalars(
            _outbox_stmt(me).order_by(Notification.id.desc()).limit(100)))


def _attachments_of(notification_id: int) -> list[Any]:
    """Name, type and size of a message's attachments (not the bytes)."""
    a = NotificationAttachment
    return list(db.session.execute(
        select(a.id, a.filename, a.content_type, a.size)
        .where(a.notification_id == notification_id).order_by(a.id)))


@bp.get("/dev/outbox")
@login_required
def dev_outbox() -> ResponseReturnValue:
    me = _me()
    console = {
        "email": not current_app.config.get("SENDGRID_API_KEY"),
        "sms": not (current_app.config.get("TWILIO_ACCOUNT_SID")
                    and current_app.config.get("TWILIO_AUTH_TOKEN")),
    }
    selected = request.args.get("id", type=int)
    rows = _outbox_rows(me)
    current = next((n for n in rows if n.id == selected), rows[0] if rows else None)
    attachments = _attachments_of(current.id) if current is not None else []
    return render_template("dev/outbox.html", rows=rows, current=current, console=console,
                           events=EVENTS, previews=previews.all_previews(),
                           attachments=attachments)


@bp.get("/dev/outbox/<int:notification_id>/attachments/<int:attachment_id>")
@login_required
def dev_outbox_attachment(notification_id: int, attachment_id: int) -> ResponseReturnValue:
    """A file attached to a message of the outbox (e.g. the invoice PDF as it was sent)."""
    me = _me()
    with as_tenant(me.organization_id):
        visible = db.session.scalar(_outbox_stmt(me).where(Notification.id == notification_id))
    found = db.session.get(NotificationAttachment, attachment_id) if visible else None
    if found is None or found.notification_id != notification_id:
        abort(404)
    return send_file(io.BytesIO(found.content), mimetype=found.content_type,
                     as_attachment=True, download_name=found.filename)


@bp.get("/dev/outbox/<int:notification_id>.html")
@login_required
def dev_outbox_html(notification_id: int) -> ResponseReturnValue:
    """An email's HTML body alone (the outbox page shows it in a sandboxed frame)."""
    found = next((n for n in _outbox_rows(_me()) if n.id == notification_id), None)
    if found is None or not found.body_html:
        abort(404)
    return _sandboxed(found.body_html)


@bp.get("/dev/outbox/preview/<event>.html")
@login_required
def dev_preview_html(event: str) -> ResponseReturnValue:
    if event not in EVENTS:
        abort(404)
    return _sandboxed(previews.preview(event).html)


def _sandboxed(body: str) -> ResponseReturnValue:
    return body, 200, {"Content-Type": "text/html; charset=utf-8",
                       "Content-Security-Policy": "default-src 'none'; img-src https: data:; "
                       "style-src 'unsafe-inline'; sandbox allow-popups; frame-ancestors 'self'",
                       "X-Frame-Options": "SAMEORIGIN", "X-Content-Type-Options": "nosniff"}
