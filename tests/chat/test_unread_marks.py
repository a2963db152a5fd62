"""The unread counts look only at the threads marked for the person (chat_unread_threads)
instead of every message of the organization: after any mix of texts, notes, events, drafts
and reads, the counts are exactly what counting every message gives; the migration's
backfill and `seed-scale` write the same marks."""

from __future__ import annotations

import importlib.util
import random

import pytest
from sqlalchemy import and_, delete, func, or_, select, text

from messaging.chat import attention, services
from messaging.chat.access import open_account_thread, open_thread
from messaging.chat.models import Message, ReadState, UnreadThread
from tests.chat.util import make_order, user
from tests.conftest import ROOT
from tests.factories import Factory
from wholesale.accounts.models import Organization
from wholesale.extensions import db
from wholesale.tenancy import as_tenant

UNSCOPED = {"all_tenants": True}
EVENTS = ["order_placed", "status_changed", "delivery_change_requested",
          "delivery_change_accepted", "delivery_problem", "expedite", "intake_reply"]
DRAFTS = ["opened", "confirmed", "sent_back", "amended", "confirm_failed", "expired"]


def _every_message(person) -> dict[int, int]:
    """{thread_id: unread} by counting every message against the read states: the
    definition the marks stand in for."""
    stmt = (
        select(Message.thread_id, func.count(Message.id))
        .outerjoin(ReadState, and_(ReadState.thread_id == Message.thread_id,
                                   ReadState.user_id == person.id))
        .where(services.visible_to(person), attention.wanted(person.organization_id),
               Message.seq > func.coalesce(ReadState.last_read_seq, 0),
               or_(Message.author_id.is_(None), Message.author_id != person.id))
        .group_by(Message.thread_id)
        .execution_options(**UNSCOPED)
    )
    return dict(db.session.execute(stmt).all())


def _assert_counts_exact(user_ids: list[int]) -> None:
    for user_id in user_ids:
        person = user(user_id)
        expected = _every_message(person)
        assert services.unread_by_thread(person) == expected, user_id
        assert services.unread_total(person) == sum(expected.values()), user_id


@pytest.fixture
def people(factory: Factory, world):
    """The world's people, a second buyer user, and three threads: two orders and the
    account thread."""
    with as_tenant(None):
        supplier = db.session.get(Organization, world.supplier_id)
        buyer = db.session.get(Organization, world.buyer_id)
    second_buyer = factory.user(buyer)
    second_order = make_order(factory, supplier, buyer)
    db.session.commit()
    users = [world.supplier_user_id, world.staff_user_id, world.buyer_user_id,
             second_buyer.id]
    return users, [world.order_id, second_order.id], world.supplier_id


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_stay_exact_through_any_mix_of_messages_and_reads(people, seed):
    users, order_ids, supplier_id = people
    buyer_id = user(users[2]).organization_id
    rng = random.Random(seed)
    threads = []
    for which in range(3):
        access = (open_thread(user(users[0]), order_ids[which]) if which < 2
                  else open_account_thread(user(users[0]), buyer_id))
        threads.append(access.thread)
    for step in range(70):
        ref = rng.choice(threads)
        roll = rng.random()
        if roll < 0.3:
            author = rng.choice(users)
            access = _open(author, ref, supplier_id, buyer_id)
            internal = user(author).organization_id == supplier_id and rng.random() < 0.3
            services.post_message(access, f"message {step}", internal=internal)
        elif roll < 0.5:
            services.post_thread_event(ref, event_type=rng.choice(EVENTS), body="event")
        elif roll < 0.6:
            services.post_thread_event(ref, event_type="draft", body="draft",
                                       data={"draft_id": step, "change": rng.choice(DRAFTS)})
        else:  # someone reads up to a message they can see (often the newest)
            reader = rng.choice(users)
            access = _open(reader, ref, supplier_id, buyer_id)
            seen = db.session.scalars(
                select(Message.id).where(Message.thread_id == ref.thread_id,
                                         *(() if access.sees_notes else
                                           (Message.kind != "note",)))
                .order_by(Message.seq).execution_options(**UNSCOPED)).all()
            if seen:
                pick = seen[-1] if rng.random() < 0.6 else rng.choice(seen)
                services.mark_read(access, pick)
        db.session.commit()
        if step % 10 == 9:
            _assert_counts_exact(users)
    _assert_counts_exact(users)
    # reading everything leaves no marks behind
    for reader in users:
        for ref in threads:
            access = _open(reader, ref, supplier_id, buyer_id)
            newest = db.session.scalar(
                select(func.max(Message.id)).where(
                    Message.thread_id == ref.thread_id,
                    *(() if access.sees_notes else (Message.kind != "note",)))
                .execution_options(**UNSCOPED))
            if newest:
                services.mark_read(access, newest)
        db.session.commit()
        assert services.unread_total(user(reader)) == 0
        assert db.session.scalar(select(func.count()).select_from(UnreadThread).where(
            UnreadThread.user_id == reader)) == 0


def _open(user_id: int, ref, supplier_id: int, buyer_id: int):
    person = user(user_id)
    if ref.order_id is not None:
        return open_thread(person, ref.order_id)
    partner = buyer_id if person.organization_id == supplier_id else supplier_id
    return open_account_thread(person, partner)


def test_a_message_marks_only_the_people_who_want_it(world):
    owner, staff, buyer = world.supplier_user_id, world.staff_user_id, world.buyer_user_id
    services.post_message(open_thread(user(buyer), world.order_id), "Friday?")
    db.session.commit()
    marked = set(db.session.scalars(select(UnreadThread.user_id)))
    assert marked == {owner, staff}  # not the author, not the other tenants
    services.post_message(open_thread(user(staff), world.order_id), "Note", internal=True)
    db.session.commit()
    # the note marks the owner again (its seq moves on), never the buyer
    rows = dict(db.session.execute(select(UnreadThread.user_id, UnreadThread.seq)).all())
    assert set(rows) == {owner, staff} and rows[owner] == 2 and rows[staff] == 1


def _migration_backfill() -> str:
    path = next((ROOT / "migrations" / "versions").glob("fc6db096d697_*.py"))
    spec = importlib.util.spec_from_file_location("unread_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.backfill(db.engine.dialect.name)


def test_the_migration_backfill_marks_what_counting_every_message_finds(people):
    users, order_ids, supplier_id = people
    buyer_id = user(users[2]).organization_id
    rng = random.Random(7)
    refs = [open_thread(user(users[0]), o).thread for o in order_ids]
    for step in range(40):
        ref = rng.choice(refs)
        if rng.random() < 0.5:
            author = rng.choice(users)
            internal = user(author).organization_id == supplier_id and rng.random() < 0.3
            services.post_message(_open(author, ref, supplier_id, buyer_id), f"m{step}",
                                  internal=internal)
        elif rng.random() < 0.5:
            services.post_thread_event(ref, event_type="draft", body="draft",
                                       data={"draft_id": step, "change": rng.choice(DRAFTS)})
        else:
            services.post_thread_event(ref, event_type=rng.choice(EVENTS), body="event")
        db.session.commit()
    services.mark_read(_open(users[0], refs[0], supplier_id, buyer_id),
                       db.session.scalar(select(func.max(Message.id)).where(
                           Message.thread_id == refs[0].thread_id)))
    db.session.commit()
    before = dict(((r.user_id, r.thread_id), r.seq) for r in db.session.scalars(
        select(UnreadThread)))
    db.session.execute(delete(UnreadThread))
    db.session.execute(text(_migration_backfill()))
    after = dict(((r.user_id, r.thread_id), r.seq) for r in db.session.scalars(
        select(UnreadThread)))
    assert after == before and after
    _assert_counts_exact(users)


def test_seed_scale_marks_what_counting_every_message_finds(app, db_session):
    from wholesale.scale_seed import seed_scale

    seed_scale(80, suppliers=1, buyers=4, skus=20, echo=lambda _line: None)
    people = db.session.scalars(select(UnreadThread.user_id).distinct()).all()
    assert people
    _assert_counts_exact(list(people) + [u for u in db.session.scalars(
        text("SELECT id FROM users")) if u not in people][:5])
    seeded = dict(((r.user_id, r.thread_id), r.seq) for r in db.session.scalars(
        select(UnreadThread)))
    db.session.execute(delete(UnreadThread))
    db.session.execute(text(_migration_backfill()))
    assert dict(((r.user_id, r.thread_id), r.seq) for r in db.session.scalars(
        select(UnreadThread))) == seeded


def test_a_person_who_joins_later_counts_threads_from_their_next_message(factory: Factory, world):
    services.post_message(open_thread(user(world.buyer_user_id), world.order_id), "Hi")
    db.session.commit()
    with as_tenant(None):
        supplier = db.session.get(Organization, world.supplier_id)
    newcomer = factory.user(supplier)
    db.session.commit()
    assert services.unread_total(newcomer) == 0
    services.post_message(open_thread(user(world.buyer_user_id), world.order_id), "Hello?")
    db.session.commit()
    # the thread is theirs to read now, from its start (they have read none of it)
    assert services.unread_total(user(newcomer.id)) == 2
    assert services.unread_by_order(user(newcomer.id)) == {world.order_id: 2}

