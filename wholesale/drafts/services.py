"""The life of an order draft: read from a buyer's message (opened, amended, replaced, a
question answered), corrected by the supplier's rep (every product correction teaches the
intake), confirmed — through the one placement service, once however often it is asked —,
discarded, or expired.

Services flush, never commit. Every change is announced with `signals.draft_changed`
(messaging shows it live in the account thread and answers on the draft's channel)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from wholesale import signals
from wholesale.accounts.models import Organization, User
from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.drafts import replies
from wholesale.drafts.models import DraftSource, DraftStatus, OrderDraft
from wholesale.drafts.preview import order_lines
from wholesale.errors import Conflict, DomainError, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.intake import services as intake
from wholesale.intake.parser import ParsedLine, ParseResult
from wholesale.orders import placement
from wholesale.orders import rules as ordering_rules
from wholesale.orders.models import Channel, Order
from wholesale.sites.models import DeliveryLocation
from wholesale.tenancy import as_tenant, get_or_404

UNSCOPED = {"all_tenants": True}
CHANNELS = {DraftSource.CHAT: Channel.CHAT, DraftSource.SMS: Channel.SMS,
            DraftSource.EMAIL: Channel.EMAIL, DraftSource.API: Channel.API}
# A message that changes the open draft rather than replacing it.
_AMENDS = re.compile(
    r"^\W*(?:and\s+|also\s+|oh\s+|but\s+|sorry\s+|actually\s+|wait\s+)*"
    r"(?:add|also|plus|\+|no|without|w/o|minus|remove|drop|skip|cancel|take off|leave out|"
    r"double|triple|make it|make the|change|instead|extra|another|one more|\d+ more|"
    r"not|nix|swap|replace)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    """What a buyer's message did: the draft change (None: nothing) and, when no draft change
    speaks for itself, a reply to send back."""

    change: str | None
    draft: OrderDraft | None = None
    order: Order | None = None
    reply: str | None = None


# -- reading a buyer's message -------------------------------------------------------------


def read_buyer_message(*, author: User, supplier_id: int, buyer_id: int, text: str,
                       source: DraftSource, thread_id: int | None = None,
                       message_id: int | None = None, now: datetime | None = None) -> Outcome:
    """A message the buyer wrote in the account thread (chat, SMS or email)."""
    now = now or utcnow()
    expire_due(now, supplier_id=supplier_id, buyer_id=buyer_id)
    draft = latest_open(supplier_id, buyer_id)
    if replies.is_confirmation(text):
        if draft is None:
            return Outcome(None, reply="There's no order waiting for your OK. Tell me what "
                                       "you need, e.g. \"3 cs romaine for thursday\".")
        return _confirm_outcome(draft, author)
    number = replies.option_number(text)
    if draft is not None and draft.questions and number is not None:
        return _answer(draft, number, author)
    if draft is not None and _AMENDS.match(text):
        amended = _amend(draft, text, author, now)
        if amended is not None:
            return amended
    result = intake.read_for(supplier_id, buyer_id, text, now=now)
    if not result.is_order:
        return Outcome(None)
    change = "opened"
    if draft is not None:
        draft.status = DraftStatus.DISCARDED
        draft.closed_by_id = author.id
        change = "replaced"
    fresh = _new_draft(supplier_id, buyer_id, text, source, result, author, now,
                       thread_id=thread_id, message_id=message_id)
    _announce(fresh, change, author)
    return Outcome(change, fresh)


def _new_draft(supplier_id: int, buyer_id: int, text: str, source: DraftSource,
               result: ParseResult, author: User, now: datetime, *,
               thread_id: int | None = None, message_id: int | None = None) -> OrderDraft:
    hours = current_app.config["DRAFT_TTL_HOURS"]
    day, note = result.requested_delivery_date, result.date_note
    if day is None:  # no day asked: the earliest the supplier delivers
        day = ordering_rules.earliest_delivery_date(ordering_rules.rules_for(supplier_id), now)
        note = f"Earliest delivery is {day:%A} {day:%b} {day.day}."
    draft = OrderDraft(
        supplier_id=supplier_id, buyer_id=buyer_id, thread_id=thread_id,
        message_id=message_id, source=source, text=text[:5000],
        lines=[line_dict(line) for line in result.lines], unmatched=result.unmatched,
        questions=[_question_dict(q) for q in result.questions],
        requested_delivery_date=day, date_note=note,
        delivery_location_id=_default_location(buyer_id), status=DraftStatus.OPEN,
        created_by_id=author.id, expires_at=now + timedelta(hours=hours),
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def _amend(draft: OrderDraft, text: str, author: User, now: datetime) -> Outcome | None:
    """Apply "add 2 cs romaine", "no eggs", "make it friday" to the open draft; None when
    the message changes nothing in it."""
    base = {line["product_id"]: Decimal(str(line["quantity"])) for line in draft.lines}
    result = intake.read_for(draft.supplier_id, draft.buyer_id, text, now=now, base=base)
    lines, questions, unmatched = draft.lines, draft.questions, draft.unmatched
    if result.is_order:
        kept = {line["product_id"]: line for line in draft.lines}
        lines = [_keep_origin(line_dict(line), kept) for line in result.lines]
        questions = questions + [_question_dict(q) for q in result.questions]
        unmatched = unmatched + result.unmatched
    day, note = draft.requested_delivery_date, draft.date_note
    if result.requested_delivery_date is not None and result.date_asked:
        day, note = result.requested_delivery_date, result.date_note
    if (_quantities(lines), day, len(questions)) == (
            _quantities(draft.lines), draft.requested_delivery_date, len(draft.questions)):
        return None
    draft.lines, draft.questions, draft.unmatched = lines, questions, unmatched
    draft.requested_delivery_date, draft.date_note = day, note
    draft.text = f"{draft.text}\n{text}"[:5000]
    draft.awaiting_buyer = False
    _announce(draft, "amended", author)
    return Outcome("amended", draft)


def _keep_origin(line: dict[str, Any], kept: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A line the amendment left as it was keeps the words and confidence it came from."""
    old = kept.get(line["product_id"])
    if old is None or "from_history" not in line["flags"]:
        return line
    return {**old, "quantity": line["quantity"]}


def _quantities(lines: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return sorted((line["product_id"], str(Decimal(str(line["quantity"])))) for line in lines)


def _answer(draft: OrderDraft, number: int, author: User) -> Outcome:
    """The buyer picked option `number` of the draft's first question."""
    question = draft.questions[0]
    option = next((o for o in question["options"] if o["number"] == number), None)
    if option is None:
        return Outcome(None, draft, reply=f"Reply with one of the numbers: {question['prompt']}")
    quantity = Decimal(str(question["quantity"])) if question.get("quantity") else Decimal(1)
    line = {"product_id": option["product_id"], "sku": option["sku"], "name": option["name"],
            "quantity": _number(quantity), "unit": option["unit"], "confidence": 1.0,
            "source_text": question["fragment"], "flags": ["answered"], "note": None}
    draft.lines = [*draft.lines, line]
    draft.questions = draft.questions[1:]
    intake.teach(draft.supplier_id, draft.buyer_id, _item_words(question["fragment"]),
                 option["product_id"], taught_by=author)
    _announce(draft, "answered", author)
    return Outcome("answered", draft)


def _item_words(fragment: str) -> str:
    """"3 cs romaine" → "romaine": the words that name the product, for teaching."""
    words = [w for w in re.findall(r"[^\W\d_]+", fragment.lower())
             if w not in {"cs", "case", "cases", "bag", "bags", "box", "boxes", "lb", "lbs", "kg",
                          "ea", "each", "of", "x", "a", "an", "the", "pls", "please"}]
    return " ".join(words) or fragment


# -- the rep's corrections ----------------------------------------------------------------


def correct(draft: OrderDraft, actor: User, *, lines: list[dict[str, Any]] | None = None,
           requested_delivery_date: date | None = None,
           delivery_location_id: int | None = None, send_back: bool = False) -> OrderDraft:
    """Fix lines (product and quantity), the date or the location of an open draft. A line
    whose product changed teaches the intake what its words mean for this buyer."""
    _require_open(draft)
    if lines is not None:
        draft.lines = _corrected(draft, lines, actor)
        draft.questions = []
    if requested_delivery_date is not None:
        draft.requested_delivery_date = requested_delivery_date
        draft.date_note = None
    if delivery_location_id is not None:
        _check_location(draft.buyer_id, delivery_location_id)
        draft.delivery_location_id = delivery_location_id
    draft.awaiting_buyer = send_back
    db.session.flush()
    _announce(draft, "sent_back" if send_back else "updated", actor)
    return draft


def _corrected(draft: OrderDraft, lines: list[dict[str, Any]], actor: User
               ) -> list[dict[str, Any]]:
    ids = [line["product_id"] for line in lines]
    stmt = select(Product).where(Product.id.in_(ids), Product.supplier_id == draft.supplier_id,
                                 Product.archived_at.is_(None))
    products = {p.id: p for p in db.session.scalars(stmt.execution_options(**UNSCOPED))}
    errors: dict[str, list[str]] = {}
    for index, line in enumerate(lines):
        if line["product_id"] not in products:
            errors[f"lines.{index}.product_id"] = ["Not an active product of this supplier."]
    if errors:
        raise ValidationFailed(errors, "Some lines name products this supplier doesn't sell.")
    old = {line.get("source_text"): line for line in draft.lines}
    fixed = []
    for line in lines:
        product = products[line["product_id"]]
        source = line.get("source_text") or ""
        before = old.get(source) if source else None
        if source and (before is None or before["product_id"] != product.id) \
                and actor.organization_id == draft.supplier_id:
            intake.teach(draft.supplier_id, draft.buyer_id, _item_words(source), product.id,
                         taught_by=actor)
        fixed.append({"product_id": product.id, "sku": product.sku, "name": product.name,
                      "quantity": _number(Decimal(str(line["quantity"]))), "unit": product.unit,
                      "confidence": 1.0, "source_text": source,
                      "flags": ["corrected"] if before is not None and (
                          before["product_id"] != product.id
                          or Decimal(str(before["quantity"])) != Decimal(str(line["quantity"])))
                      else (before or {}).get("flags", []),
                      "note": None})
    return fixed


def _check_location(buyer_id: int, location_id: int) -> None:
    stmt = select(DeliveryLocation.id).where(DeliveryLocation.id == location_id,
                                             DeliveryLocation.buyer_id == buyer_id)
    if db.session.scalar(stmt.execution_options(**UNSCOPED)) is None:
        raise ValidationFailed.one("delivery_location_id",
                                   "Choose one of the buyer's delivery locations.")


def _default_location(buyer_id: int) -> int | None:
    """The buyer's location its last order went to, else its first."""
    last = db.session.scalar(
        select(Order.delivery_location_id).where(Order.buyer_id == buyer_id)
        .order_by(Order.id.desc()).limit(1).execution_options(**UNSCOPED))
    if last is not None:
        return last
    return db.session.scalar(
        select(DeliveryLocation.id).where(DeliveryLocation.buyer_id == buyer_id)
        .order_by(DeliveryLocation.id).limit(1).execution_options(**UNSCOPED))


# -- confirming, discarding, expiring -------------------------------------------------------


def confirm(draft: OrderDraft, actor: User) -> tuple[Order, bool]:
    """Place the draft's order (True), or answer the order it already placed (False).
    Raises Conflict for a discarded or expired draft, and the placement's own errors (422,
    409) when the order can't be placed as it is — the draft then stays open."""
    if draft.status is DraftStatus.CONFIRMED and draft.order_id is not None:
        return _order(draft.order_id), False
    _require_open(draft)
    buyer = db.session.get(Organization, draft.buyer_id)
    assert buyer is not None
    with db.session.begin_nested():
        # Claim the draft: of two confirmations at once, one places, the other waits here
        # and then finds it confirmed.
        claimed = db.session.execute(
            update(OrderDraft).where(OrderDraft.id == draft.id,
                                     OrderDraft.status == DraftStatus.OPEN)
            .values(status=DraftStatus.CONFIRMED, closed_by_id=actor.id, updated_at=utcnow())
            .execution_options(**UNSCOPED, synchronize_session=False)).rowcount
        if not claimed:
            db.session.refresh(draft)
            if draft.order_id is not None:
                return _order(draft.order_id), False
            raise Conflict(f"This draft is {draft.status.value}.", code="invalid_transition")
        if draft.questions:
            raise ValidationFailed.one("questions", draft.questions[0]["prompt"])
        result = placement.place_order(
            actor=actor, buyer=buyer, supplier_id=draft.supplier_id, lines=order_lines(draft),
            requested_delivery_date=draft.requested_delivery_date,
            delivery_location_id=draft.delivery_location_id,
            notes=f"From a message: {draft.text}"[:2000],
            channel=CHANNELS[draft.source], idempotency_key=f"draft-{draft.id}")
        db.session.execute(
            update(OrderDraft).where(OrderDraft.id == draft.id)
            .values(order_id=result.order.id).execution_options(**UNSCOPED,
                                                                synchronize_session=False))
    db.session.refresh(draft)
    _announce(draft, "confirmed", actor, order=result.order)
    return result.order, result.created


def _confirm_outcome(draft: OrderDraft, actor: User) -> Outcome:
    try:
        order, created = confirm(draft, actor)
    except DomainError as exc:
        db.session.refresh(draft)
        note = _why(exc)
        _announce(draft, "confirm_failed", actor, note=note)
        return Outcome("confirm_failed", draft)
    return Outcome("confirmed" if created else None, draft, order)


def _why(exc: DomainError) -> str:
    if exc.fields:
        return " ".join(m for messages in exc.fields.values() for m in messages)
    return exc.message


def discard(draft: OrderDraft, actor: User) -> OrderDraft:
    _require_open(draft)
    draft.status = DraftStatus.DISCARDED
    draft.closed_by_id = actor.id
    db.session.flush()
    _announce(draft, "discarded", actor)
    return draft


def expire_due(now: datetime | None = None, *, supplier_id: int | None = None,
               buyer_id: int | None = None) -> int:
    """Expire the open drafts past their time (all, or one relationship's); returns how
    many."""
    now = now or utcnow()
    stmt = select(OrderDraft).where(OrderDraft.status == DraftStatus.OPEN,
                                    OrderDraft.expires_at <= now)
    if supplier_id is not None:
        stmt = stmt.where(OrderDraft.supplier_id == supplier_id, OrderDraft.buyer_id == buyer_id)
    due = list(db.session.scalars(stmt.execution_options(**UNSCOPED).with_for_update(
        skip_locked=True)))
    for draft in due:
        draft.status = DraftStatus.EXPIRED
        _announce(draft, "expired", None)
    db.session.flush()
    return len(due)


def _require_open(draft: OrderDraft) -> None:
    if draft.status is not DraftStatus.OPEN:
        raise Conflict(f"This draft is {draft.status.value}.", code="invalid_transition")


# -- reading -------------------------------------------------------------------------------


def latest_open(supplier_id: int, buyer_id: int) -> OrderDraft | None:
    stmt = (select(OrderDraft)
            .where(OrderDraft.supplier_id == supplier_id, OrderDraft.buyer_id == buyer_id,
                   OrderDraft.status == DraftStatus.OPEN)
            .order_by(OrderDraft.id.desc()).limit(1))
    return db.session.scalars(stmt.execution_options(**UNSCOPED)).first()


def get(actor: User, draft_id: int) -> OrderDraft:
    with as_tenant(actor.organization_id):
        return get_or_404(OrderDraft, draft_id)


def _order(order_id: int) -> Order:
    order = db.session.get(Order, order_id, execution_options=UNSCOPED)
    if order is None:
        raise NotFound("Order not found.")
    return order


def _announce(draft: OrderDraft, change: str, actor: User | None, **kwargs: Any) -> None:
    db.session.flush()
    supplier = db.session.get(Organization, draft.supplier_id)
    signals.draft_changed.send(supplier, draft=draft, change=change, actor=actor, **kwargs)


# -- shapes ---------------------------------------------------------------------------------


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def line_dict(line: ParsedLine) -> dict[str, Any]:
    return {"product_id": line.product_id, "sku": line.sku, "name": line.name,
            "quantity": _number(line.quantity), "unit": line.unit,
            "confidence": line.confidence, "source_text": line.source_text,
            "flags": list(line.flags), "note": line.note}


def _question_dict(question: Any) -> dict[str, Any]:
    return {"fragment": question.fragment, "prompt": question.prompt,
            "quantity": None if question.quantity is None else _number(question.quantity),
            "unit": question.unit,
            "options": [{"number": o.number, "product_id": o.product_id, "sku": o.sku,
                         "name": o.name, "unit": o.unit} for o in question.options]}
