"""`seed-demo` leaves conversations in the demo threads (text and an internal note), once."""

from __future__ import annotations

from sqlalchemy import func, select

from messaging.chat.models import Message, MessageKind
from wholesale.demo import seed_demo
from wholesale.extensions import db


def _counts() -> dict[MessageKind, int]:
    stmt = select(Message.kind, func.count()).group_by(Message.kind)
    return dict(db.session.execute(stmt.execution_options(all_tenants=True)).all())


def test_the_demo_has_conversations_and_seeding_again_adds_none(db_session) -> None:
    seed_demo()
    first = _counts()
    def texts(prefix: str) -> int:
        return db.session.scalar(select(func.count()).where(Message.client_id.like(prefix))
                                 .execution_options(all_tenants=True))

    past, welcomes = texts("demo-past-%"), texts("demo-welcome-%")
    assert past >= 10 and past % 2 == 0  # exchanges on the back-dated history's orders
    assert welcomes == 12 + 3  # a note in each other customer's account thread, per supplier
    # the current orders' conversations + the account thread + the history's
    assert first[MessageKind.TEXT] == 7 + 5 + past + welcomes
    assert first[MessageKind.NOTE] == 1
    seed_demo()
    assert _counts() == first


def test_the_demo_account_thread_has_an_sms_order_and_an_open_draft(db_session) -> None:
    from messaging.chat.models import Thread, ThreadKind
    from wholesale.drafts.models import DraftSource, DraftStatus, OrderDraft
    from wholesale.orders.models import Channel, Order

    supplier, buyer = seed_demo(history=False)
    everything = {"all_tenants": True}
    thread = db.session.scalars(select(Thread).where(
        Thread.kind == ThreadKind.ACCOUNT, Thread.supplier_id == supplier.id,
        Thread.buyer_id == buyer.id).execution_options(**everything)).one()
    drafts = db.session.scalars(select(OrderDraft).where(OrderDraft.thread_id == thread.id)
                                .order_by(OrderDraft.id).execution_options(**everything)).all()
    assert [(d.source, d.status) for d in drafts] == [
        (DraftSource.SMS, DraftStatus.CONFIRMED), (DraftSource.CHAT, DraftStatus.OPEN)]
    placed = db.session.get(Order, drafts[0].order_id, execution_options=everything)
    assert placed.channel is Channel.SMS
    assert sorted(line.sku for line in placed.lines) == ["BEV-WAT-ST", "PRD-TOM-RM"]
    assert sorted(line["sku"] for line in drafts[1].lines) == [
        "DGS-OIL-EV", "DGS-PAS-SP", "PRD-LET-RO"]
    seed_demo(history=False)
    again = db.session.scalar(select(func.count(OrderDraft.id)).execution_options(**everything))
    assert again == 2


def test_a_fresh_demo_badge_counts_what_needs_reading(db_session) -> None:
    """Not every order event (the demo's threads hold about a hundred): the other side's
    texts, the notes and what waits for an answer (#18.8); one event per shipment (#18.7)."""
    from messaging.chat import services
    from wholesale.accounts.models import User
    from wholesale.demo import BUYER_EMAIL, SUPPLIER_EMAIL

    seed_demo()
    everything = {"all_tenants": True}
    events = db.session.scalar(select(func.count()).where(
        Message.kind == MessageKind.EVENT).execution_options(**everything))
    totals = {}
    for email in (SUPPLIER_EMAIL, BUYER_EMAIL):
        person = db.session.scalars(select(User).where(User.email == email)
                                    .execution_options(**everything)).one()
        totals[email] = services.unread_total(person)
        assert totals[email] == sum(services.unread_by_thread(person).values())
    assert events > 50
    assert 0 < totals[SUPPLIER_EMAIL] <= 20 and 0 < totals[BUYER_EMAIL] <= 10
    shipped = db.session.execute(select(Message.order_id, Message.body).where(
        Message.event_type == "status_changed").execution_options(**everything)).all()
    assert not [body for _, body in shipped if "shipped" in body], "shipped twice"
