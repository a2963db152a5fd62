"""The driver's actions on a stop: arrived, delivered (recipient, drawn signature and/or
photo), problem (a note, optionally a photo). Only the route's driver may act; anyone else
gets a 404 (a second driver never learns another's stops exist). Each action applies once:
the stop row is locked and a repeat of the same action returns the stop unchanged, so a
phone that sends its queued *Delivered* twice places one transition. Delivered moves the
order to `delivered` through the one state machine (`fulfilment.delivery.deliver`) once
every stop of the order is delivered and it has shipped; the signature (or photo) becomes
the proof on that event, and both go into the order thread as attachments of the proof's
event (`delivery_proof`). A problem's photo goes with the problem's event."""

from __future__ import annotations

import base64
import binascii
import io
import secrets
from datetime import datetime

from sqlalchemy import select

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.db import is_id, utcnow
from wholesale.errors import Conflict, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment import delivery
from wholesale.fulfilment.timeline import clean_text
from wholesale.orders.models import OrderStatus
from wholesale.routes import services
from wholesale.routes.models import ProblemKind, Route, Stop, StopStatus

_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
NEAR_STOPS = 2  # "your driver is about N minutes away" when this many stops before yours


def stop_for(driver: User, stop_id: int, *, lock: bool = True) -> Stop:
    """The driver's own stop on a dispatched run, under a row lock; else 404/409."""
    stop = None
    if is_id(stop_id):
        stmt = select(Stop).join(Route).where(Stop.id == stop_id, Route.driver_id == driver.id)
        if lock:
            stmt = stmt.with_for_update(of=Stop).execution_options(populate_existing=True)
        stop = db.session.scalars(stmt).first()
    if stop is None:
        raise NotFound("Stop not found.")
    if stop.route.run.status.value == "planned":
        raise Conflict("The run has not been dispatched yet.", code="run_not_dispatched")
    return stop


def _decode(value: str | None, field: str) -> tuple[bytes, str] | None:
    """A data URL (data:image/png;base64,…) as checked image bytes, like a delivery photo."""
    if not value:
        return None
    head, _, payload = value.partition(",")
    if not head.startswith("data:") or ";base64" not in head:
        raise ValidationFailed.one(field, "Send the image as a data URL (data:image/png;base64,…).")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed.one(field, "The image is not valid base64.") from None
    return delivery.read_photo(io.BytesIO(raw), field)


def _store(stop: Stop, image: tuple[bytes, str], kind: str) -> str:
    data, content_type = image
    name = f"stop-{stop.id}-{kind}-{secrets.token_hex(12)}.{_EXTENSIONS[content_type]}"
    target = delivery.pod_root() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return name


def arrived(driver: User, stop_id: int) -> Stop:
    stop = stop_for(driver, stop_id)
    if stop.status is StopStatus.PLANNED:
        stop.status = StopStatus.ARRIVED
        stop.arrived_at = utcnow()
        _announce_next(stop, driver)
        _announce_running_late(stop, driver, stop.arrived_at)
        db.session.flush()
    return stop


def _announce_next(stop: Stop, driver: User) -> None:
    """The stop NEAR_STOPS after this one hears that the driver is about N minutes away
    (its ETA minus this stop's, as planned), once."""
    later = [s for s in stop.route.stops if s.sequence == stop.sequence + NEAR_STOPS
             and s.status is StopStatus.PLANNED and "near" not in s.notices]
    for target in later:
        minutes = 20
        if target.eta and stop.eta:
            minutes = max(5, round((target.eta - stop.eta).total_seconds() / 60))
        target.notices = [*target.notices, "near"]
        signals.delivery_approaching.send(target.order.supplier, order=target.order,
                                          actor=driver, stop=target, minutes=minutes)


def _announce_running_late(stop: Stop, driver: User, now: datetime) -> None:
    """The driver reached `stop` later than planned: every later stop whose ETA, pushed by
    the same delay, now falls after its receiving window hears so — once per stop, not at
    every tap."""
    if stop.eta is None or now <= stop.eta:
        return
    behind = now - stop.eta
    for later in stop.route.stops:
        if later.sequence <= stop.sequence or later.status is not StopStatus.PLANNED \
                or later.eta is None or later.window_end is None or "late" in later.notices:
            continue
        expected = later.eta + behind
        if expected > later.window_end:
            later.notices = [*later.notices, "late"]
            signals.delivery_running_late.send(
                later.order.supplier, order=later.order, actor=driver, stop=later,
                eta=expected.astimezone(later.window_end.tzinfo), window_end=later.window_end)


def delivered(driver: User, stop_id: int, *, recipient: str, signature: str | None = None,
              photo: str | None = None) -> Stop:
    stop = stop_for(driver, stop_id)
    if stop.status is StopStatus.DELIVERED:
        return stop  # a repeated tap: already done, once
    name = clean_text(recipient, "recipient", required=True, limit=200,
                      what="Who took the delivery?")
    signed, pictured = _decode(signature, "signature"), _decode(photo, "photo")
    if signed is None and pictured is None:
        raise ValidationFailed.one("signature", "Add the recipient's signature or a photo.")
    stop.status = StopStatus.DELIVERED
    stop.delivered_at = utcnow()
    if stop.arrived_at is None:
        stop.arrived_at = stop.delivered_at
        _announce_running_late(stop, driver, stop.arrived_at)
    stop.recipient = name
    if signed:
        stop.signature_name = _store(stop, signed, "signature")
    if pictured:
        stop.photo_name = _store(stop, pictured, "photo")
    db.session.flush()
    order = stop.order
    signals.delivery_proof.send(order.supplier, order=order, actor=driver, stop=stop,
                                recipient=name, signature=signed, photo=pictured)
    all_stops = db.session.scalars(select(Stop).where(Stop.order_id == order.id)).all()
    if order.status is OrderStatus.SHIPPED and all(
            s.status is StopStatus.DELIVERED for s in all_stops):
        delivery.deliver(order, driver, note=f"Delivered to {name} by {driver.name}.",
                         photo=pictured or signed)
    services.complete_if_done(stop.route.run)
    db.session.flush()
    return stop


def problem(driver: User, stop_id: int, *, kind: str, note: str,
            photo: str | None = None) -> Stop:
    """Could not deliver (closed, refused, damaged, short): a note and optionally a photo,
    which goes with the problem's event into the order thread."""
    stop = stop_for(driver, stop_id)
    if stop.status is StopStatus.DELIVERED:
        raise Conflict("This stop is already delivered.", code="stop_delivered")
    text = clean_text(note, "note", required=True, limit=2000,
                      what="Say what happened; the supplier's staff see it.")
    pictured = _decode(photo, "photo")
    if stop.status is StopStatus.PROBLEM and stop.problem_kind is ProblemKind(kind) \
            and stop.problem_note == text:
        return stop  # the same report sent again
    stop.status = StopStatus.PROBLEM
    stop.problem_kind = ProblemKind(kind)
    stop.problem_note = text
    signals.delivery_problem.send(stop.order.supplier, order=stop.order, actor=driver,
                                  stop=stop, kind=kind, note=text, photo=pictured)
    services.complete_if_done(stop.route.run)
    db.session.flush()
    return stop
