"""Demo delivery runs (idempotent): a driver (`driver@demo.ordertalk.test`), a van per
warehouse, a dozen kitchens around the first warehouse with receiving windows, each with an
order packed for the next delivery day (PO `DEMO-RUN-<n>`), and that day's run planned.

Kitchens, orders, vans and the driver are found by their email, PO number and warehouse, so
seeding again adds nothing; the run is planned only when the day has none yet."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from sqlalchemy import select

from wholesale.accounts.models import Organization, OrgKind, Role, User
from wholesale.accounts.services import find_user_by_email
from wholesale.db import utcnow
from wholesale.demo_fulfilment import _products, _quantity
from wholesale.demo_people import demo_user
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment import machine
from wholesale.orders import rules
from wholesale.orders.models import Channel, Order, OrderStatus
from wholesale.orders.placement import place_order
from wholesale.routes import services
from wholesale.routes.models import Run, Vehicle
from wholesale.sites.models import DeliveryLocation, Warehouse
from wholesale.trading.services import connect

DRIVER_EMAIL = "driver@demo.ordertalk.test"
# (name, street, latitude, longitude, window opens, closes): around Oakland and Berkeley.
_KITCHENS = [
    ("Lake Merritt Deli", "3300 Lakeshore Ave, Oakland", "37.8105", "-122.2445", 6, 10),
    ("Temescal Noodle Bar", "4900 Telegraph Ave, Oakland", "37.8365", "-122.2620", 9, 13),
    ("Rockridge Bakehouse", "5600 College Ave, Oakland", "37.8440", "-122.2520", 6, 9),
    ("Fruitvale Taqueria", "3400 International Blvd, Oakland", "37.7765", "-122.2230", 8, 12),
    ("Jack London Oyster Co.", "55 Webster St, Oakland", "37.7950", "-122.2780", 10, 14),
    ("Piedmont Ave Pizzeria", "4100 Piedmont Ave, Oakland", "37.8260", "-122.2530", 9, 12),
    ("Berkeley Bowl Cafe", "2020 Oregon St, Berkeley", "37.8560", "-122.2680", 7, 11),
    ("Gourmet Ghetto Grill", "1500 Shattuck Ave, Berkeley", "37.8800", "-122.2690", 8, 12),
    ("Emeryville Public Market", "5800 Shellmound St, Emeryville", "37.8400", "-122.2930", 6, 10),
    ("Alameda Fish House", "1400 Park St, Alameda", "37.7660", "-122.2420", 10, 14),
    ("Dimond District Diner", "2100 MacArthur Blvd, Oakland", "37.8000", "-122.2170", 7, 10),
    ("West Oakland Commissary", "1600 7th St, Oakland", "37.8050", "-122.2950", 6, 12),
]


def _driver(supplier: Organization) -> User:
    user = find_user_by_email(DRIVER_EMAIL)
    if user is None:
        user = demo_user(supplier, name="Diego Ramos", email=DRIVER_EMAIL,
                         phone="+15555550140", role=Role.DRIVER)
    return user


def _vans(supplier: Organization, warehouses: list[Warehouse], driver: User) -> None:
    have = set(db.session.scalars(select(Vehicle.warehouse_id).where(
        Vehicle.supplier_id == supplier.id).execution_options(all_tenants=True)))
    for n, warehouse in enumerate(warehouses, start=1):
        if warehouse.id not in have:
            services.add_vehicle(supplier, name=f"Van {n}", warehouse_id=warehouse.id,
                                 capacity_cases=160, capacity_kg=Decimal("1500"),
                                 shift_start=time(6), shift_end=time(15),
                                 driver_id=driver.id if n == 1 else None)


def kitchen(supplier: Organization, n: int) -> tuple[Organization, User, DeliveryLocation]:
    name, street, lat, lng, opens, closes = _KITCHENS[n]
    email = f"kitchen{n + 1}@demo.ordertalk.test"
    owner = find_user_by_email(email)
    if owner is None:
        org = Organization(kind=OrgKind.BUYER, name=name)
        db.session.add(org)
        owner = demo_user(org, name=f"{name} kitchen", email=email,
                          phone=f"+1555555{2000 + n}", role=Role.OWNER)
        location = DeliveryLocation(buyer=org, name=name, address=street,
                                    latitude=Decimal(lat), longitude=Decimal(lng),
                                    contact_phone=f"+1555555{2100 + n}",
                                    receiving_notes="Ring the bell at the side door.")
        db.session.add(location)
        db.session.flush()
        services.set_windows(location, [(day, time(opens), time(closes))
                                        for day in range(1, 7)], service_minutes=8)
    org = owner.organization
    connect(supplier, org)
    location = db.session.scalars(select(DeliveryLocation).where(
        DeliveryLocation.buyer_id == org.id).order_by(DeliveryLocation.id)
        .execution_options(all_tenants=True)).first()
    return org, owner, location


def seed_routes(supplier: Organization) -> Run | None:
    """Create what is missing; returns the run planned now (None: nothing new)."""
    warehouses = list(db.session.scalars(select(Warehouse).where(
        Warehouse.supplier_id == supplier.id).order_by(Warehouse.id)
        .execution_options(all_tenants=True)))
    in_stock, _ = _products(supplier)
    if not warehouses or not in_stock:
        return None
    driver = _driver(supplier)
    _vans(supplier, warehouses, driver)
    staff = next(u for u in supplier.users if u.role is Role.OWNER)
    day = rules.valid_delivery_dates(rules.rules_for(supplier.id), utcnow(), 1)[0]
    done = set(db.session.scalars(select(Order.po_number).where(
        Order.supplier_id == supplier.id, Order.po_number.like("DEMO-RUN-%"))
        .execution_options(all_tenants=True)))
    for n in range(len(_KITCHENS)):
        if f"DEMO-RUN-{n + 1}" in done:
            continue
        buyer, owner, location = kitchen(supplier, n)
        product = in_stock[n % len(in_stock)]
        order = place_order(
            actor=owner, buyer=buyer, supplier_id=supplier.id,
            lines=[{"product_id": product.id, "quantity": _quantity(product)}],
            requested_delivery_date=day, delivery_location_id=location.id, notes="",
            contacts=[], po_number=f"DEMO-RUN-{n + 1}", channel=Channel.PORTAL).order
        for status in (OrderStatus.RECEIVED, OrderStatus.PICKING, OrderStatus.PACKED):
            machine.transition(order, status, staff, "")
    home = warehouses[0]
    if db.session.scalars(select(Run.id).where(Run.warehouse_id == home.id, Run.date == day)
                          .execution_options(all_tenants=True)).first() is not None:
        return None
    try:
        run, _ = services.plan_run(supplier, home.id, day)
    except ValidationFailed:  # nothing due from there that day (e.g. all shipped already)
        return None
    return run
