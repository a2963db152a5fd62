"""Pages: the inbox (`/inbox`, thread beside the list: `/inbox/<order_id>` for an order's
thread, `/inbox/t/<thread_id>` for any thread, `/inbox/account/<partner_id>` for the account
thread with a trading partner), the supplier's open drafts panel, posting from a page (form
or fetch, with attachments), serving attachments to participants, and the unread counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from messaging.chat import attachments, drafts_panel, inbox, services
from messaging.chat.access import Access, open_account_thread, open_thread, open_thread_by_id
from messaging.chat.models import Attachment
from messaging.chat.threadview import thread_view
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.portal.redirects import safe_next
from wholesale.tenancy import as_tenant

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


def _me() -> Any:
    return current_user._get_current_object()


def _filter() -> inbox.InboxFilter:
    try:
        return inbox.InboxFilter(request.args.get("filter", "all"))
    except ValueError:
        return inbox.InboxFilter.ALL


def _render(access: Access | None):
    me = _me()
    view = _filter()
    query = (request.args.get("q") or "").strip()[:200]
    results = services.search(me, query) if query else []
    rows = inbox.threads(me, view)
    thread = None
    if access is not None:
        thread = thread_view(access)
        db.session.commit()  # a thread created on first view
    return render_template(
        "inbox/index.html",
        rows=rows,
        view=view,
        filters=list(inbox.InboxFilter),
        query=query,
        results=results,
        thread=thread,
        open_thread_id=access.thread_id if access is not None else None,
        open_drafts=drafts_panel.open_drafts(me),
    )


@bp.get("")
@login_required
def index():
    order_id = request.args.get("order", type=int)
    if order_id:
        return redirect(url_for("inbox.thread", order_id=order_id, **_keep_args()))
    return _render(None)


def _keep_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in {"filter", "q"} and v}


@bp.get("/rows")
@login_required
def rows():
    """The thread list alone: the inbox refreshes it when a thread it lacks gets news."""
    view = _filter()
    return render_template("inbox/_rows.html", rows=inbox.threads(_me(), view), view=view,
                           open_thread_id=request.args.get("open", type=int))


@bp.get("/drafts")
@login_required
def drafts():
    """The open drafts panel alone: the inbox refreshes it when a draft changes."""
    return render_template("inbox/_drafts.html", open_drafts=drafts_panel.open_drafts(_me()))


@bp.get("/<int:order_id>")
@login_required
def thread(order_id: int):
    return _render(open_thread(_me(), order_id))


@bp.get("/t/<int:thread_id>")
@login_required
def thread_by_id(thread_id: int):
    return _render(open_thread_by_id(_me(), thread_id))


@bp.get("/account/<int:partner_id>")
@login_required
def account(partner_id: int):
    """The account thread with a trading partner (the customer and supplier pages link
    here); created if the relationship has none yet."""
    access = open_account_thread(_me(), partner_id)
    db.session.commit()
    return redirect(url_for("inbox.thread_by_id", thread_id=access.thread_id))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/<int:order_id>/messages")
@login_required
def post(order_id: int):
    """The composer's fallback without JavaScript, and attachments (multipart)."""
    return _post(lambda: open_thread(_me(), order_id),
                 lambda: url_for("inbox.thread", order_id=order_id))


@bp.post("/t/<int:thread_id>/messages")
@login_required
def post_to_thread(thread_id: int):
    """The same for any thread (account threads)."""
    return _post(lambda: open_thread_by_id(_me(), thread_id),
                 lambda: url_for("inbox.thread_by_id", thread_id=thread_id))


def _post(opener: Callable[[], Access], back: Callable[[], str]):
    try:
        access = opener()
        files = [
            attachments.store(f.stream, f.filename)
            for f in request.files.getlist("file")
            if f and f.filename
        ]
        posted = services.post_message(
            access,
            request.form.get("body", ""),
            internal=request.form.get("internal") in {"1", "true", "on"},
            client_id=(request.form.get("client_id") or None),
            files=files,
        )
        payload = posted.payload
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if _wants_json():
            return jsonify(exc.to_dict()), exc.status
        raise
    if _wants_json():
        return jsonify({"ok": True, "message": payload}), 201 if posted.created else 200
    return redirect(safe_next(request.form.get("next")) or back())


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
@login_required
def attachment(attachment_id: int, filename: str):
    """Only to the order's participants (and a note's file only to the supplier)."""
    with as_tenant(current_user.organization_id):
        found = db.session.scalars(select(Attachment).where(Attachment.id == attachment_id)).first()
    if found is None or found.filename != filename:
        abort(404)
    path = attachments.path_of(found.storage_key)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=found.content_type,
        download_name=found.filename,
        as_attachment=not (found.is_image or found.content_type == "application/pdf"),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/unread")
@login_required
def unread():
    me = _me()
    counts = services.unread_by_thread(me)
    orders = {str(k): v for k, v in services.unread_by_order(me).items()}
    return jsonify({"total": sum(counts.values()), "orders": orders,
                    "threads": {str(k): v for k, v in counts.items()}})
