"""`flask --app app seed-demo`: the demo supplier and buyer of CONTRACT.md §1 (idempotent)."""

from __future__ import annotations

from decimal import Decimal

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from wholesale import signals
from wholesale.accounts.models import Organization, OrgKind, Role, User
from wholesale.accounts.services import find_user_by_email
from wholesale.demo_catalog import seed_catalog
from wholesale.demo_fulfilment import seed_fulfilment
from wholesale.demo_history import seed_history
from wholesale.demo_invoicing import seed_invoicing
from wholesale.demo_orders import seed_orders
from wholesale.demo_people import DEMO_PASSWORD, demo_user
from wholesale.demo_routes import seed_routes
from wholesale.demo_standing import seed_standing
from wholesale.extensions import db
from wholesale.sites.models import DeliveryLocation, Warehouse
from wholesale.trading.models import PaymentTerms
from wholesale.trading.services import connect

SUPPLIER_EMAIL = "supplier@demo.ordertalk.test"
BUYER_EMAIL = "buyer@demo.ordertalk.test"

_SUPPLIER_TEAM = [
    ("Maya Lindqvist", "maya.ops@demo.ordertalk.test", "+15555550111"),
    ("Tom Okafor", "tom.warehouse@demo.ordertalk.test", "+15555550112"),
]
_BUYER_TEAM = [("Luca Romano", "luca.kitchen@demo.ordertalk.test", "+15555550122")]
_WAREHOUSES = [
    ("Oakland Central", "1200 Embarcadero, Oakland, CA 94606", "37.789000", "-122.259000"),
    ("Sacramento North", "4800 Marconi Ave, Sacramento, CA 95821", "38.617000", "-121.383000"),
]
_LOCATIONS = [
    (
        "Bistro Verde — Mission",
        "2100 Mission St, San Francisco, CA 94110",
        "37.763000",
        "-122.419000",
        "+15555550130",
        "receiving@bistroverde.demo.ordertalk.test",
    ),
    (
        "Bistro Verde — Berkeley",
        "2000 Shattuck Ave, Berkeley, CA 94704",
        "37.870000",
        "-122.268000",
        "+15555550131",
        None,
    ),
]


def _org_of(email: str, kind: OrgKind, name: str, owner_name: str, phone: str) -> Organization:
    user = find_user_by_email(email)
    if user is not None:
        return user.organization
    org = Organization(kind=kind, name=name)
    db.session.add(org)
    demo_user(org, name=owner_name, email=email, phone=phone, role=Role.OWNER)
    db.session.flush()
    return org


def _staff(org: Organization, people: list[tuple[str, str, str]]) -> None:
    for name, email, phone in people:
        if find_user_by_email(email) is None:
            demo_user(org, name=name, email=email, phone=phone, role=Role.STAFF)


def seed_demo(*, history: bool = True) -> tuple[Organization, Organization]:
    """Create whatever part of the demo data is missing; never duplicate. `history=False`
    leaves out the three back-dated months (most of the seeding time), for tests about the
    rest."""
    supplier = _org_of(
        SUPPLIER_EMAIL, OrgKind.SUPPLIER, "Golden Gate Provisions", "Sam Rivera", "+15555550110"
    )
    buyer = _org_of(BUYER_EMAIL, OrgKind.BUYER, "Bistro Verde", "Ana Costa", "+15555550120")
    _staff(supplier, _SUPPLIER_TEAM)
    _staff(buyer, _BUYER_TEAM)
    existing = set(
        db.session.scalars(select(Warehouse.name).where(Warehouse.supplier_id == supplier.id))
    )
    for name, address, lat, lng in _WAREHOUSES:
        if name not in existing:
            db.session.add(
                Warehouse(
                    supplier=supplier,
                    name=name,
                    address=address,
                    latitude=Decimal(lat),
                    longitude=Decimal(lng),
                )
            )
    existing = set(
        db.session.scalars(
            select(DeliveryLocation.name).where(DeliveryLocation.buyer_id == buyer.id)
        )
    )
    for name, address, lat, lng, phone, email in _LOCATIONS:
        if name not in existing:
            db.session.add(
                DeliveryLocation(
                    buyer=buyer,
                    name=name,
                    address=address,
                    latitude=Decimal(lat),
                    longitude=Decimal(lng),
                    contact_phone=phone,
                    contact_email=email,
                )
            )
    relationship = connect(supplier, buyer)
    if not relationship.notes:
        relationship.payment_terms = PaymentTerms.NET_30
        relationship.notes = "Deliveries before 10am, use the back entrance on 18th St."
    db.session.flush()
    # Each step is idempotent and builds on the previous one.
    seed_catalog(supplier, buyer)
    past = seed_history(supplier, buyer) if history else []
    seed_orders(supplier, buyer)
    seed_fulfilment(supplier, buyer)
    seed_invoicing(supplier, buyer)
    seed_routes(supplier)
    seed_standing(supplier, buyer)
    signals.demo_seeded.send(supplier, buyer=buyer, history=past)
    return supplier, buyer


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed a database that has no users yet.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo data (idempotent)."""
    if (
        if_empty
        and db.session.scalar(select(User.id).limit(1).execution_options(all_tenants=True))
        is not None
    ):
        click.echo("Database already has data; demo seed skipped.")
        return
    seed_demo()
    db.session.commit()
    click.echo(
        f"Demo data ready. Sign in as {SUPPLIER_EMAIL} or {BUYER_EMAIL} (password {DEMO_PASSWORD})."
    )
