"""Three months of trading behind the demo (idempotent), so dashboards, aging, reorders and
charts have real shapes: a dozen kitchens (the delivery-run demo's buyers, each with its
own location and, for half of them, a price list) and the demo buyer order from Golden
Gate on their usual weekdays; the demo buyer and three kitchens buy bread from the second
supplier (`demo_bakery`).

Every order is placed, worked, shipped, delivered, invoiced and paid by the real services
as of the moment it happened (`wholesale.db.replay_at`), so timelines, chat events, stock
ledger, invoice numbers and due dates agree; nobody is notified about the past. A seeded
random makes the same history every time: most orders arrive on time, a few are delayed,
delivered late or cancelled, a few lines wait on a backorder, and two slow payers leave
invoices overdue. Goods sold are received as one vendor delivery per product before the
first order, so the catalog's stock ends where `demo_catalog` put it.

The history is written once: its orders carry the idempotency key `demo-history:<n>`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from wholesale.accounts.models import Organization, Role, User
from wholesale.catalog.models import PriceList, Product
from wholesale.catalog.price_lists import replace as replace_price_list
from wholesale.db import replay_at, utcnow
from wholesale.demo_bakery import KITCHENS as BAKERY_KITCHENS
from wholesale.demo_bakery import seed_bakery
from wholesale.demo_routes import _KITCHENS, kitchen
from wholesale.extensions import db
from wholesale.fulfilment import delays, delivery, machine, shipments
from wholesale.inventory import stock
from wholesale.invoicing import issuing, payments
from wholesale.invoicing.clock import local_today
from wholesale.invoicing.models import OPEN_STATUSES, Invoice, InvoiceStatus
from wholesale.orders import rules
from wholesale.orders.models import Channel, IdempotencyKey, Order, OrderStatus
from wholesale.orders.placement import place_order
from wholesale.sites.models import DeliveryLocation, Warehouse
from wholesale.trading.models import PaymentTerms, TradingRelationship

S = OrderStatus
DAYS = 91
SEED = 1818
KEY = "demo-history:{}"
# Kitchens n → (order weekdays, 0 = Monday; how they pay). "slow": nothing younger than 40
# days is paid, so some invoices are overdue; "late": a week or two after the due date.
_HABITS = [((0,), "prompt"), ((1,), "prompt"), ((2,), "prompt"), ((3,), "late"),
           ((4,), "slow"), ((2,), "prompt"), ((0,), "prompt"), ((4,), "late"),
           ((1,), "prompt"), ((3,), "slow"), ((0,), "prompt"), ((1,), "prompt")]
_TERMS = [PaymentTerms.NET_30, PaymentTerms.NET_15, PaymentTerms.NET_30, PaymentTerms.NET_7]
_CHANNELS = [Channel.PORTAL] * 5 + [Channel.API, Channel.PHONE, Channel.CSV]
_CANCEL_REASONS = ["Ordered twice by mistake, sorry!", "Private event cancelled this week.",
                   "Menu change: we won't need these."]
_DELAY_REASONS = ["The refrigerated van is in the shop; your order goes out tomorrow.",
                  "Our produce truck from Salinas is late; we deliver first thing tomorrow."]


@dataclass
class Plan:
    supplier: Organization
    buyer: Organization
    placed_by: User
    location: DeliveryLocation
    placed_at: datetime
    delivery_day: date
    lines: list[tuple[Product, int]]
    channel: Channel
    fate: str  # "on_time", "late", "delayed", "cancelled"
    pays: str


def seed_history(supplier: Organization, buyer: Organization,
                 now: datetime | None = None) -> list[Order]:
    """Write the history if it is missing; returns its orders (none when it was there)."""
    now = now or utcnow()
    with replay_at(now - timedelta(days=DAYS + 7)):  # customers since before the history
        kitchens = [kitchen(supplier, n)[0] for n in range(len(_KITCHENS))]
        bakery = seed_bakery(buyer, kitchens)
        _kitchen_terms(supplier, kitchens)
    done = db.session.scalar(select(IdempotencyKey.id).where(
        IdempotencyKey.key == KEY.format(0)).execution_options(all_tenants=True))
    if done is not None:
        return []
    rng = random.Random(SEED)
    plans = _plans(rng, now, supplier, buyer, kitchens, bakery)
    if not plans:
        return []
    _restock(plans, now)
    orders = [_live(n, plan, rng, now) for n, plan in enumerate(plans)]
    _flag_overdue([supplier, bakery], now)
    db.session.flush()
    return orders


def _owner(org: Organization) -> User:
    return next((u for u in org.users if u.role is Role.OWNER), org.users[0])


def _kitchen_terms(supplier: Organization, kitchens: list[Organization]) -> None:
    """Payment terms and, for every other kitchen, a price list (a discount and one fixed
    price); a relationship that has its price list keeps it."""
    skus = ["PRD-TOM-RM", "DRY-MLK-WH", "DGS-PAS-SP", "MEA-CHK-BR", "BEV-WAT-SP", "DRY-CRM-HV"]
    products = {p.sku: p for p in db.session.scalars(select(Product).where(
        Product.supplier_id == supplier.id, Product.sku.in_(skus))
        .execution_options(all_tenants=True))}
    for n, org in enumerate(kitchens):
        rel = db.session.scalars(select(TradingRelationship).where(
            TradingRelationship.supplier_id == supplier.id,
            TradingRelationship.buyer_id == org.id).execution_options(all_tenants=True)).one()
        if rel.notes:
            continue
        rel.payment_terms = _TERMS[n % len(_TERMS)]
        rel.notes = f"Receiving {_KITCHENS[n][4]}:00–{_KITCHENS[n][5]}:00; side door."
        has_list = db.session.scalar(select(PriceList.id).where(
            PriceList.relationship_id == rel.id).execution_options(all_tenants=True))
        sku = skus[n % len(skus)]
        if n % 2 == 0 and has_list is None and sku in products:
            fixed = (products[sku].price * Decimal("0.9")).quantize(Decimal("0.01"))
            replace_price_list(supplier, rel.id, {
                "name": f"{org.name} terms", "discount_percent": Decimal(3 + n % 5),
                "items": [{"product_id": products[sku].id, "fixed_price": fixed,
                           "discount_percent": None}]})
    db.session.flush()


def _plans(rng: random.Random, now: datetime, supplier: Organization, buyer: Organization,
           kitchens: list[Organization], bakery: Organization) -> list[Plan]:
    """Who orders what when: the buyers' habits over the last DAYS days, up to the orders
    due before the next delivery day (that day belongs to the delivery-run demo)."""
    customers: list[tuple[Organization, Organization, tuple[int, ...], str]] = [
        (supplier, buyer, (0,), "prompt")]
    customers += [(supplier, k, *_HABITS[n % len(_HABITS)]) for n, k in enumerate(kitchens)]
    customers += [(bakery, buyer, (1,), "prompt")]
    customers += [(bakery, kitchens[n], (5,), "prompt") for n in BAKERY_KITCHENS
                  if n < len(kitchens)]
    plans = []
    for seller, customer, weekdays, pays in customers:
        plans += _customer_plans(rng, now, seller, customer, weekdays, pays)
    return sorted(plans, key=lambda p: p.placed_at)


def _customer_plans(rng: random.Random, now: datetime, seller: Organization,
                    customer: Organization, weekdays: tuple[int, ...], pays: str
                    ) -> list[Plan]:
    ordering = rules.rules_for(seller.id)
    zone = ZoneInfo(ordering.timezone or rules.DEFAULT_TIMEZONE)
    today = now.astimezone(zone).date()
    horizon = rules.valid_delivery_dates(ordering, now, 1)[0]
    menu = _menu(seller)
    if not menu:
        return []
    favourites = rng.sample(menu, min(len(menu), 6))
    locations = list(db.session.scalars(select(DeliveryLocation).where(
        DeliveryLocation.buyer_id == customer.id).order_by(DeliveryLocation.id)
        .execution_options(all_tenants=True)))
    backorderable = [p for p in _active(seller) if p.allow_backorder]
    minimum = (ordering.min_order_value or Decimal("0")) * Decimal("1.2")
    plans = []
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        # Busier lately (the dashboards' 30 days), sparser before: seeding stays quick.
        if day.weekday() not in weekdays or rng.random() > (0.55 if back <= 35 else 0.15):
            continue
        placed_local = datetime.combine(day, time(7), zone) + timedelta(
            minutes=rng.randrange(0, 6 * 60))
        placed_at = placed_local.astimezone(UTC)
        delivery_day = rules.valid_delivery_dates(ordering, placed_at, 1)[0]
        if delivery_day >= horizon:
            break
        picks = rng.sample(favourites, rng.randint(2, min(4, len(favourites))))
        lines = [(p, rules.smallest_valid_quantity(p) * rng.randint(1, 4)) for p in picks]
        while sum((p.price * q for p, q in lines), Decimal("0")) < minimum:
            lines = [(p, q + rules.smallest_valid_quantity(p)) for p, q in lines]
        if backorderable and back < 40 and rng.random() < 0.15:
            extra = backorderable[0]
            lines.append((extra, rules.smallest_valid_quantity(extra) * rng.randint(1, 3)))
        roll = rng.random()
        fate = ("cancelled" if roll < 0.04 else "delayed" if roll < 0.09
                else "late" if roll < 0.14 else "on_time")
        plans.append(Plan(seller, customer, _owner(customer),
                          locations[len(plans) % len(locations)], placed_at, delivery_day,
                          lines, rng.choice(_CHANNELS), fate, pays))
    return plans


def _active(seller: Organization) -> list[Product]:
    return list(db.session.scalars(select(Product).where(
        Product.supplier_id == seller.id, Product.archived_at.is_(None))
        .order_by(Product.sku).execution_options(all_tenants=True)))


def _menu(seller: Organization) -> list[Product]:
    """What a customer might order: stocked products (not the ones sold out for good)."""
    level = stock.availability([p.id for p in _active(seller)])
    return [p for p in _active(seller) if level.get(p.id, 0) > 0 and not p.allow_backorder]


def _restock(plans: list[Plan], now: datetime) -> None:
    """One vendor delivery per product, before the first order, of everything the history
    will sell (cancelled orders and backordered lines put nothing back)."""
    wanted: Counter[tuple[int, int]] = Counter()
    sellers = {}
    for plan in plans:
        if plan.fate == "cancelled":
            continue
        for product, quantity in plan.lines:
            if not product.allow_backorder:
                wanted[(plan.supplier.id, product.id)] += quantity
                sellers[plan.supplier.id] = plan.supplier
    first = plans[0].placed_at - timedelta(days=1)
    with replay_at(first):
        for (seller_id, product_id), quantity in wanted.items():
            seller = sellers[seller_id]
            home = _nearest_warehouse(seller)
            stock.receive(_owner(seller), home.id, product_id, quantity,
                          "Vendor delivery (demo history)")


def _nearest_warehouse(seller: Organization) -> Warehouse:
    return db.session.scalars(select(Warehouse).where(Warehouse.supplier_id == seller.id)
                              .order_by(Warehouse.id).execution_options(all_tenants=True)
                              ).first()


def _local(plan: Plan, day: date, hour: int, minutes: int = 0) -> datetime:
    """`minutes` past `hour` on `day` in the supplier's time zone, in UTC."""
    zone = ZoneInfo(rules.rules_for(plan.supplier.id).timezone or rules.DEFAULT_TIMEZONE)
    return (datetime.combine(day, time(hour), zone) + timedelta(minutes=minutes)
            ).astimezone(UTC)


def _live(n: int, plan: Plan, rng: random.Random, now: datetime) -> Order:
    """Place the order and live its life up to `now`."""
    staff = _owner(plan.supplier)
    with replay_at(plan.placed_at):
        order = place_order(
            actor=plan.placed_by, buyer=plan.buyer, supplier_id=plan.supplier.id,
            lines=[{"product_id": p.id, "quantity": q} for p, q in plan.lines],
            requested_delivery_date=plan.delivery_day, delivery_location_id=plan.location.id,
            channel=plan.channel, idempotency_key=KEY.format(n),
            po_number=f"{plan.buyer.name[:2].upper()}-{4100 + n}"
            if plan.channel is Channel.API else None).order
    steps: list[tuple[datetime, Callable[[], object]]] = []
    if plan.fate == "cancelled":
        steps.append((plan.placed_at + timedelta(minutes=rng.randrange(15, 90)),
                      lambda: machine.transition(order, S.CANCELLED, plan.placed_by,
                                                 rng.choice(_CANCEL_REASONS))))
    else:
        # Shipping walks the order through received, picking and packed (fewer steps keep
        # seeding quick; the figures only need the times of placing, shipping, delivery).
        ship_day = plan.delivery_day
        eve = ship_day - timedelta(days=1)
        if plan.fate == "delayed":
            ship_day += timedelta(days=1)
            steps.append((_local(plan, eve, 17, 30), lambda: delays.post_delay(
                order, staff, reason=rng.choice(_DELAY_REASONS), new_eta=ship_day)))
        elif plan.fate == "late":
            ship_day += timedelta(days=1)
        shipped = _local(plan, ship_day, 6, rng.randrange(0, 75))
        steps.append((shipped, lambda: _ship(order, staff, plan.pays, now - shipped)))
        steps.append((_local(plan, ship_day, 8, rng.randrange(30, 180)),
                      lambda: delivery.deliver(order, staff, "Signed at the door")))
    for moment, step in steps:
        if moment > now:
            break
        with replay_at(moment):
            step()
    _cancel_stale_backorders(order, staff, now, rng)
    return order


def _ship(order: Order, staff: User, pays: str, age: timedelta) -> None:
    """Ship everything, invoice it, and record the payment if it has come in by now
    (`age` ago is the moment of shipping)."""
    shipments.ship(order, staff, carrier="Own van", tracking_number="")
    invoice = issuing.issue(order.id, staff)
    if pays == "slow" and age < timedelta(days=40):
        return
    days = {"prompt": -2, "late": 9, "slow": 12}[pays] + order.id % 5
    paid = max(datetime.combine(invoice.due_date, time(17), UTC) + timedelta(days=days),
               utcnow() + timedelta(hours=6))
    if paid > utcnow() + age:
        return
    with replay_at(paid):
        payments.pay_invoice(staff, invoice.id, amount=invoice.total, paid_on=paid.date(),
                             method="bank_transfer", reference=f"ACH {880000 + invoice.id}")


def _cancel_stale_backorders(order: Order, staff: User, now: datetime,
                             rng: random.Random) -> None:
    """A backorder older than two weeks was given up on; newer ones still wait."""
    for backorder in order.backorders:
        if now - order.created_at > timedelta(days=14):
            with replay_at(order.created_at + timedelta(days=rng.randint(5, 9))):
                machine.transition(backorder, S.CANCELLED, staff,
                                   "The grower has none this season; cancelled, sorry.")


def _flag_overdue(sellers: list[Organization], now: datetime) -> None:
    """What the daily job would have done by now (quietly: it is history too)."""
    for seller in sellers:
        today = local_today(seller.id, now)
        for invoice in db.session.scalars(select(Invoice).where(
                Invoice.supplier_id == seller.id, Invoice.status.in_(OPEN_STATUSES),
                Invoice.due_date < today).execution_options(all_tenants=True)):
            invoice.status = InvoiceStatus.OVERDUE
