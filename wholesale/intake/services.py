"""Intake against the database: load what `parser.parse()` needs for a (supplier, buyer)
pair — the active catalog, the buyer's recent orders, learned aliases, the delivery rules —
and remember corrections with `teach()`. Reads only, except `teach()`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from wholesale.accounts.models import Organization, OrgKind, User
from wholesale.catalog.models import Product
from wholesale.db import is_id, utcnow
from wholesale.errors import NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.intake.catalog import (
    Aliases,
    BuyerHistory,
    DeliveryRules,
    PastOrder,
    products_from,
)
from wholesale.intake.matching import CatalogIndex, phrase_key
from wholesale.intake.models import PHRASE_LENGTH, IntakeAlias
from wholesale.intake.parser import ParseResult, parse
from wholesale.orders.models import Order, OrderLine, OrderStatus
from wholesale.orders.ordering import customer_of
from wholesale.orders.rules import rules_for, zone_of
from wholesale.trading.models import TradingRelationship

HISTORY_ORDERS = 12  # the buyer's most recent orders that count as history
PROMOTE_AFTER = 2  # distinct buyers teaching the same phrase → product make it supplier-wide


def parties(actor: User, supplier_id: int | None, buyer_id: int | None) -> tuple[int, int]:
    """(supplier id, buyer id) for the caller: a buyer names a connected supplier, a supplier
    names one of its customers; anything else is 404 (or 422 when the id is missing)."""
    org = actor.organization
    if org.kind is OrgKind.SUPPLIER:
        if buyer_id is None:
            raise ValidationFailed.one("buyer_id", "Name the customer whose message this is.")
        if supplier_id is not None and supplier_id != org.id:
            raise NotFound("Supplier not found.")
        return org.id, customer_of(org, buyer_id).id
    if buyer_id is not None and buyer_id != org.id:
        raise ValidationFailed.one("buyer_id", "Only a supplier reads a customer's message.")
    if supplier_id is None:
        raise ValidationFailed.one("supplier_id", "Choose the supplier the message is for.")
    connected = is_id(supplier_id) and db.session.scalar(
        select(TradingRelationship.id).where(TradingRelationship.supplier_id == supplier_id,
                                             TradingRelationship.buyer_id == org.id))
    if not connected:
        raise NotFound("Supplier not found.")
    return supplier_id, org.id


def read_message(actor: User, text: str, *, supplier_id: int | None = None,
                 buyer_id: int | None = None, today: date | None = None) -> ParseResult:
    """`POST /api/v1/intake/parse`: the draft `text` would make. No side effects."""
    supplier, buyer = parties(actor, supplier_id, buyer_id)
    return read_for(supplier, buyer, text, today=today)


def read_for(supplier_id: int, buyer_id: int, text: str, *, today: date | None = None,
             now: datetime | None = None) -> ParseResult:
    """Parse `text` from `buyer_id` to `supplier_id` (the caller has checked they trade).
    `today` pins relative dates: the message counts as sent at the start of that day in the
    supplier's time zone; otherwise at `now` (default: the current time)."""
    rules = DeliveryRules.of(rules_for(supplier_id))
    if today is not None:
        now = datetime.combine(today, time(0, 0), tzinfo=zone_of(rules))  # type: ignore[arg-type]
    return parse(text, catalog_index(supplier_id), buyer_history(supplier_id, buyer_id),
                 aliases_for(supplier_id, buyer_id), now=now or utcnow(), rules=rules)


def catalog_index(supplier_id: int) -> CatalogIndex:
    rows = db.session.execute(
        select(Product.id, Product.sku, Product.name, Product.unit, Product.case_size,
               Product.min_order_qty, Product.order_multiple, Product.category)
        .where(Product.supplier_id == supplier_id, Product.archived_at.is_(None))
        .order_by(Product.id)
        .execution_options(all_tenants=True)
    ).all()
    return CatalogIndex(products_from(rows))


def buyer_history(supplier_id: int, buyer_id: int) -> BuyerHistory:
    """The buyer's last HISTORY_ORDERS orders with the supplier (not cancelled, not
    backorders split off another order), newest first."""
    orders = db.session.execute(
        select(Order.id, Order.created_at)
        .where(Order.supplier_id == supplier_id, Order.buyer_id == buyer_id,
               Order.status != OrderStatus.CANCELLED, Order.backorder_of_id.is_(None))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(HISTORY_ORDERS)
        .execution_options(all_tenants=True)
    ).all()
    if not orders:
        return BuyerHistory()
    lines: dict[int, dict[int, int]] = defaultdict(dict)
    for order_id, product_id, quantity in db.session.execute(
        select(OrderLine.order_id, OrderLine.product_id, OrderLine.quantity)
        .where(OrderLine.order_id.in_([o.id for o in orders]))
        .execution_options(all_tenants=True)
    ):
        lines[order_id][product_id] = lines[order_id].get(product_id, 0) + quantity
    return BuyerHistory(tuple(PastOrder(o.created_at.date(), lines[o.id]) for o in orders))


def aliases_for(supplier_id: int, buyer_id: int) -> Aliases:
    own = db.session.execute(
        select(IntakeAlias.phrase, IntakeAlias.product_id)
        .where(IntakeAlias.supplier_id == supplier_id, IntakeAlias.buyer_id == buyer_id)
        .execution_options(all_tenants=True)
    ).all()
    return Aliases(buyer=dict(own), supplier=supplier_aliases(supplier_id))


def supplier_aliases(supplier_id: int) -> dict[str, int]:
    """Phrases at least PROMOTE_AFTER buyers taught the same product; when two products
    qualify for one phrase, the one more buyers taught (a tie counts for neither)."""
    buyers = func.count(IntakeAlias.buyer_id.distinct())
    rows = db.session.execute(
        select(IntakeAlias.phrase, IntakeAlias.product_id, buyers)
        .where(IntakeAlias.supplier_id == supplier_id)
        .group_by(IntakeAlias.phrase, IntakeAlias.product_id)
        .having(buyers >= PROMOTE_AFTER)
        .execution_options(all_tenants=True)
    ).all()
    best: dict[str, tuple[int, int | None]] = {}
    for phrase, product_id, count in rows:
        held = best.get(phrase)
        if held is None or count > held[0]:
            best[phrase] = (count, product_id)
        elif count == held[0]:
            best[phrase] = (count, None)
    return {phrase: pid for phrase, (_, pid) in best.items() if pid is not None}


def teach(supplier_id: int, buyer_id: int, phrase: str, product_id: int,
          taught_by: User | None = None) -> IntakeAlias:
    """Remember that `phrase` from this buyer means `product_id` (a correction of a draft
    line). Teaching the same phrase again changes what it means. Flushes."""
    key = phrase_key(phrase)
    if not key:
        raise ValidationFailed.one("phrase", "The phrase has no words that could name a product.")
    if len(key) > PHRASE_LENGTH:
        raise ValidationFailed.one("phrase", f"Keep the phrase under {PHRASE_LENGTH} characters.")
    product = db.session.get(Product, product_id) if is_id(product_id) else None
    if product is None or product.supplier_id != supplier_id or not product.active:
        raise ValidationFailed.one("product_id", "Not an active product of this supplier.")
    if db.session.get(Organization, buyer_id) is None:
        raise NotFound("Buyer not found.")
    alias = _alias(supplier_id, buyer_id, key)
    if alias is None:
        alias = IntakeAlias(supplier_id=supplier_id, buyer_id=buyer_id, phrase=key,
                            product_id=product_id,
                            taught_by_id=taught_by.id if taught_by else None)
        try:
            with db.session.begin_nested():
                db.session.add(alias)
            return alias
        except IntegrityError:  # the same buyer taught the same phrase at the same moment
            alias = _alias(supplier_id, buyer_id, key)
            assert alias is not None
    alias.product_id = product_id
    alias.taught_by_id = taught_by.id if taught_by else alias.taught_by_id
    db.session.flush()
    return alias


def _alias(supplier_id: int, buyer_id: int, key: str) -> IntakeAlias | None:
    return db.session.scalar(
        select(IntakeAlias).where(IntakeAlias.supplier_id == supplier_id,
                                  IntakeAlias.buyer_id == buyer_id, IntakeAlias.phrase == key)
        .execution_options(all_tenants=True))
