"""A buyer's answer to a standing-order reminder, in the account thread (chat, SMS, email).

Precedence (one rule, checked before the drafts read the message): the reminder of an
upcoming occurrence answers the message when it is the latest open thing in the thread —
reminded, not yet placed, and more recent than any open draft of the pair. Then:

* "SKIP" (skip it, skip this one, not this week) skips that occurrence;
* "YES"/"ok" keeps it as it is;
* an order-like message with no other delivery day — "make it 5 cs romaine", "no eggs",
  "add 2 cs lemons", "5 romaine hearts" — is read by the intake with the occurrence's lines
  as its base (`read_for(..., base=...)`), and the result becomes *that occurrence's* lines
  (the standing order itself is unchanged);
* anything else (a question, an order for another day) is left to the drafts, as is every
  message while an open draft is newer than the reminder.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.drafts import replies as draft_replies
from wholesale.drafts import services as drafts
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.intake import services as intake
from wholesale.orders import rules as ordering_rules
from wholesale.standing import services
from wholesale.standing.models import OccurrenceStatus, StandingOccurrence, StandingOrder

UNSCOPED = services.UNSCOPED
_SKIP = re.compile(
    r"^\W*(?:please\s+|pls\s+)?(?:skip|skip it|skip that|skip this(?: one| week| time| order)?|"
    r"skip (?:tomorrow|tmrw|tmr)(?:'s)?(?: one| order)?|not this (?:week|time)|"
    r"none this (?:week|time)|no order this (?:week|time))"
    r"[\s,.!]*(?:please|pls|thanks|thank you|thx)?[\s.!]*$", re.IGNORECASE)


def is_skip(text: str) -> bool:
    return bool(_SKIP.match(text.strip()))


def open_reminder(supplier_id: int, buyer_id: int, now: datetime
                  ) -> StandingOccurrence | None:
    """The occurrence whose reminder is the latest open thing of the pair (see above)."""
    calendar = services.calendar_for(supplier_id)
    rows = db.session.scalars(
        select(StandingOccurrence).where(
            StandingOccurrence.supplier_id == supplier_id,
            StandingOccurrence.buyer_id == buyer_id,
            StandingOccurrence.status == OccurrenceStatus.UPCOMING,
            StandingOccurrence.reminded_at.is_not(None))
        .order_by(StandingOccurrence.reminded_at.desc(), StandingOccurrence.id.desc())
        .execution_options(**UNSCOPED))
    occurrence = next((row for row in rows if calendar.place_at(row.delivery_on) > now), None)
    if occurrence is None or occurrence.reminded_at is None:
        return None
    draft = drafts.latest_open(supplier_id, buyer_id)
    if draft is not None and max(draft.created_at, draft.updated_at) > occurrence.reminded_at:
        return None
    return occurrence


def read_reply(*, supplier_id: int, buyer_id: int, text: str, author_name: str,
               now: datetime | None = None) -> str | None:
    """Apply a reply to the open reminder; the answer to post back, or None when the
    message is not for the standing order (the drafts read it then)."""
    now = now or utcnow()
    occurrence = open_reminder(supplier_id, buyer_id, now)
    if occurrence is None:
        return None
    standing = db.session.get(StandingOrder, occurrence.standing_order_id,
                              execution_options=UNSCOPED)
    assert standing is not None
    day = f"{occurrence.delivery_on:%a %b} {occurrence.delivery_on.day}"
    if is_skip(text):
        services.mark_skipped(occurrence, f"Skipped by {author_name} (reply to the reminder).")
        return f"OK, the standing order for {day} is skipped: nothing will be placed. " \
               "The next ones go ahead as usual."
    if draft_replies.is_confirmation(text):
        return f"Great: the standing order for {day} goes in as it is at the cut-off."
    lines = services.lines_of(occurrence, standing)
    base = {line["product_id"]: Decimal(line["quantity"]) for line in lines}
    result = intake.read_for(supplier_id, buyer_id, text, now=now, base=base)
    if not result.is_order or (result.date_asked
                               and result.requested_delivery_date != occurrence.delivery_on):
        return None
    if result.questions:
        return f"{result.questions[0].prompt} (for the standing order of {day})"
    try:
        changed = _checked_lines(supplier_id, [(ln.product_id, ln.quantity)
                                               for ln in result.lines])
    except ValidationFailed as exc:
        reasons = " ".join(m for ms in exc.fields.values() for m in ms)
        return f"I couldn't change the standing order for {day}: {reasons} Nothing changed."
    if not changed:
        services.mark_skipped(occurrence, f"Every line removed by {author_name}.")
        return f"That leaves nothing, so the standing order for {day} is skipped."
    occurrence.lines = changed
    db.session.flush()
    return (f"Changed for {day} only: {services.describe_lines(changed)}. It goes in at the "
            "cut-off; your standing order stays as it was for the other days.")


def _checked_lines(supplier_id: int, lines: list[tuple[int, Decimal]]
                   ) -> list[dict[str, int]]:
    """Whole quantities the supplier's rules accept (MOQ, multiples), per active product."""
    products = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_([pid for pid, _ in lines]),
                              Product.supplier_id == supplier_id,
                              Product.archived_at.is_(None)).execution_options(**UNSCOPED))}
    errors: dict[str, list[str]] = {}
    checked = []
    for index, (product_id, quantity) in enumerate(lines):
        product = products.get(product_id)
        path = f"lines.{index}"
        if product is None:
            errors[path] = ["That product is no longer sold."]
            continue
        if quantity != quantity.to_integral_value():
            errors[path] = [f"{product.name} is ordered in whole {product.unit}s."]
            continue
        try:
            ordering_rules.check_line_quantity(product, int(quantity), path)
        except ValidationFailed as exc:
            errors.update(exc.fields)
            continue
        checked.append({"product_id": product_id, "quantity": int(quantity)})
    if errors:
        raise ValidationFailed(errors, "Some lines can't be ordered.")
    return checked
