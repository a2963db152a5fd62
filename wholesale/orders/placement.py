"""The one way an order is placed — from the portal, the API, a CSV file or a phone call.

`place_order()` checks everything (trading relationship, products, quantities and the
supplier's rules, delivery location and date, minimum order value), prices the lines with
the one pricing function, reserves stock in the same transaction (nearest warehouse first,
see `allocation`), and takes the supplier's next order number last.

Decisions:
- **Duplicate product lines are merged**: the quantities are added up and the merged line
  is checked (MOQ, multiples) and reported under the index of its first occurrence.
- **Prices** are the buyer's unit price for the whole quantity asked for; a line split into
  a backorder keeps that price on both parts.
- **Backorders**: what cannot be reserved goes to a second order (`backorder_of` = the
  order) when the product allows backorders and the supplier accepts them; otherwise the
  placement fails with 409 `insufficient_stock` naming each short line, reserving nothing.
  The placed order holds only reserved quantities, so an order none of which can be
  reserved has no lines and its backorder has them all: a short quantity is always on an
  order with `backorder_of` set, never on a line that looks firm.
- **Minimum order value** applies to everything asked for, backordered quantities included.
- **Lines of different currencies** cannot be in one order (422 on the odd line).
- **Idempotency**: with a key, a second placement with the same fingerprint returns the first
  order (`created=False`); with another fingerprint it is a 409. The key is scoped to the
  organization of the person placing the order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from wholesale import signals
from wholesale.accounts.models import Organization, User
from wholesale.accounts.services import is_email
from wholesale.catalog.models import Product
from wholesale.catalog.pricing import NO_TERMS, breaks_for, decide_price, terms_for, to_cents
from wholesale.db import is_id, utcnow
from wholesale.errors import NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.inventory.ledger import InsufficientStock, Move, move_many
from wholesale.inventory.models import MovementKind
from wholesale.orders import idempotency, numbers, rules
from wholesale.orders.allocation import LinePlan, Stock, plan_lines, read_stock
from wholesale.orders.models import (
    Allocation,
    Channel,
    Order,
    OrderContact,
    OrderingRules,
    OrderLine,
    OrderStatus,
)
from wholesale.sites.models import DeliveryLocation
from wholesale.tenancy import as_tenant
from wholesale.trading.models import TradingRelationship

MAX_LINES = 500
MAX_CONTACTS = 10
MAX_NOTES = 2000
MAX_PO_NUMBER = 64


@dataclass(frozen=True)
class PlacementResult:
    order: Order
    created: bool


@dataclass
class DraftLine:
    index: int  # of the line's first occurrence in the request
    product: Product
    quantity: int
    unit_price: Decimal

    @property
    def total(self) -> Decimal:
        return to_cents(self.unit_price * self.quantity)


@dataclass
class Draft:
    """A placement that passed every check but the stock one."""

    supplier: Organization
    buyer: Organization
    location: DeliveryLocation
    delivery_date: date
    rules: OrderingRules
    currency: str
    lines: list[DraftLine]
    notes: str
    po_number: str
    contacts: list[dict[str, str | None]] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))


def place_order(
    *,
    actor: User,
    buyer: Organization,
    supplier_id: Any,
    lines: Sequence[Mapping[str, Any]],
    requested_delivery_date: Any,
    delivery_location_id: Any,
    notes: str | None = None,
    contacts: Sequence[Mapping[str, Any]] | None = None,
    po_number: str | None = None,
    channel: Channel,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
    announce: bool = True,
    now: datetime | None = None,
) -> PlacementResult:
    """Place an order of `buyer` with the supplier (see the module docstring).

    Raises NotFound (supplier or buyer not connected), ValidationFailed (422, every bad field
    at once), InsufficientStock (409) or idempotency.KeyReused (409). Flushes, never commits.
    `announce=False` leaves the `order_placed` signal to the caller (CSV import); `now`
    is the moment the delivery date is checked against (a scheduler's clock).
    """
    key_owner = actor.organization_id
    key = idempotency.clean_key(idempotency_key)
    # Placement looks across tenants on purpose (a buyer's order reserves the supplier's
    # stock, which the buyer may not see): every query below names the supplier, the buyer
    # or both explicitly, and `prepare` checks that the two trade and that `actor` works for
    # one of them. Without a tenant, queries also skip the tenant filter's cost.
    with as_tenant(None):
        if key is not None:
            if fingerprint is None:
                fingerprint = idempotency.fingerprint(
                    canonical_request(buyer.id, supplier_id, lines, requested_delivery_date,
                                      delivery_location_id, notes, contacts, po_number)
                )
            used = idempotency.find(key_owner, key)
            if used is not None:
                return PlacementResult(idempotency.replay(used, fingerprint), False)
        draft = prepare(actor=actor, buyer=buyer, supplier_id=supplier_id, lines=lines,
                        requested_delivery_date=requested_delivery_date,
                        delivery_location_id=delivery_location_id, notes=notes,
                        contacts=contacts, po_number=po_number, now=now)
        result = _place(draft, actor, channel, key_owner, key, fingerprint or "")
    if announce and result.created:
        signals.order_placed.send(draft.supplier, order=result.order)
    return result


def _place(draft: Draft, actor: User, channel: Channel, key_owner: int, key: str | None,
           fingerprint: str) -> PlacementResult:
    """Plan on locked stock, take the numbers, write and reserve; answer with the winner's
    order if a concurrent request with the same key committed first."""
    try:
        plans, stock = plan_stock(draft, lock=True)
    except InsufficientStock:
        # A request with the same key may have taken the stock while we waited for its
        # locks: then its order is the answer.
        used = idempotency.find(key_owner, key) if key is not None else None
        if used is None:
            raise
        return PlacementResult(idempotency.replay(used, fingerprint), False)
    count = 1 + any(plan.shortfall for plan in plans)
    taken = numbers.next_numbers(draft.supplier.id, count)
    order = _write(draft, plans, stock, actor, channel, key_owner, key, fingerprint, taken)
    if order is None:  # the key is another request's (it waited for that one's commit)
        used = idempotency.find(key_owner, key) if key is not None else None
        assert used is not None
        return PlacementResult(idempotency.replay(used, fingerprint), False)
    _reserve(plans, stock, order, actor)
    return PlacementResult(order, True)


def canonical_request(
    buyer_id: int, supplier_id: Any, lines: Sequence[Mapping[str, Any]], delivery_date: Any,
    location_id: Any, notes: str | None, contacts: Sequence[Mapping[str, Any]] | None,
    po_number: str | None,
) -> dict[str, Any]:
    """What an idempotency fingerprint covers: the order as asked for, normalized."""
    def pair(line: Any) -> Any:
        return ([line.get("product_id"), line.get("quantity")] if isinstance(line, Mapping)
                else repr(line))

    def person(c: Any) -> Any:
        if not isinstance(c, Mapping):
            return repr(c)
        return [str(c.get(k) or "").strip().lower() if k == "email" else
                str(c.get(k) or "").strip() for k in ("name", "email", "phone")]

    return {
        "buyer_id": buyer_id,
        "supplier_id": supplier_id,
        "lines": [pair(line) for line in lines] if isinstance(lines, Sequence) else repr(lines),
        "requested_delivery_date": (delivery_date.isoformat() if isinstance(delivery_date, date)
                                    else delivery_date),
        "delivery_location_id": location_id,
        "notes": str(notes or "").strip(),
        "po_number": str(po_number or "").strip(),
        "contacts": ([person(c) for c in contacts or []]
                     if isinstance(contacts, Sequence | None) else repr(contacts)),
    }


# -- checks ----------------------------------------------------------------------------------


def prepare(
    *,
    actor: User,
    buyer: Organization,
    supplier_id: Any,
    lines: Sequence[Mapping[str, Any]],
    requested_delivery_date: Any,
    delivery_location_id: Any,
    notes: str | None = None,
    contacts: Sequence[Mapping[str, Any]] | None = None,
    po_number: str | None = None,
    now: datetime | None = None,
) -> Draft:
    """Every check of a placement except stock; raises the first blocking error (404), else
    one ValidationFailed with every bad field."""
    supplier = _connected_supplier(actor, buyer, supplier_id)
    order_rules = rules.rules_for(supplier.id)
    errors: dict[str, list[str]] = {}

    merged = _merged_lines(lines, errors)
    products = _products(supplier.id, [pid for _, pid, _ in merged])
    draft_lines: list[DraftLine] = []
    for index, product_id, quantity in merged:
        product = products.get(product_id)
        prefix = f"lines.{index}"
        if product is None:
            _add(errors, f"{prefix}.product_id", "No such product in this supplier's catalog.")
            continue
        if not product.active:
            _add(errors, f"{prefix}.product_id",
                 f"{product.sku} is no longer sold; remove it from the order.")
            continue
        try:
            rules.check_line_quantity(product, quantity, prefix)
        except ValidationFailed as exc:
            _merge(errors, exc)
            continue
        draft_lines.append(DraftLine(index, product, quantity, Decimal("0")))

    location = _location(buyer, delivery_location_id, errors)
    delivery_date = _delivery_date(order_rules, requested_delivery_date, now or utcnow(), errors)
    clean_notes = _text(notes, "notes", MAX_NOTES, errors)
    clean_po = _text(po_number, "po_number", MAX_PO_NUMBER, errors)
    clean_contacts = _contacts(contacts, errors)

    currency = _price(buyer.id, supplier.id, draft_lines, errors)
    if not errors:
        subtotal = sum((line.total for line in draft_lines), Decimal("0.00"))
        try:
            rules.check_min_order_value(order_rules, subtotal)
        except ValidationFailed as exc:
            _merge(errors, exc)
    if errors:
        raise ValidationFailed(errors, "The order can't be placed as it is: "
                                       + _first_message(errors))
    assert location is not None and delivery_date is not None
    return Draft(supplier=supplier, buyer=buyer, location=location, delivery_date=delivery_date,
                 rules=order_rules, currency=currency, lines=draft_lines, notes=clean_notes,
                 po_number=clean_po, contacts=clean_contacts)


def _connected_supplier(actor: User, buyer: Organization, supplier_id: Any) -> Organization:
    """The supplier, if `buyer` trades with it and `actor` works for one of the two."""
    if not is_id(supplier_id):
        raise ValidationFailed.one("supplier_id", "Must be a supplier id.")
    if actor.organization_id not in (buyer.id, supplier_id):
        raise NotFound("Supplier not found.")
    stmt = (
        select(Organization)
        .join(TradingRelationship, TradingRelationship.supplier_id == Organization.id)
        .where(TradingRelationship.supplier_id == supplier_id,
               TradingRelationship.buyer_id == buyer.id)
        .execution_options(all_tenants=True)
    )
    supplier = db.session.scalars(stmt).first()
    if supplier is None:
        if actor.organization_id == supplier_id:
            raise NotFound("Buyer not found: they are not one of your customers.")
        raise NotFound("Supplier not found.")
    return supplier


def _merged_lines(
    lines: Any, errors: dict[str, list[str]]
) -> list[tuple[int, int, int]]:
    """(first index, product id, total quantity) per distinct product."""
    if not isinstance(lines, Sequence) or isinstance(lines, str | bytes) or not lines:
        _add(errors, "lines", "Add at least one line.")
        return []
    if len(lines) > MAX_LINES:
        _add(errors, "lines", f"An order has at most {MAX_LINES} lines.")
        return []
    merged: dict[int, list[int]] = {}
    for index, line in enumerate(lines):
        if not isinstance(line, Mapping):
            _add(errors, f"lines.{index}", "Each line needs a product_id and a quantity.")
            continue
        product_id, quantity = line.get("product_id"), line.get("quantity")
        ok = True
        if not is_id(product_id):
            _add(errors, f"lines.{index}.product_id", "Must be a product id.")
            ok = False
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            _add(errors, f"lines.{index}.quantity", "Must be a whole number.")
            ok = False
        elif quantity <= 0:
            _add(errors, f"lines.{index}.quantity", "Must be at least 1.")
            ok = False
        elif quantity > rules.MAX_QUANTITY:
            _add(errors, f"lines.{index}.quantity", f"Must be at most {rules.MAX_QUANTITY:,}.")
            ok = False
        if not ok:
            continue
        if product_id in merged:
            merged[product_id][1] += quantity
        else:
            merged[product_id] = [index, quantity]
    return [(index, pid, qty) for pid, (index, qty) in merged.items()]


def _products(supplier_id: int, product_ids: list[int]) -> dict[int, Product]:
    """The supplier's products among `product_ids` (another supplier's are simply absent)."""
    if not product_ids:
        return {}
    stmt = (
        select(Product)
        .where(Product.id.in_(product_ids), Product.supplier_id == supplier_id)
        .execution_options(all_tenants=True)
    )
    return {p.id: p for p in db.session.scalars(stmt)}


def _location(
    buyer: Organization, location_id: Any, errors: dict[str, list[str]]
) -> DeliveryLocation | None:
    location = None
    if is_id(location_id):
        stmt = (
            select(DeliveryLocation)
            .where(DeliveryLocation.id == location_id, DeliveryLocation.buyer_id == buyer.id)
            .execution_options(all_tenants=True)
        )
        location = db.session.scalars(stmt).first()
    if location is None:
        _add(errors, "delivery_location_id",
             f"Choose one of {buyer.name}'s delivery locations.")
    return location


def _delivery_date(
    order_rules: OrderingRules, requested: Any, now: datetime, errors: dict[str, list[str]]
) -> date | None:
    if isinstance(requested, str):
        try:
            requested = date.fromisoformat(requested.strip())
        except ValueError:
            _add(errors, rules.DATE_FIELD, "Give the delivery date as YYYY-MM-DD.")
            return None
    if requested is None:
        _add(errors, rules.DATE_FIELD, "Choose a delivery date.")
        return None
    try:
        rules.check_delivery_date(order_rules, requested, now)
    except ValidationFailed as exc:
        _merge(errors, exc)
        return None
    return requested


def _text(value: Any, name: str, limit: int, errors: dict[str, list[str]]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        _add(errors, name, "Must be text.")
        return ""
    value = value.strip()
    if len(value) > limit:
        _add(errors, name, f"Keep it under {limit} characters.")
    if "\x00" in value:  # the database cannot store it
        _add(errors, name, "Remove the invisible NUL character.")
        return value.replace("\x00", "")
    return value


def _contacts(
    contacts: Any, errors: dict[str, list[str]]
) -> list[dict[str, str | None]]:
    if not contacts:
        return []
    if not isinstance(contacts, Sequence) or isinstance(contacts, str | bytes):
        _add(errors, "contacts", "Must be a list of contacts.")
        return []
    if len(contacts) > MAX_CONTACTS:
        _add(errors, "contacts", f"Add at most {MAX_CONTACTS} contacts.")
        return []
    cleaned: list[dict[str, str | None]] = []
    for index, contact in enumerate(contacts):
        prefix = f"contacts.{index}"
        if not isinstance(contact, Mapping):
            _add(errors, prefix, "Each contact needs a name and an email or phone.")
            continue
        name = _text(contact.get("name"), f"{prefix}.name", 200, errors)
        email = _text(contact.get("email"), f"{prefix}.email", 254, errors).lower()
        phone = _text(contact.get("phone"), f"{prefix}.phone", 32, errors)
        if not name:
            _add(errors, f"{prefix}.name", "Give the contact's name.")
        if email and not is_email(email):
            _add(errors, f"{prefix}.email", "Enter an email address.")
        if phone and not re.fullmatch(r"\+?[0-9 ().-]{5,32}", phone):
            _add(errors, f"{prefix}.phone", "Enter a phone number.")
        if not email and not phone:
            _add(errors, f"{prefix}.email", "Give an email address or a phone number.")
        cleaned.append({"name": name, "email": email or None, "phone": phone or None})
    return cleaned


def _price(
    buyer_id: int, supplier_id: int, lines: list[DraftLine], errors: dict[str, list[str]]
) -> str:
    """Set each line's unit price (the pricing module's rules, in a fixed number of queries);
    returns the order's currency."""
    if not lines:
        return "USD"
    ids = [line.product.id for line in lines]
    breaks = breaks_for(ids)
    terms = terms_for(buyer_id, supplier_id, ids)
    currency = lines[0].product.currency
    for line in lines:
        product = line.product
        line.unit_price = decide_price(product.price, breaks.get(product.id, []),
                                       terms.get(product.id, NO_TERMS), line.quantity)
        if product.currency != currency:
            _add(errors, f"lines.{line.index}.product_id",
                 f"{product.sku} is priced in {product.currency}; this order is in {currency}. "
                 "Order it separately.")
    return currency


# -- stock -----------------------------------------------------------------------------------


def plan_stock(draft: Draft, *, lock: bool = False) -> tuple[list[LinePlan], Stock]:
    """Where each line's stock comes from; 409 if a line is short and may not be
    backordered (every such line is named). `lock`: the levels read stay locked until the
    transaction ends, so the plan can be reserved as made."""
    stock = read_stock(draft.supplier.id, [line.product.id for line in draft.lines],
                       float(draft.location.latitude), float(draft.location.longitude),
                       lock=lock)
    plans = plan_lines([(line.product.id, line.quantity) for line in draft.lines],
                       stock.sources)
    short: dict[str, list[str]] = {}
    for line, plan in zip(draft.lines, plans, strict=True):
        if plan.shortfall and not _backorderable(draft, line.product):
            short[f"lines.{line.index}.quantity"] = [
                f"Only {plan.reserved} {line.product.unit} of {line.product.sku} available."
            ]
    if short:
        named = ", ".join(f"line {int(path.split('.')[1]) + 1}" for path in short)
        raise InsufficientStock(
            f"Not enough stock for {named}, and it can't be backordered. Nothing was reserved.",
            fields=short,
        )
    return plans, stock


def _backorderable(draft: Draft, product: Product) -> bool:
    return bool(product.allow_backorder and draft.rules.accepts_backorders)


# -- writing ---------------------------------------------------------------------------------


def _write(draft: Draft, plans: list[LinePlan], stock: Stock, actor: User, channel: Channel,
           key_owner: int, key: str | None, fingerprint: str, taken: list[int]
           ) -> Order | None:
    """The order (and its backorder) with lines, allocations, contacts and the idempotency
    key, written with Core `INSERT … RETURNING` (a statement per table, not the unit of
    work's bookkeeping), then put in the session as loaded objects. None, and nothing
    written, when another request holds the key."""
    now = utcnow()
    order = _new_order(draft, actor, channel, taken[0], now)
    backorder: Order | None = None
    for line, plan in zip(draft.lines, plans, strict=True):
        if plan.reserved:
            order_line = _new_line(line, plan.reserved)
            order_line.allocations = [
                Allocation(warehouse_id=take.warehouse_id,
                           warehouse=stock.warehouses[take.warehouse_id],
                           quantity=take.quantity, shipped_quantity=0, released_at=None)
                for take in plan.takes]
            order.lines.append(order_line)
        if plan.shortfall:
            if backorder is None:
                backorder = _new_order(draft, actor, channel, taken[1], now)
            backorder.lines.append(_new_line(line, plan.shortfall))
    orders = [order] if backorder is None else [order, backorder]
    for each in orders:
        each.subtotal = sum((ln.line_total for ln in each.lines), Decimal("0.00"))
    _insert_rows(Order, [order])
    if key is not None and not idempotency.claim(key_owner, key, fingerprint, order.id, now):
        db.session.execute(delete(Order.__table__).where(Order.__table__.c.id == order.id))
        return None
    if backorder is not None:
        backorder.backorder_of_id = order.id
        _insert_rows(Order, [backorder])
    lines = [ln for each in orders for ln in each.lines]
    for each in orders:
        for ln in each.lines:
            ln.order_id = each.id
    _insert_rows(OrderLine, lines)
    allocations = [a for ln in lines for a in ln.allocations]
    for ln in lines:
        for allocation in ln.allocations:
            allocation.order_line_id = ln.id
    _insert_rows(Allocation, allocations)
    contacts = [c for each in orders for c in each.contacts]
    for each in orders:
        for contact in each.contacts:
            contact.order_id = each.id
    _insert_rows(OrderContact, contacts)
    _attach([*orders, *lines, *allocations, *contacts])
    if backorder is not None:
        set_committed_value(backorder, "backorder_of", order)
        set_committed_value(order, "backorders", [backorder])
    return order


def _insert_rows(model: type[Any], objects: Sequence[Any]) -> None:
    """INSERT the objects' column values in one statement; their ids come back (in order)."""
    if not objects:
        return
    table = model.__table__
    columns = [c.key for c in table.columns if c.key != "id"]
    rows = [{name: getattr(obj, name) for name in columns} for obj in objects]
    ids = db.session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars().all()
    for obj, new_id in zip(objects, ids, strict=True):
        obj.id = new_id


def _attach(objects: list[Any]) -> None:
    """Put rows written with Core into the session as loaded objects, as new in this
    transaction: a rollback (of a savepoint too) takes them out again, as it does with what
    a flush inserted (the unit of work registers them the same way)."""
    for obj in objects:
        make_transient_to_detached(obj)
    for obj in objects:  # (adding an order cascades to its lines: all detached first)
        db.session.add(obj)
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    assert transaction is not None
    for obj in objects:
        transaction._new[inspect(obj)] = True


def _new_order(draft: Draft, actor: User, channel: Channel, number: int, now: datetime
               ) -> Order:
    order = Order(
        supplier_id=draft.supplier.id, supplier=draft.supplier,
        buyer_id=draft.buyer.id, buyer=draft.buyer, number=number,
        status=OrderStatus.PLACED, channel=channel,
        placed_by_id=actor.id, placed_by=actor,
        delivery_location_id=draft.location.id, delivery_location=draft.location,
        requested_delivery_date=draft.delivery_date,
        notes=draft.notes, po_number=draft.po_number, currency=draft.currency,
        subtotal=Decimal("0.00"), backorder_of_id=None, created_at=now, updated_at=now,
        status_changed_at=now, eta=None, expedited_at=None, expedite_reason=None,
        late_notified_at=None,
    )
    # A new order has none of these yet: saying so spares the response (and the listeners)
    # a query per collection.
    for name in ("backorders", "lines", "events", "shipments", "delays", "delivery_changes"):
        setattr(order, name, [])
    set_committed_value(order, "backorder_of", None)
    order.contacts = [OrderContact(**contact) for contact in draft.contacts]
    return order


def _new_line(line: DraftLine, quantity: int) -> OrderLine:
    product = line.product
    order_line = OrderLine(
        product_id=product.id, product=product, sku=product.sku, name=product.name,
        unit=product.unit, quantity=quantity, unit_price=line.unit_price,
        line_total=to_cents(line.unit_price * quantity),
    )
    order_line.allocations = []
    return order_line


def _reserve(plans: list[LinePlan], stock: Stock, order: Order, actor: User) -> None:
    """Reserve the plan on the levels `plan_stock` locked and read."""
    moves = [Move(take.level_id, reserved=take.quantity, reason="Reserved for a new order")
             for plan in plans for take in plan.takes]
    if moves:
        move_many(moves, MovementKind.RESERVATION, user_id=actor.id, order_id=order.id,
                  locked=stock.levels)


# -- small helpers ---------------------------------------------------------------------------


def _add(errors: dict[str, list[str]], path: str, message: str) -> None:
    errors.setdefault(path, []).append(message)


def _merge(errors: dict[str, list[str]], exc: ValidationFailed) -> None:
    for path, messages in exc.fields.items():
        for message in messages:
            _add(errors, path, message)


def _first_message(errors: dict[str, list[str]]) -> str:
    path, messages = next(iter(errors.items()))
    return f"{path}: {messages[0]}"


