"""Fulfilment pages: the supplier's order board with bulk actions, pick lists and packing
slips (printable, and as PDF), the order's fulfilment page, and the forms of its actions —
each parses the form, calls one service, commits, and goes back to the page it came from
with a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import click
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_login import login_required
from marshmallow import Schema

from wholesale.api.registry import load
from wholesale.db import utcnow
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.fulfilment import (
    backorders,
    board,
    changes,
    delays,
    delivery,
    documents,
    expedite,
    labels,
    late,
    machine,
    panel,
    pdf,
    shipments,
)
from wholesale.fulfilment.forms import (
    AnswerForm,
    BoardQuery,
    BulkForm,
    ChangeForm,
    DelayForm,
    DeliverForm,
    ExpediteForm,
    PrintQuery,
    RefundForm,
    ShipmentForm,
    StatusForm,
)
from wholesale.orders.models import OrderStatus
from wholesale.orders.queries import get_order
from wholesale.portal.access import me, my_org, supplier_required
from wholesale.portal.redirects import safe_next

bp = Blueprint("fulfilment", __name__)


@bp.record_once
def _wire(state: BlueprintSetupState) -> None:
    backorders.subscribe()
    state.app.add_template_global(panel.build, "fulfilment_panel")
    state.app.add_template_global(shipments.known_carrier, "known_carrier")


# -- the board ----------------------------------------------------------------------------------


def _board_filters() -> tuple[board.BoardFilters, dict[str, Any]]:
    try:
        query = load(BoardQuery, request.args)
    except DomainError as exc:
        flash(f"Some filters were ignored: {exc.message}", "warning")
        query = load(BoardQuery, {})
    filters = board.BoardFilters(query["warehouse_id"], query["buyer_id"],
                                 query["delivery_date"], query["late"], query["expedited"])
    return filters, query


@bp.get("/board")
@supplier_required
def board_page() -> ResponseReturnValue:
    filters, query = _board_filters()
    expand = OrderStatus(query["expand"]) if query["expand"] else None
    columns = board.board(my_org(), filters, limit=query["limit"] or board.DEFAULT_LIMIT,
                          expand=expand)
    return render_template("fulfilment/board.html", columns=columns, filters=filters,
                           choices=board.filter_choices(my_org()),
                           total=sum(c.count for c in columns))


@bp.post("/board/bulk")
@supplier_required
def bulk() -> ResponseReturnValue:
    back = safe_next(request.form.get("next")) or url_for("fulfilment.board_page")
    try:
        data = load(BulkForm, {"action": request.form.get("action", ""),
                               "order_ids": request.form.getlist("order_ids")})
    except DomainError as exc:
        message = "Select at least one order first." if "order_ids" in exc.fields \
            else exc.message
        flash(message, "error")
        return redirect(back)
    ids = data["order_ids"]
    if data["action"] in ("pick_list", "packing_slips"):
        endpoint = "fulfilment.pick_list" if data["action"] == "pick_list" else \
            "fulfilment.packing_slips"
        return redirect(url_for(endpoint) + "?" + urlencode({"order_ids": ids}, doseq=True))
    result = machine.bulk_transition(ids, data["action"], me())
    db.session.commit()
    if result.done:
        flash(f"{len(result.done)} order{'s' if len(result.done) != 1 else ''} moved to "
              f"{data['action']}.", "success")
    for _order_id, why in result.failed[:5]:
        flash(why, "error")
    if len(result.failed) > 5:
        flash(f"…and {len(result.failed) - 5} more could not move.", "error")
    return redirect(back)


# -- printing ---------------------------------------------------------------------------------


def _print_query() -> dict[str, Any]:
    try:
        return load(PrintQuery, {"order_ids": request.args.getlist("order_ids"),
                                 "warehouse_id": request.args.get("warehouse_id", ""),
                                 "format": request.args.get("format", "html")})
    except DomainError:
        abort(404)


def _pdf(data: bytes, name: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/board/pick-list")
@supplier_required
def pick_list() -> ResponseReturnValue:
    query = _print_query()
    orders = documents.orders_for_print(my_org(), query["order_ids"])
    groups = documents.pick_list(my_org(), orders, query["warehouse_id"])
    numbers = [o.display_number for o in orders]
    if query["format"] == "pdf":
        return _pdf(pdf.pick_list_pdf(groups, my_org().name, numbers, utcnow()),
                    f"pick-list-{numbers[0]}{'-etc' if len(numbers) > 1 else ''}.pdf")
    return render_template("fulfilment/pick_list.html", groups=groups, orders=orders,
                           numbers=numbers, printed_at=utcnow(), query=query)


@bp.get("/board/packing-slips")
@supplier_required
def packing_slips() -> ResponseReturnValue:
    query = _print_query()
    orders = documents.orders_for_print(my_org(), query["order_ids"])
    slips = documents.packing_slips(orders)
    if query["format"] == "pdf":
        first = orders[0].display_number
        return _pdf(pdf.packing_slips_pdf(slips, my_org().name),
                    f"packing-slip-{first}{'-etc' if len(orders) > 1 else ''}.pdf")
    return render_template("fulfilment/packing_slips.html", slips=slips, orders=orders,
                           query=query)


# -- the order page and its actions -------------------------------------------------------------


@bp.get("/orders/<int:order_id>/fulfilment")
@login_required
def order_page(order_id: int) -> ResponseReturnValue:
    """The order page (orders/detail.html) shows the fulfilment partials."""
    get_order(order_id)  # 404 for anyone else
    return redirect(url_for("orders.detail", order_id=order_id))


def _act(order_id: int, form: type[Schema], action: Callable[[dict[str, Any]], str],
         anchor: str = "") -> ResponseReturnValue:
    """Parse `form`, run `action` (returns the message to show), commit, go back."""
    back = safe_next(request.form.get("next")) or url_for("orders.detail", order_id=order_id)
    try:
        data = load(form, request.form)
        message = action(data)
        db.session.commit()
        flash(message, "success")
    except DomainError as exc:
        db.session.rollback()
        details = [m for msgs in exc.fields.values() for m in msgs]
        flash(exc.message if not details or details[0] in exc.message else
              f"{exc.message} {details[0]}", "error")
    return redirect(back + anchor)


@bp.post("/orders/<int:order_id>/fulfilment/status")
@login_required
def status(order_id: int) -> ResponseReturnValue:
    def run(data: dict[str, Any]) -> str:
        order = machine.transition(order_id, data["status"], me(), data["note"])
        return f"Order {order.display_number} is now {order.status.value}."

    return _act(order_id, StatusForm, run)


@bp.post("/orders/<int:order_id>/fulfilment/deliver")
@login_required
def deliver(order_id: int) -> ResponseReturnValue:
    def run(data: dict[str, Any]) -> str:
        photo = delivery.read_photo(request.files.get("photo"))
        order = delivery.deliver(order_id, me(), data["note"], photo)
        return f"Order {order.display_number} is delivered."

    return _act(order_id, DeliverForm, run)


@bp.post("/orders/<int:order_id>/fulfilment/shipments")
@supplier_required
def ship(order_id: int) -> ResponseReturnValue:
    def run(data: dict[str, Any]) -> str:
        shipment = shipments.ship(order_id, me(), carrier=data["carrier"],
                                  tracking_number=data["tracking_number"],
                                  tracking_url=data["tracking_url"], lines=data["lines"])
        return (f"Shipment recorded: {shipment.total_quantity} units with {shipment.carrier}"
                f"{' (' + shipment.tracking_number + ')' if shipment.tracking_number else ''}.")

    return _act(order_id, ShipmentForm, run)


@bp.post("/orders/<int:order_id>/fulfilment/delays")
@supplier_required
def delay(order_id: int) -> ResponseReturnValue:
    def run(data: dict[str, Any]) -> str:
        posted = delays.post_delay(order_id, me(), reason=data["reason"],
                                   new_eta=data["new_eta"])
        return f"Delay posted: the new ETA is {posted.new_eta:%a %b} {posted.new_eta.day}."

    return _act(order_id, DelayForm, run)


@bp.post("/orders/<int:order_id>/fulfilment/delivery-changes")
@login_required
def request_change(order_id: int) -> ResponseReturnValue:
    def run(data: dict[str, Any]) -> str:
        changes.request_change(order_id, me(), delivery_date=data["delivery_date"],
                               delivery_location_id=data["delivery_location_id"],
                               reason=data["reason"])
        return "Change requested: the other side will accept or decline it."

    return _act(order_id, ChangeForm, run)


@bp.post("/fulfilment/delivery-changes/<int:change_id>/<any(accept, decline):answer>")
@login_required
def answer_change(change_id: int, answer: str) -> ResponseReturnValue:
    order_id = changes.visible_change(change_id).order_id

    def run(data: dict[str, Any]) -> str:
        if answer == "accept":
            changes.accept_change(change_id, me(), data["note"])
            return "Change accepted: the order's delivery is updated."
        changes.decline_change(change_id, me(), data["note"])
        return "Change declined."

    return _act(order_id, AnswerForm, run)


@bp.post("/orders/<int:order_id>/fulfilment/expedite")
@login_required
def expedite_order(order_id: int) -> ResponseReturnValue:
    def run(data: dict[str, Any]) -> str:
        order = expedite.expedite(order_id, me(), data["reason"])
        return f"Order {order.display_number} is expedited."

    return _act(order_id, ExpediteForm, run)


@bp.get("/fulfilment/pod/<int:event_id>")
@login_required
def pod_photo(event_id: int) -> ResponseReturnValue:
    path, content_type = delivery.pod_photo(event_id)
    response = send_file(path, mimetype=content_type, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/fulfilment/shipments/<int:shipment_id>/refund")
@supplier_required
def refund_label(shipment_id: int) -> ResponseReturnValue:
    order_id = labels.shipment_or_404(shipment_id).order_id

    def run(data: dict[str, Any]) -> str:
        shipment = labels.refund_label(shipment_id, me(), data["note"])
        return (f"Label refunded ({shipment.label_refund_status.lower()} at the carrier): the "
                f"{shipment.carrier} shipment is void and its goods are back in stock for "
                "this order.")

    return _act(order_id, RefundForm, run)


@bp.get("/fulfilment/shipments/<int:shipment_id>/packing-slip.pdf")
@supplier_required
def shipment_slip(shipment_id: int) -> ResponseReturnValue:
    data, name = labels.slip_and_label(shipment_id, my_org().id)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/fulfilment/shipments/<int:shipment_id>/label.pdf")
@login_required
def shipment_label(shipment_id: int) -> ResponseReturnValue:
    path = labels.label_file(shipment_id)
    response = send_file(path, mimetype="application/pdf", max_age=0,
                         download_name=f"label-{shipment_id}.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- commands -----------------------------------------------------------------------------------


@bp.cli.command("flag-late")
def flag_late_command() -> None:
    """Announce orders that became late (`order_late`, once per order). Run it every few
    minutes from a scheduler, or call `wholesale.fulfilment.late.flag_late_orders` from a
    worker."""
    flagged = late.flag_late_orders()
    db.session.commit()
    click.echo(f"{len(flagged)} order(s) flagged late.")
