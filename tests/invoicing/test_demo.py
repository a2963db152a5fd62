"""The demo invoicing seed: every status, payments, an overdue invoice; idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.orders.conftest import build_shop
from wholesale.demo_invoicing import seed_invoicing
from wholesale.extensions import db
from wholesale.invoicing.models import CreditNote, Invoice, InvoiceStatus, Payment


def test_seed_invoicing_every_status_and_idempotent(factory) -> None:
    shop = build_shop(factory)
    shop.product({shop.near: 80}, price="12.00")
    shop.product({shop.near: 80}, price="30.00")
    assert seed_invoicing(shop.supplier, shop.buyer) == [
        "overdue", "paid", "partial", "void", "current"]
    statuses = db.session.scalars(select(Invoice.status).where(
        Invoice.supplier_id == shop.supplier.id).order_by(Invoice.number)).all()
    assert set(statuses) == set(InvoiceStatus)
    assert statuses[0] is InvoiceStatus.OVERDUE
    count = lambda model: db.session.execute(  # noqa: E731
        select(func.count()).select_from(model.__table__)).scalar_one()
    assert count(Payment) == 2 and count(CreditNote) == 1
    before = count(Invoice)
    assert seed_invoicing(shop.supplier, shop.buyer) == []
    assert count(Invoice) == before == 6
