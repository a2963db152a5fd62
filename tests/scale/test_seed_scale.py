"""`flask seed-scale` at a small size: the rows hang together (lines, allocations, threads
and their messages, numbers, sequences) and the seeded people can use the pages."""

from __future__ import annotations

from sqlalchemy import func, select, text

from messaging.chat.models import Message, Thread
from wholesale.accounts.models import Organization, User
from wholesale.catalog.models import Product
from wholesale.extensions import db
from wholesale.orders.models import Allocation, Order, OrderLine
from wholesale.scale_seed import PASSWORD, seed_scale, seed_scale_command


def _count(model: type, *where: object) -> int:
    stmt = select(func.count()).select_from(model.__table__)
    for clause in where:
        stmt = stmt.where(clause)
    return db.session.execute(stmt).scalar_one()


def test_a_small_seed_hangs_together_and_serves_pages(app, client, db_session) -> None:
    lines_said: list[str] = []
    counts = seed_scale(120, suppliers=2, buyers=6, skus=60, echo=lines_said.append)
    assert counts["orders"] == _count(Order) == 120
    assert any("orders 120 of 120" in line for line in lines_said)  # progress
    supplier = db.session.scalars(select(Organization).where(
        Organization.name == "Scale Provisions")).one()
    assert _count(Product, Product.supplier_id == supplier.id) == 60
    # every order has 1–5 lines, and a thread whose counter matches its messages
    per_order = db.session.execute(select(OrderLine.order_id, func.count())
                                   .group_by(OrderLine.order_id)).all()
    assert len(per_order) == 120 and all(1 <= n <= 5 for _, n in per_order)
    assert _count(Allocation) > 0
    assert _count(Thread) == 120
    mismatched = db.session.execute(
        select(Thread.id).join(Message, Message.thread_id == Thread.id)
        .group_by(Thread.id, Thread.last_seq).having(func.count() != Thread.last_seq)).all()
    assert mismatched == []
    # numbers are 1..n per supplier
    for _supplier_id, low, high, n in db.session.execute(
            select(Order.supplier_id, func.min(Order.number), func.max(Order.number),
                   func.count()).group_by(Order.supplier_id)):
        assert (low, high) == (1, n)
    # new rows get fresh ids after the seeded ones (sequences moved past them)
    if db.engine.dialect.name == "postgresql":
        next_id = db.session.execute(text("SELECT nextval(pg_get_serial_sequence("
                                          "'orders', 'id'))")).scalar_one()
        assert next_id > db.session.scalar(select(func.max(Order.id)))

    owner = db.session.scalars(select(User).where(User.organization_id == supplier.id,
                                                  User.role == "owner")).one()
    response = client.post("/login", data={"email": owner.email, "password": PASSWORD})
    assert response.status_code in (302, 303)
    newest = db.session.scalar(select(func.max(Order.number))
                               .where(Order.supplier_id == supplier.id))
    page = client.get("/orders")
    assert page.status_code == 200 and f"{newest:05d}" in page.get_data(as_text=True)
    assert client.get("/board").status_code == 200
    assert client.get("/inbox").status_code == 200


def test_the_command_is_registered(app) -> None:
    assert app.cli.commands["seed-scale"] is seed_scale_command
