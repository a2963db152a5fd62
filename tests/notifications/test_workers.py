"""`flask --app app worker` processes against the fake providers: a worker killed with
SIGKILL in the middle of a batch loses nothing (its leases expire and a new worker takes
over), and two workers on PostgreSQL never claim the same notification."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from messaging.notifications.models import Channel, Notification, RecipientKind, Status
from messaging.notifications.outbox import Draft, enqueue
from tests.conftest import ROOT, TEST_SECRET
from tests.notifications.fakes import FakeSendGrid, FakeTwilio, notification_id_of
from tests.notifications.util import SENDGRID_KEY, TWILIO_SID, TWILIO_TOKEN, make_cast
from wholesale.extensions import db


def _queue(factory, count: int) -> list[int]:
    cast = make_cast(factory)
    ids = []
    for i in range(count):
        channel = Channel.SMS if i % 2 else Channel.EMAIL
        address = f"+1415666{i:04d}" if channel is Channel.SMS else f"p{i}@example.test"
        ids.append(enqueue(Draft(
            event="order_delayed", event_key=f"bulk:{i}", channel=channel, address=address,
            organization_id=cast.supplier.id, recipient_kind=RecipientKind.CONTACT,
            recipient_name=f"Person {i}", recipient_side="contact", order_id=cast.order.id,
            supplier_id=cast.supplier.id, buyer_id=cast.buyer.id,
            payload={"order": {"number": "GG-1", "supplier": "S", "buyer": "B"},
                     "detail": {"new_eta": "Thu", "reason": ""},
                     "recipient": {"name": "P", "side": "contact"},
                     "links": {"short": "http://x/o/1"}})))
    db.session.commit()
    return ids


class Worker:
    def __init__(self, database_url: str, twilio: FakeTwilio, sendgrid: FakeSendGrid,
                 log: Path, concurrency: int = 4, lease: float = 2.0) -> None:
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET,
               "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
               "TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
               "TWILIO_FROM_NUMBER": "+14155550000", "TWILIO_API_BASE_URL": twilio.url,
               "SENDGRID_API_KEY": SENDGRID_KEY, "SENDGRID_API_HOST": sendgrid.url,
               "NOTIFY_CONCURRENCY": str(concurrency), "NOTIFY_LEASE_SECONDS": str(lease),
               "NOTIFY_POLL_SECONDS": "0.1", "NOTIFY_RETRY_BASE_SECONDS": "0.1",
               "NOTIFY_DIGEST_INTERVAL_SECONDS": "3600", "NOTIFY_DISPATCHER": ""}
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT, env=env,
            stdout=log.open("ab"), stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def fakes() -> Iterator[tuple[FakeTwilio, FakeSendGrid]]:
    twilio = FakeTwilio(TWILIO_SID, TWILIO_TOKEN, latency=0.15).start()
    sendgrid = FakeSendGrid(SENDGRID_KEY, latency=0.15).start()
    yield twilio, sendgrid
    twilio.stop()
    sendgrid.stop()


def _rows() -> list[Notification]:
    """A fresh snapshot, detached: reading it opens no transaction (on SQLite an open one
    would hold the write lock the workers need)."""
    db.session.rollback()
    rows = list(db.session.scalars(select(Notification).execution_options(
        populate_existing=True)))
    db.session.expunge_all()
    db.session.rollback()
    return rows


def _wait(condition, timeout: float, what: str, workers: list[Worker] = ()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    logs = "\n".join(w.log.read_text()[-3000:] for w in workers)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def _accepted(*fakes) -> Counter:
    return Counter(notification_id_of(r) for fake in fakes for r in fake.accepted())


def test_a_worker_killed_mid_batch_loses_nothing(live_db, database_url, fakes, tmp_path):
    twilio, sendgrid = fakes
    ids = _queue(live_db, 40)
    first = Worker(database_url, twilio, sendgrid, tmp_path / "w1.log")
    workers = [first]
    try:
        _wait(lambda: len(twilio.accepted()) + len(sendgrid.accepted()) >= 6, 60,
              "the first sends")
        first.kill()
        at_kill = _rows()
        in_flight = [n for n in at_kill if n.status is Status.PENDING and n.claimed_by]
        assert in_flight, "the worker should have died with claimed notifications"
        assert any(n.status is Status.SENT for n in at_kill)
        second = Worker(database_url, twilio, sendgrid, tmp_path / "w2.log")
        workers.append(second)
        _wait(lambda: all(n.status is not Status.PENDING for n in _rows()), 90,
              "every notification sent", workers)
    finally:
        for worker in workers:
            worker.stop()
    rows = _rows()
    assert {n.id for n in rows} == set(ids)
    assert all(n.status is Status.SENT for n in rows), (tmp_path / "w2.log").read_text()[-2000:]
    accepted = _accepted(twilio, sendgrid)
    assert set(accepted) == set(ids)  # nothing lost
    # At least once: only a message the provider took just before the kill may go twice.
    twice = {nid for nid, count in accepted.items() if count > 1}
    assert twice <= {n.id for n in in_flight} and len(twice) <= 4
    retaken = [n for n in rows if n.id in {m.id for m in in_flight}]
    assert all(n.attempts >= 2 for n in retaken)


@pytest.mark.postgres_only
def test_two_workers_on_postgresql_never_claim_the_same_notification(
        live_db, database_url, fakes, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED sharing needs PostgreSQL (run with TEST_DATABASE_URL)")
    twilio, sendgrid = fakes
    ids = _queue(live_db, 80)
    workers = [Worker(database_url, twilio, sendgrid, tmp_path / f"w{i}.log", lease=60)
               for i in range(2)]
    try:
        _wait(lambda: all(n.status is not Status.PENDING for n in _rows()), 90,
              "every notification sent", workers)
    finally:
        for worker in workers:
            worker.stop()
    rows = _rows()
    assert all(n.status is Status.SENT and n.attempts == 1 for n in rows)
    assert _accepted(twilio, sendgrid) == Counter({i: 1 for i in ids})
    attempts = [h.detail for n in rows for h in n.history if h.status == "attempt"]
    assert len(attempts) == len(ids)
    claimers = Counter(detail.split(" by ", 1)[1] for detail in attempts)
    assert len(claimers) == 2, claimers  # both workers took a share
