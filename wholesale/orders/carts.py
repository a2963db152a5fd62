"""A buyer's carts (one per person per supplier, kept on the server), their live checks,
reordering a past order, and checkout through `place_order()`.

Quantities in a cart may break the rules for a while (the person is still typing); every line
says what is wrong — minimum, multiples, stock — and checkout is refused until it is fixed.
Checkout uses the cart's `checkout_key` as the idempotency key: a double click, or a reload
of the confirmation, returns the order the first click placed. The cart is emptied (and so
gets a new key) once its order is placed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wholesale.accounts.models import Organization, OrgKind, User
from wholesale.catalog.models import Product
from wholesale.catalog.pricing import to_cents, unit_price
from wholesale.db import MAX_ID
from wholesale.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.inventory.stock import availability
from wholesale.orders import idempotency, rules
from wholesale.orders.cart_models import Cart, CartItem
from wholesale.orders.models import Channel, Order, OrderingRules
from wholesale.orders.placement import PlacementResult, place_order
from wholesale.trading.models import TradingRelationship

MAX_ITEMS = 200


@dataclass
class CartLine:
    product: Product
    quantity: int
    unit_price: Decimal
    total: Decimal
    available: int
    problems: list[str] = field(default_factory=list)  # block checkout
    notes: list[str] = field(default_factory=list)  # worth knowing (backorders)

    def as_json(self) -> dict[str, Any]:
        return {"product_id": self.product.id, "quantity": self.quantity,
                "unit_price": f"{self.unit_price:.2f}", "line_total": f"{self.total:.2f}",
                "available": self.available, "problems": self.problems, "notes": self.notes}


@dataclass
class CartView:
    cart: Cart
    supplier: Organization
    rules: OrderingRules
    lines: list[CartLine]
    currency: str
    problems: list[str] = field(default_factory=list)  # the cart as a whole

    @property
    def subtotal(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def can_checkout(self) -> bool:
        return bool(self.lines) and not self.problems and not any(
            line.problems for line in self.lines)

    def as_json(self) -> dict[str, Any]:
        return {"supplier_id": self.supplier.id, "subtotal": f"{self.subtotal:.2f}",
                "currency": self.currency, "count": self.count, "problems": self.problems,
                "can_checkout": self.can_checkout,
                "lines": [line.as_json() for line in self.lines]}


# -- finding carts ---------------------------------------------------------------------------


def _buyer_of(user: User) -> Organization:
    org = user.organization
    if org.kind is not OrgKind.BUYER:
        raise Forbidden("Only buyers have carts.")
    return org


def carts_of(user: User) -> list[Cart]:
    """The person's non-empty carts, most recently changed first."""
    _buyer_of(user)
    stmt = (
        select(Cart).where(Cart.user_id == user.id)
        .options(selectinload(Cart.items).selectinload(CartItem.product))
        .order_by(Cart.updated_at.desc(), Cart.id.desc())
    )
    return [cart for cart in db.session.scalars(stmt) if cart.items]


def cart_for(user: User, supplier_id: Any, *, create: bool = False) -> Cart | None:
    buyer = _buyer_of(user)
    if isinstance(supplier_id, bool) or not isinstance(supplier_id, int) \
            or not 0 < supplier_id <= MAX_ID:
        return None
    stmt = select(Cart).where(Cart.user_id == user.id, Cart.supplier_id == supplier_id)
    cart = db.session.scalars(stmt).first()
    if cart is None and create:
        cart = Cart(buyer_id=buyer.id, user_id=user.id, supplier_id=supplier_id)
        db.session.add(cart)
        db.session.flush()
    return cart


def item_count(user: User) -> int:
    """How many lines the person's carts hold (for the navigation badge)."""
    if user.organization.kind is not OrgKind.BUYER:
        return 0
    return sum(len(cart.items) for cart in carts_of(user))


# -- changing carts --------------------------------------------------------------------------


def parse_quantity(value: Any, field_name: str = "quantity", *, allow_zero: bool = False) -> int:
    """A whole number from a form or JSON (`"12"` or `12`), else ValidationFailed."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip()) if len(value.strip()) <= 9 else rules.MAX_QUANTITY + 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.one(field_name, "Enter a whole number.")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationFailed.one(field_name, "Must be at least 1.")
    if value > rules.MAX_QUANTITY:
        raise ValidationFailed.one(field_name, f"Must be at most {rules.MAX_QUANTITY:,}.")
    return value


def orderable_product(buyer: Organization, product_id: Any) -> Product:
    """An active product of a supplier the buyer trades with, else ValidationFailed."""
    product = None
    if isinstance(product_id, str) and product_id.strip().isdigit():
        product_id = int(product_id.strip()) if len(product_id.strip()) <= 10 else 0
    if isinstance(product_id, int) and not isinstance(product_id, bool) \
            and 0 < product_id <= MAX_ID:
        stmt = (
            select(Product)
            .join(TradingRelationship, TradingRelationship.supplier_id == Product.supplier_id)
            .where(Product.id == product_id, TradingRelationship.buyer_id == buyer.id)
            .execution_options(all_tenants=True)
        )
        product = db.session.scalars(stmt).first()
    if product is None:
        raise ValidationFailed.one("product_id", "No such product in your suppliers' catalogs.")
    if not product.active:
        raise ValidationFailed.one("product_id", f"{product.sku} is no longer sold.")
    return product


def add_to_cart(user: User, product_id: Any, quantity: Any) -> CartItem:
    """Add `quantity` of the product to the person's cart for its supplier."""
    buyer = _buyer_of(user)
    amount = parse_quantity(quantity)
    product = orderable_product(buyer, product_id)
    cart = cart_for(user, product.supplier_id, create=True)
    assert cart is not None
    item = next((i for i in cart.items if i.product_id == product.id), None)
    if item is None:
        if len(cart.items) >= MAX_ITEMS:
            raise ValidationFailed.one("product_id",
                                       f"A cart holds at most {MAX_ITEMS} products.")
        item = CartItem(product=product, product_id=product.id, quantity=amount)
        cart.items.append(item)
    else:
        item.quantity = min(item.quantity + amount, rules.MAX_QUANTITY)
    _touch(cart)
    db.session.flush()
    return item


def set_quantity(user: User, product_id: int, quantity: Any) -> CartView:
    """Change a line's quantity (0 removes it); returns the cart as it now stands."""
    amount = parse_quantity(quantity, allow_zero=True)
    cart, item = _item(user, product_id)
    if amount == 0:
        cart.items.remove(item)
    else:
        item.quantity = amount
    _touch(cart)
    db.session.flush()
    return view_cart(user, cart)


def remove_item(user: User, product_id: int) -> Cart:
    cart, item = _item(user, product_id)
    cart.items.remove(item)
    _touch(cart)
    db.session.flush()
    return cart


def _item(user: User, product_id: int) -> tuple[Cart, CartItem]:
    _buyer_of(user)
    stmt = (
        select(CartItem).join(Cart)
        .where(Cart.user_id == user.id, CartItem.product_id == product_id)
    )
    item = db.session.scalars(stmt).first() if 0 < product_id <= MAX_ID else None
    if item is None:
        raise NotFound("That product is not in your cart.")
    return item.cart, item


def _touch(cart: Cart) -> None:
    from wholesale.db import utcnow

    cart.updated_at = utcnow()


# -- checking carts --------------------------------------------------------------------------


def view_cart(user: User, cart: Cart) -> CartView:
    """The cart with prices, totals and every problem, line by line."""
    buyer = _buyer_of(user)
    order_rules = rules.rules_for(cart.supplier_id)
    items = sorted(cart.items, key=lambda i: i.id or 0)
    stock = availability([item.product_id for item in items])
    backorders_ok = order_rules.accepts_backorders
    lines: list[CartLine] = []
    for item in items:
        lines.append(_check_line(buyer, item.product, item.quantity,
                                 stock.get(item.product_id, 0), backorders_ok))
    currency = lines[0].product.currency if lines else order_rules.currency
    view = CartView(cart, _supplier(cart.supplier_id), order_rules, lines, currency)
    if lines and not any(line.problems for line in lines):
        try:
            rules.check_min_order_value(order_rules, view.subtotal)
        except ValidationFailed as exc:
            view.problems.extend(msg for msgs in exc.fields.values() for msg in msgs)
    return view


def views_of(user: User) -> list[CartView]:
    return [view_cart(user, cart) for cart in carts_of(user)]


def _check_line(buyer: Organization, product: Product, quantity: int, available: int,
                backorders_ok: bool) -> CartLine:
    price = unit_price(buyer.id, product, quantity)
    line = CartLine(product, quantity, price, to_cents(price * quantity), max(available, 0))
    if not product.active:
        line.problems.append("No longer sold: remove it.")
    try:
        rules.check_line_quantity(product, quantity, "quantity")
    except ValidationFailed as exc:
        line.problems.extend(msg for msgs in exc.fields.values() for msg in msgs)
    if quantity > line.available:
        short = quantity - line.available
        if product.allow_backorder and backorders_ok:
            line.notes.append(
                f"Only {line.available} in stock: {short} will be backordered."
                if line.available else "Out of stock: the whole line will be backordered.")
        else:
            line.problems.append(
                f"Only {line.available} {product.unit} available." if line.available
                else "Out of stock.")
    return line


def _supplier(supplier_id: int) -> Organization:
    supplier = db.session.get(Organization, supplier_id,
                              execution_options={"all_tenants": True})
    assert supplier is not None
    return supplier


# -- reorder and checkout --------------------------------------------------------------------


@dataclass
class Reordered:
    cart: Cart
    added: int
    skipped: list[str]


def reorder(user: User, order_id: int) -> Reordered:
    """Put a past order's products and quantities (its backorders' too) in the cart."""
    buyer = _buyer_of(user)
    order = db.session.scalars(
        select(Order).where(Order.id == order_id, Order.buyer_id == buyer.id)
    ).first() if 0 < order_id <= MAX_ID else None
    if order is None:
        raise NotFound("Order not found.")
    wanted: dict[int, int] = {}
    names: dict[int, str] = {}
    for each in (order, *order.backorders):
        for line in each.lines:
            wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
            names[line.product_id] = f"{line.name} ({line.sku})"
    cart = cart_for(user, order.supplier_id, create=True)
    assert cart is not None
    added, skipped = 0, []
    for product_id, quantity in wanted.items():
        try:
            product = orderable_product(buyer, product_id)
        except ValidationFailed:
            skipped.append(names[product_id])
            continue
        item = next((i for i in cart.items if i.product_id == product_id), None)
        if item is None:
            cart.items.append(CartItem(product=product, product_id=product_id,
                                       quantity=quantity))
        else:
            item.quantity = quantity
        added += 1
    _touch(cart)
    db.session.flush()
    return Reordered(cart, added, skipped)


def checkout(user: User, supplier_id: int, checkout_key: str, form: Mapping[str, Any]
             ) -> PlacementResult:
    """Place the cart's order with the delivery details in `form` (delivery_location_id,
    requested_delivery_date, notes, po_number, contacts)."""
    buyer = _buyer_of(user)
    key = idempotency.clean_key(checkout_key)
    if key is None:
        raise ValidationFailed.one("checkout_key", "Open the checkout page again.")
    # The key stands for "this checkout": the same key always answers with its order.
    fingerprint = idempotency.fingerprint({"checkout": key})
    used = idempotency.find(buyer.id, key)
    cart = cart_for(user, supplier_id)
    if used is None:
        if cart is None or not cart.items:
            raise ValidationFailed.one("lines", "Your cart for this supplier is empty.")
        if cart.checkout_key != key:
            raise Conflict("Your cart changed since you opened the checkout page; review it "
                           "and place the order again.", code="cart_changed")
    lines: Sequence[dict[str, Any]] = [
        {"product_id": item.product_id, "quantity": item.quantity}
        for item in sorted(cart.items, key=lambda i: i.id)
    ] if cart is not None else []
    result = place_order(
        actor=user, buyer=buyer, supplier_id=supplier_id, lines=lines,
        requested_delivery_date=form.get("requested_delivery_date"),
        delivery_location_id=form.get("delivery_location_id"),
        notes=form.get("notes"), contacts=form.get("contacts"),
        po_number=form.get("po_number"), channel=Channel.PORTAL,
        idempotency_key=key, fingerprint=fingerprint,
    )
    if result.created and cart is not None:
        db.session.delete(cart)
        db.session.flush()
    return result
