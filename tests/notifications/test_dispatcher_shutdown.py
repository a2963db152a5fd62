"""Stopping a dispatcher: SIGTERM to a `flask --app app worker` in the middle of a batch
stops claiming, finishes (or releases) what it claimed and exits cleanly; after a restart
every notification has gone exactly once and none waited for a lease."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from messaging.notifications.models import Status
from tests.conftest import LiveServer
from tests.notifications.fakes import FakeSendGrid, FakeTwilio
from tests.notifications.test_workers import Worker, _accepted, _queue, _rows, _wait
from tests.notifications.util import SENDGRID_KEY, TWILIO_SID, TWILIO_TOKEN

LEASE = 120.0  # far longer than the test may take: nothing may wait for a lease


@pytest.fixture
def slow_fakes() -> Iterator[tuple[FakeTwilio, FakeSendGrid]]:
    twilio = FakeTwilio(TWILIO_SID, TWILIO_TOKEN, latency=1.0).start()
    sendgrid = FakeSendGrid(SENDGRID_KEY, latency=1.0).start()
    yield twilio, sendgrid
    twilio.stop()
    sendgrid.stop()


def test_sigterm_mid_batch_finishes_or_releases_then_a_restart_sends_the_rest_once(
        live_db, database_url, slow_fakes, tmp_path):
    twilio, sendgrid = slow_fakes
    ids = _queue(live_db, 16)
    first = Worker(database_url, twilio, sendgrid, tmp_path / "w1.log", concurrency=4,
                   lease=LEASE)
    workers = [first]
    started = time.monotonic()
    try:
        # Mid-batch: the first sends are at the (slow) provider, unanswered.
        _wait(lambda: len(twilio.requests) + len(sendgrid.requests) >= 2, 60,
              "the first sends", workers)
        first.process.terminate()
        assert first.process.wait(20) == 0
        log = first.log.read_text()
        assert "cannot schedule new futures" not in log and "Traceback" not in log, log
        at_exit = _rows()
        # Nothing is left claimed: what was in flight is recorded, the rest released.
        assert not [n.id for n in at_exit if n.claimed_by or n.lease_until], log
        assert any(n.status is Status.SENT for n in at_exit)
        assert any(n.status is Status.PENDING for n in at_exit)  # it stopped claiming
        assert all(n.attempts == (1 if n.status is Status.SENT else 0) for n in at_exit)

        second = Worker(database_url, twilio, sendgrid, tmp_path / "w2.log", concurrency=4,
                        lease=LEASE)
        workers.append(second)
        _wait(lambda: all(n.status is not Status.PENDING for n in _rows()), 60,
              "every notification sent", workers)
    finally:
        for worker in workers:
            worker.stop()
    assert time.monotonic() - started < LEASE / 2  # no message waited for a lease
    rows = _rows()
    assert {n.id for n in rows} == set(ids)
    assert all(n.status is Status.SENT and n.attempts == 1 for n in rows)
    assert _accepted(twilio, sendgrid) == {nid: 1 for nid in ids}  # each exactly once


def test_sigterm_to_gunicorn_stops_the_in_process_dispatcher_cleanly(
        live_db, database_url, slow_fakes, tmp_path):
    """`make run`: the dispatcher is a thread of the gunicorn worker; SIGTERM (or Ctrl-C)
    must stop it at the worker's exit, before the interpreter shuts the send pool down."""
    twilio, sendgrid = slow_fakes
    server = LiveServer(database_url, tmp_path, {
        "TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_FROM_NUMBER": "+14155550000", "TWILIO_API_BASE_URL": twilio.url,
        "SENDGRID_API_KEY": SENDGRID_KEY, "SENDGRID_API_HOST": sendgrid.url,
        "NOTIFY_CONCURRENCY": "4", "NOTIFY_LEASE_SECONDS": str(LEASE),
        "NOTIFY_POLL_SECONDS": "0.1", "NOTIFY_DIGEST_INTERVAL_SECONDS": "3600",
        "NOTIFY_DAILY_INVOICING_AT": "off", "NOTIFY_DISPATCHER": "thread"}).start()
    workers: list[Worker] = []
    started = time.monotonic()
    try:
        ids = _queue(live_db, 16)
        _wait(lambda: len(twilio.requests) + len(sendgrid.requests) >= 2, 60,
              "the first sends")
        server.process.terminate()
        assert server.process.wait(20) == 0
        log = server.log.read_text()
        assert "cannot schedule new futures" not in log and "Traceback" not in log, log
        at_exit = _rows()
        assert not [n.id for n in at_exit if n.claimed_by or n.lease_until], log
        assert any(n.status is Status.SENT for n in at_exit)
        assert all(n.attempts == (1 if n.status is Status.SENT else 0) for n in at_exit)

        workers.append(Worker(database_url, twilio, sendgrid, tmp_path / "w.log",
                              concurrency=4, lease=LEASE))
        _wait(lambda: all(n.status is not Status.PENDING for n in _rows()), 60,
              "every notification sent", workers)
    finally:
        server.stop()
        for worker in workers:
            worker.stop()
    assert time.monotonic() - started < LEASE / 2
    assert all(n.status is Status.SENT and n.attempts == 1 for n in _rows())
    assert _accepted(twilio, sendgrid) == {nid: 1 for nid in ids}
