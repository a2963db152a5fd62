"""What the order pages show, gathered in one call per page (the views only render)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from wholesale.accounts.models import Organization, OrgKind, User
from wholesale.api.pagination import Page
from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.errors import NotFound
from wholesale.extensions import db
from wholesale.orders import carts, queries, rules
from wholesale.orders.forms import ListFilters
from wholesale.orders.models import OrderingRules, OrderStatus
from wholesale.orders.ordering import customer_of
from wholesale.sites.models import DeliveryLocation
from wholesale.sites.services import locations_of
from wholesale.trading.services import Partner, partner_names, relationships_of

PAGE_SIZE = 25


@dataclass
class DeliveryChoices:
    locations: list[DeliveryLocation]
    dates: list[date]
    rules: OrderingRules

    @property
    def cutoff(self) -> str:
        return f"{self.rules.cutoff_time:%H:%M} ({rules.zone_of(self.rules).key})"

    @property
    def days(self) -> str:
        return rules.describe_days(self.rules)


def delivery_choices(buyer: Organization, supplier_id: int) -> DeliveryChoices:
    order_rules = rules.rules_for(supplier_id)
    return DeliveryChoices(locations_of(buyer),
                           rules.valid_delivery_dates(order_rules, utcnow()), order_rules)


@dataclass
class CheckoutPage:
    cart: carts.CartView
    choices: DeliveryChoices


def checkout_page(user: User, supplier_id: int | None) -> CheckoutPage:
    """The cart to check out (the only one, or the supplier's) and the delivery choices."""
    views = carts.views_of(user)
    chosen = [v for v in views if supplier_id is None or v.supplier.id == supplier_id]
    if not chosen:
        raise NotFound("There is nothing in your cart for this supplier.")
    view = chosen[0]
    return CheckoutPage(view, delivery_choices(user.organization, view.supplier.id))


@dataclass
class OrderList:
    page: Page
    filters: ListFilters
    partners: list[Partner]
    statuses: list[OrderStatus] = field(default_factory=lambda: list(OrderStatus))


def order_list(user: User, filters: ListFilters, cursor: str | None) -> OrderList:
    org = user.organization
    page = queries.list_orders(org, queries.OrderFilters(**filters.values), limit=PAGE_SIZE,
                               cursor=cursor, details=False)
    return OrderList(page, filters, partner_names(org))


@dataclass
class PhoneOrderPage:
    customers: list[Organization]
    buyer: Organization | None = None
    products: list[Product] = field(default_factory=list)
    choices: DeliveryChoices | None = None


def phone_order_page(user: User, buyer_id: Any) -> PhoneOrderPage:
    """A supplier's form for a customer's order: its customers; once one is chosen, the
    catalog and the customer's delivery choices."""
    supplier = user.organization
    customers = sorted((rel.buyer for rel in relationships_of(supplier)),
                       key=lambda b: b.name.lower())
    page = PhoneOrderPage(customers)
    if buyer_id in (None, ""):
        return page
    page.buyer = customer_of(supplier, buyer_id)
    page.products = list(db.session.scalars(
        select(Product).where(Product.supplier_id == supplier.id,
                              Product.archived_at.is_(None))
        .order_by(Product.category, Product.name)))
    page.choices = delivery_choices(page.buyer, supplier.id)
    return page


def is_buyer(user: User) -> bool:
    return user.organization.kind is OrgKind.BUYER
