"""The dispatcher's daily job (the invoicing run): claimed once per day across workers, in
threads with their own database connections as separate workers would be; a run whose
worker died or that failed is taken over later; the dispatcher starts it from its time of
day on, once a day."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time

import pytest
from sqlalchemy import select

from messaging.notifications import periodic
from messaging.notifications.dispatcher import Dispatcher
from messaging.notifications.models import ScheduledRun
from messaging.notifications.periodic import INVOICING_JOB, Outcome, run_once
from messaging.notifications.settings import dispatcher_settings, parse_time_of_day
from wholesale.extensions import db

DAY = date(2025, 4, 9)
NOW = datetime(2025, 4, 9, 14, 30, tzinfo=UTC)


@pytest.fixture
def job_runs(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The invoicing job, replaced by one that takes a while and counts its runs."""
    runs: list[datetime] = []

    def slow(now: datetime) -> str:
        runs.append(now)
        time.sleep(0.3)
        return "overdue 0, reminders 0"

    monkeypatch.setitem(periodic.JOBS, INVOICING_JOB, slow)
    return runs


def _row() -> ScheduledRun:
    db.session.rollback()
    row = db.session.scalars(select(ScheduledRun).execution_options(
        populate_existing=True)).one()
    db.session.rollback()
    return row


def test_two_workers_run_the_day_once(app, live_db, job_runs) -> None:
    settings = dispatcher_settings(app)
    start = threading.Barrier(2)
    outcomes: dict[str, Outcome] = {}

    def worker(name: str) -> None:
        with app.app_context():
            start.wait(5)
            try:
                outcomes[name] = run_once(INVOICING_JOB, DAY, NOW, name, settings)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(job_runs) == 1
    assert sorted(outcomes.values()) in ([Outcome.BUSY, Outcome.RAN],
                                         [Outcome.DONE, Outcome.RAN])
    row = _row()
    winner = next(name for name, outcome in outcomes.items() if outcome is Outcome.RAN)
    assert (row.job, row.run_on, row.claimed_by, row.attempts) == (INVOICING_JOB, DAY,
                                                                   winner, 1)
    assert row.finished_at is not None and row.result == "overdue 0, reminders 0"
    # Later that day, and on restart: nothing more. The next day runs again.
    assert run_once(INVOICING_JOB, DAY, NOW, "w3", settings) is Outcome.DONE
    assert run_once(INVOICING_JOB, date(2025, 4, 10), NOW, "w3", settings) is Outcome.RAN
    assert len(job_runs) == 2


def test_a_dead_or_failed_run_is_taken_over_after_its_lease(app, live_db, monkeypatch
                                                            ) -> None:
    settings = replace(dispatcher_settings(app), daily_lease_seconds=60,
                       daily_retry_seconds=30)
    # w1 claimed the day and died before finishing.
    assert periodic.claim(INVOICING_JOB, DAY, "w1", NOW, settings.daily_lease_seconds)
    runs: list[str] = []

    def fails(now: datetime) -> str:
        runs.append("fails")
        raise RuntimeError("database went away")

    monkeypatch.setitem(periodic.JOBS, INVOICING_JOB, fails)
    assert run_once(INVOICING_JOB, DAY, NOW, "w2", settings) is Outcome.BUSY  # lease held
    later = NOW + timedelta(minutes=2)  # the lease has passed
    assert run_once(INVOICING_JOB, DAY, later, "w2", settings) is Outcome.FAILED
    row = _row()
    assert (row.claimed_by, row.attempts, row.finished_at) == ("w2", 2, None)
    assert "database went away" in (row.last_error or "")

    monkeypatch.setitem(periodic.JOBS, INVOICING_JOB, lambda now: runs.append("ok") or "ok")
    # tried again daily_retry_seconds after the failed run began (its lease is cut to that)
    assert run_once(INVOICING_JOB, DAY, later + timedelta(seconds=10), "w3", settings) \
        is Outcome.BUSY
    assert run_once(INVOICING_JOB, DAY, later + timedelta(seconds=31), "w3", settings) \
        is Outcome.RAN
    assert runs == ["fails", "ok"]
    row = _row()
    assert (row.claimed_by, row.attempts, row.last_error) == ("w3", 3, None)


def test_the_dispatcher_starts_the_job_once_a_day_from_its_time(app, live_db, job_runs
                                                               ) -> None:
    settings = replace(dispatcher_settings(app), daily_invoicing_at=day_time(14, 0))
    first = Dispatcher(app, settings=settings, run_digests=False, run_daily=True)
    second = Dispatcher(app, settings=settings, run_digests=False, run_daily=True)
    try:
        assert first.daily is not None and second.daily is not None
        assert first.daily.tick(NOW.replace(hour=13)) is None  # before its time
        thread = first.daily.tick(NOW)
        assert thread is not None
        thread.join(10)
        assert first.daily.outcomes == [(INVOICING_JOB, DAY, Outcome.RAN)]
        assert first.daily.tick(NOW.replace(hour=20)) is None  # done for the day
        other = second.daily.tick(NOW.replace(hour=15))  # another worker, later that day
        assert other is not None
        other.join(10)
        assert second.daily.outcomes == [(INVOICING_JOB, DAY, Outcome.DONE)]
        assert len(job_runs) == 1
    finally:
        for dispatcher in (first, second):
            dispatcher.pool.shutdown(wait=True)
    # the test dispatchers of the other tests run no daily job
    quiet = Dispatcher(app, settings=settings, run_digests=False)
    assert quiet.daily is None
    quiet.pool.shutdown()


def test_the_time_setting() -> None:
    assert parse_time_of_day("06:30") == day_time(6, 30)
    assert parse_time_of_day("7") == day_time(7, 0)
    assert parse_time_of_day("off") is None
    with pytest.raises(ValueError):
        parse_time_of_day("25:00")
