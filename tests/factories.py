"""Building organizations, people and their things for tests, through the real services."""

from __future__ import annotations

import itertools
from decimal import Decimal

from wholesale.accounts import services as accounts
from wholesale.accounts.models import Organization, OrgKind, Role, User
from wholesale.extensions import db
from wholesale.sites import services as sites
from wholesale.sites.models import DeliveryLocation, Warehouse
from wholesale.trading.models import TradingRelationship
from wholesale.trading.services import connect

PASSWORD = "correct horse battery"

_seq = itertools.count(1)


class Factory:
    """`factory.supplier()`, `factory.buyer()`, `factory.user(org)`, … (flushed, not committed)."""

    def organization(self, kind: OrgKind, name: str | None = None) -> Organization:
        n = next(_seq)
        org = Organization(kind=kind, name=name or f"{kind.value.title()} {n}")
        db.session.add(org)
        self.user(org, role=Role.OWNER)
        db.session.flush()
        return org

    def supplier(self, name: str | None = None) -> Organization:
        return self.organization(OrgKind.SUPPLIER, name)

    def buyer(self, name: str | None = None) -> Organization:
        return self.organization(OrgKind.BUYER, name)

    def user(
        self,
        org: Organization,
        role: Role = Role.STAFF,
        email: str | None = None,
        phone: str | None = None,
    ) -> User:
        n = next(_seq)
        user = accounts._new_user(
            org,
            name=f"Person {n}",
            email=email or f"person{n}@example.test",
            password=PASSWORD,
            phone=phone,
            role=role,
        )
        db.session.flush()
        return user

    def owner(self, org: Organization) -> User:
        return next(u for u in org.users if u.role is Role.OWNER)

    def connect(self, supplier: Organization, buyer: Organization) -> TradingRelationship:
        rel = connect(supplier, buyer)
        db.session.flush()
        return rel

    def warehouse(
        self, supplier: Organization, name: str = "Main", lat: str = "37.8", lng: str = "-122.27"
    ) -> Warehouse:
        return sites.add_warehouse(
            supplier,
            name=name,
            address=f"{name} street 1",
            latitude=Decimal(lat),
            longitude=Decimal(lng),
        )

    def location(
        self, buyer: Organization, name: str = "Kitchen", lat: str = "37.76", lng: str = "-122.42"
    ) -> DeliveryLocation:
        return sites.add_location(
            buyer,
            name=name,
            address=f"{name} avenue 2",
            latitude=Decimal(lat),
            longitude=Decimal(lng),
        )

    def stocked_products(self, supplier: Organization,
                         catalog: list[tuple[str, str, str, int, str, int]]) -> dict[str, int]:
        """`catalog` rows (sku, name, unit, case size, price, on hand) as the supplier's
        products, in stock in a new warehouse: {sku: product id}."""
        from wholesale.catalog.models import Product
        from wholesale.inventory import ledger
        from wholesale.inventory.models import MovementKind

        warehouse = self.warehouse(supplier)
        products = {}
        for sku, name, unit, case_size, price, on_hand in catalog:
            product = Product(supplier_id=supplier.id, sku=sku, name=name, unit=unit,
                              case_size=case_size, price=Decimal(price), currency="USD")
            db.session.add(product)
            db.session.flush()
            level = ledger.get_or_create_level(supplier.id, warehouse.id, product.id)
            ledger.move(level.id, MovementKind.ADJUSTMENT, on_hand=on_hand, reason="start")
            products[sku] = product.id
        return products

    def token(self, user: User) -> str:
        token, _ = accounts.create_api_token(user, "test")
        return token
