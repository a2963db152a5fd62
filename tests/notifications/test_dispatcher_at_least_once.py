"""The at-least-once window: a worker killed with SIGKILL mid-batch re-sends, after the lease,
only what was at a provider at the kill (at most NOTIFY_CONCURRENCY messages); a message the
provider had answered before the kill is never sent again (it was marked sent at once)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from werkzeug.wrappers import Response

from messaging.notifications.models import Status
from tests.notifications.fakes import FakeSendGrid, FakeTwilio, Recorded, notification_id_of
from tests.notifications.test_workers import Worker, _accepted, _queue, _rows, _wait
from tests.notifications.util import SENDGRID_KEY, TWILIO_SID, TWILIO_TOKEN

CONCURRENCY = 4
# A send answered this long before the kill must have been recorded by then.
MARGIN = 0.5


class _Answered:
    """When each answer had been written to the client (the response closed)."""

    def __init__(self) -> None:
        self.answered: list[tuple[int | None, float]] = []
        self.answered_lock = threading.Lock()

    def _noted(self, record: Recorded, response: Response) -> Response:
        def done() -> None:
            with self.answered_lock:
                self.answered.append((notification_id_of(record), time.monotonic()))

        response.call_on_close(done)
        return response


class Twilio(_Answered, FakeTwilio):
    def __init__(self) -> None:
        _Answered.__init__(self)
        FakeTwilio.__init__(self, TWILIO_SID, TWILIO_TOKEN, latency=0.3)

    def answer(self, record: Recorded) -> Response:
        return self._noted(record, super().answer(record))


class SendGrid(_Answered, FakeSendGrid):
    def __init__(self) -> None:
        _Answered.__init__(self)
        FakeSendGrid.__init__(self, SENDGRID_KEY, latency=0.3)

    def answer(self, record: Recorded) -> Response:
        return self._noted(record, super().answer(record))


@pytest.fixture
def answering() -> Iterator[tuple[Twilio, SendGrid]]:
    twilio, sendgrid = Twilio().start(), SendGrid().start()
    yield twilio, sendgrid  # type: ignore[misc]
    twilio.stop()
    sendgrid.stop()


def test_a_kill_re_sends_only_what_was_at_a_provider(live_db, database_url, answering,
                                                     tmp_path):
    twilio, sendgrid = answering
    ids = _queue(live_db, 40)
    first = Worker(database_url, twilio, sendgrid, tmp_path / "w1.log",
                   concurrency=CONCURRENCY, lease=3.0)
    workers = [first]
    try:
        _wait(lambda: len(twilio.answered) + len(sendgrid.answered) >= 12, 60,
              "the first answers", workers)
        first.kill()
        killed_at = time.monotonic()
        at_kill = _rows()
        answered_before = {nid for fake in (twilio, sendgrid) for nid, at in fake.answered
                           if at < killed_at - MARGIN}
        assert answered_before
        # Recorded at once: every message answered before the kill is sent in the database.
        assert all(n.status is Status.SENT for n in at_kill if n.id in answered_before)
        claimed = {n.id for n in at_kill if n.status is Status.PENDING and n.claimed_by}
        assert len(claimed) <= CONCURRENCY  # a claim never exceeds the free send slots
        workers.append(Worker(database_url, twilio, sendgrid, tmp_path / "w2.log",
                              concurrency=CONCURRENCY, lease=3.0))
        _wait(lambda: all(n.status is not Status.PENDING for n in _rows()), 90,
              "every notification sent", workers)
    finally:
        for worker in workers:
            worker.stop()
    rows = _rows()
    assert all(n.status is Status.SENT for n in rows)
    accepted = _accepted(twilio, sendgrid)
    assert set(accepted) == set(ids)  # nothing lost
    twice = {nid for nid, count in accepted.items() if count > 1}
    assert all(count <= 2 for count in accepted.values())
    # Only what was at a provider at the kill went twice: never more than the concurrency,
    # never a message the provider had answered before it.
    assert twice <= claimed and len(twice) <= CONCURRENCY
    assert not twice & answered_before


class _FirstFast(Twilio):
    """Answers the first request after 0.5 s, every other one after 1.5 s."""

    def __init__(self) -> None:
        super().__init__()
        self.latency = 0.0
        self.first: int | None = None

    def answer(self, record: Recorded) -> Response:
        nid = notification_id_of(record)
        with self.lock:
            if self.first is None:
                self.first = nid
        time.sleep(0.5 if nid == self.first else 1.5)
        return super().answer(record)


@pytest.mark.postgres_only
def test_a_locked_row_holds_up_the_recording_of_no_other_send(
        app, live_db, database_url, tmp_path):
    """A row locked by some transaction (a slow status callback, say) when its send is
    answered: the other sends answered meanwhile are recorded all the same, so a kill then
    re-sends none of them."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks beside the worker's writes need PostgreSQL")
    from sqlalchemy import text

    from wholesale.extensions import db

    twilio = _FirstFast().start()
    sendgrid = SendGrid().start()
    ids = _queue(live_db, 12)
    worker = Worker(database_url, twilio, sendgrid, tmp_path / "w1.log",
                    concurrency=CONCURRENCY, lease=3.0)
    workers = [worker]
    locker = db.engine.connect()
    try:
        _wait(lambda: twilio.first is not None, 60, "the first send", workers)
        locked = locker.begin()
        locker.execute(text("SELECT id FROM notifications WHERE id = :id FOR UPDATE"),
                       {"id": twilio.first})
        _wait(lambda: len(twilio.answered) + len(sendgrid.answered) >= CONCURRENCY, 30,
              "the first wave answered", workers)
        others = {nid for fake in (twilio, sendgrid) for nid, _at in fake.answered} - {
            twilio.first}
        assert others
        # While the row stays locked, the others are recorded (not held up behind it): waited
        # for, not timed, so a busy machine only makes it take longer.
        _wait(lambda: all(n.status is Status.SENT for n in _rows() if n.id in others), 30,
              "the other answered sends recorded while one row is locked", workers)
        worker.kill()
        locked.rollback()
        workers.append(Worker(database_url, twilio, sendgrid, tmp_path / "w2.log",
                              concurrency=CONCURRENCY, lease=3.0))
        _wait(lambda: all(n.status is not Status.PENDING for n in _rows()), 90,
              "every notification sent", workers)
    finally:
        locker.close()
        for w in workers:
            w.stop()
        twilio.stop()
        sendgrid.stop()
    accepted = _accepted(twilio, sendgrid)
    assert set(accepted) == set(ids)
    twice = {nid for nid, count in accepted.items() if count > 1}
    assert not twice & others  # only the locked row, and sends still unanswered, went twice
    assert len(twice - {twilio.first}) <= CONCURRENCY
