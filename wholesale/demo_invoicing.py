"""Demo invoicing (idempotent): the supplier's billing settings and the buyer's billing
details, and invoices in every status — paid, partially paid (with a credit note for a
return), overdue, void (with its corrected re-issue) and just issued.

Each scenario places and ships its own order (PO `DEMO-INV-<scenario>`) with the real
services, then issues the invoice as of a past day, so due dates, numbers and balances
are all consistent; a scenario whose order exists is skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from wholesale.accounts.models import Organization, Role, User
from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment import shipments
from wholesale.inventory.models import StockLevel
from wholesale.invoicing import clock, credit_notes, issuing, payments, settings
from wholesale.invoicing.models import BillingProfile, InvoiceSettings, InvoiceStatus
from wholesale.orders import rules
from wholesale.orders.models import Channel, Order
from wholesale.orders.placement import place_order
from wholesale.sites.models import DeliveryLocation
from wholesale.tenancy import as_tenant

SCENARIOS = ("overdue", "paid", "partial", "void", "current")


def _owner(org: Organization) -> User:
    return next((u for u in org.users if u.role is Role.OWNER), org.users[0])


def _stocked(supplier: Organization, count: int) -> list[Product]:
    level = StockLevel.__table__.c
    available = func.sum(level.on_hand - level.reserved)
    rows = db.session.execute(
        select(level.product_id).join(Product, Product.id == level.product_id)
        .where(level.supplier_id == supplier.id, Product.archived_at.is_(None),
               Product.allow_backorder.is_(False))
        .group_by(level.product_id).having(available >= 20)
        .order_by(available.desc(), level.product_id).limit(count)).scalars().all()
    return list(db.session.scalars(select(Product).where(Product.id.in_(rows))
                                   .order_by(Product.id)))


def _settings(supplier: Organization, buyer: Organization) -> None:
    if db.session.get(InvoiceSettings, supplier.id) is None:
        settings.update_settings(supplier, {
            "legal_name": "Golden Gate Provisions LLC",
            "address": "2100 Mandela Parkway\nOakland, CA 94607",
            "tax_id": "EIN 94-1234567",
            "billing_email": "billing@demo.ordertalk.test",
            "tax_rate": "8.5",
            "payment_instructions": "ACH or wire to Golden Gate Provisions LLC\n"
                                    "Routing 121000248 · Account 4455667788",
        })
    if db.session.get(BillingProfile, buyer.id) is None:
        settings.update_billing(buyer, {
            "legal_name": "Bistro Verde Restaurant Group Inc.",
            "address": "3200 18th St\nSan Francisco, CA 94110",
            "emails": "ap@demo.ordertalk.test, buyer@demo.ordertalk.test",
        })


def seed_invoicing(supplier: Organization, buyer: Organization,
                   now: datetime | None = None) -> list[str]:
    """Create the missing scenarios; returns their names."""
    now = now or utcnow()
    with as_tenant(None):
        _settings(supplier, buyer)
        done = set(db.session.scalars(
            select(Order.po_number).where(Order.supplier_id == supplier.id,
                                          Order.po_number.like("DEMO-INV-%"))))
        todo = [s for s in SCENARIOS if f"DEMO-INV-{s}" not in done]
        location = db.session.scalars(
            select(DeliveryLocation).where(DeliveryLocation.buyer_id == buyer.id)
            .order_by(DeliveryLocation.id)).first()
        products = _stocked(supplier, 3)
        if not todo or location is None or len(products) < 2:
            return []
        sup, buy = _owner(supplier), _owner(buyer)
        dates = rules.valid_delivery_dates(rules.rules_for(supplier.id), now, 4)

        def shipped(key: str, quantities: tuple[int, ...]) -> Order:
            order = place_order(
                actor=buy, buyer=buyer, supplier_id=supplier.id,
                lines=[{"product_id": p.id, "quantity": q}
                       for p, q in zip(products, quantities, strict=False)],
                requested_delivery_date=dates[0], delivery_location_id=location.id,
                po_number=f"DEMO-INV-{key}", channel=Channel.PORTAL).order
            shipments.ship(order.id, sup, carrier="Own van")
            return order

        def ago(days: int) -> datetime:
            return now - timedelta(days=days)

        for key in todo:
            if key == "overdue":
                invoice = issuing.issue(shipped(key, (4, 2)).id, sup, now=ago(48))
                if invoice.due_date < clock.local_today(supplier.id, now):
                    invoice.status = InvoiceStatus.OVERDUE
            elif key == "paid":
                invoice = issuing.issue(shipped(key, (6, 3)).id, sup, now=ago(35))
                payments.pay_invoice(sup, invoice.id, amount=invoice.total,
                                     paid_on=ago(12).date(), method="bank_transfer",
                                     reference="ACH 889201", now=ago(12))
            elif key == "partial":
                invoice = issuing.issue(shipped(key, (5, 2)).id, sup, now=ago(9))
                credit_notes.issue_credit_note(
                    sup, invoice.id, reason="return", note="One case arrived damaged",
                    lines=[{"invoice_line_id": invoice.lines[0].id, "quantity": 1}],
                    now=ago(7))
                share = (invoice.balance * Decimal("0.4")).quantize(Decimal("0.01"))
                payments.pay_invoice(sup, invoice.id, amount=share, paid_on=ago(5).date(),
                                     method="check", reference="Check 1042", now=ago(5))
            elif key == "void":
                order = shipped(key, (2, 1))
                wrong = issuing.issue(order.id, sup, now=ago(4))
                issuing.void(wrong.id, sup, "Issued before the buyer's PO number was known",
                             now=ago(3))
                issuing.issue(order.id, sup, now=ago(3))
            else:
                issuing.issue(shipped(key, (3, 1)).id, sup, now=now)
        db.session.flush()
    return todo
