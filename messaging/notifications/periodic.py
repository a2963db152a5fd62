"""Daily jobs of the dispatcher: `wholesale.invoicing`'s `run_daily_invoicing(now)` (overdue
invoices, payment reminders) once per UTC day, from `NOTIFY_DAILY_INVOICING_AT` on,
however many dispatchers run (in-process and `flask --app app worker` processes).

A run is claimed before it starts: the worker that inserts the job's row for the day
(`notification_scheduled_runs`, unique on job and day) runs it, the others skip it. The
claim is a lease: a run not finished when it passes (its worker died) may be taken over by
another worker, and a run that failed is tried again `daily_retry_seconds` after it began. The job
itself is idempotent (an invoice goes overdue once; a reminder row per invoice, kind and
day is unique), so a takeover repeats nothing that was done.

The run happens on a thread of its own (PDFs for the reminders take time): the dispatcher's
loop keeps sending meanwhile.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from messaging.notifications.models import ScheduledRun
from messaging.notifications.settings import DispatcherSettings
from wholesale.db import utcnow
from wholesale.extensions import db

log = logging.getLogger(__name__)

INVOICING_JOB = "invoicing_daily"


class Outcome(enum.StrEnum):
    RAN = "ran"  # this worker ran it
    DONE = "done"  # it had run already today
    BUSY = "busy"  # another worker holds the claim
    FAILED = "failed"  # this worker ran it and it raised (tried again later)


def _run_invoicing(now: datetime) -> str:
    from wholesale.invoicing.reminders import run_daily_invoicing

    result = run_daily_invoicing(now)
    return f"overdue {result.overdue}, reminders {result.reminders}"


# job name → what it does (called with the moment of the run; returns a summary).
JOBS: dict[str, Callable[[datetime], str]] = {INVOICING_JOB: _run_invoicing}


def _insert() -> Any:
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(ScheduledRun)


def claim(job: str, day: date, worker_id: str, now: datetime, lease_seconds: float
          ) -> bool:
    """Take the day's run of `job`: True when this worker may run it (a new claim, or the
    takeover of an unfinished run whose lease has passed). Commits."""
    lease_until = now + timedelta(seconds=lease_seconds)
    stmt = (_insert()
            .values(job=job, run_on=day, claimed_by=worker_id, claimed_at=now,
                    lease_until=lease_until, attempts=1, result="")
            .on_conflict_do_nothing(index_elements=["job", "run_on"])
            .returning(ScheduledRun.id))
    taken = db.session.execute(stmt).scalar() is not None
    if not taken:
        t = ScheduledRun
        stale = (update(t)
                 .where(t.job == job, t.run_on == day, t.finished_at.is_(None),
                        t.lease_until < now)
                 .values(claimed_by=worker_id, claimed_at=now, lease_until=lease_until,
                         attempts=t.attempts + 1)
                 .returning(t.id)
                 .execution_options(synchronize_session=False))
        taken = db.session.execute(stale).scalar() is not None
    db.session.commit()
    return taken


def _settle(job: str, day: date, worker_id: str, **values: Any) -> None:
    t = ScheduledRun
    db.session.execute(update(t).where(t.job == job, t.run_on == day,
                                       t.claimed_by == worker_id)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def run_once(job: str, day: date, now: datetime, worker_id: str,
             settings: DispatcherSettings) -> Outcome:
    """Run `job` for `day` unless it ran (or is running) elsewhere."""
    if not claim(job, day, worker_id, now, settings.daily_lease_seconds):
        finished = db.session.scalar(select(ScheduledRun.finished_at).where(
            ScheduledRun.job == job, ScheduledRun.run_on == day))
        db.session.rollback()
        return Outcome.DONE if finished is not None else Outcome.BUSY
    log.info("daily job %s for %s: started by %s", job, day, worker_id)
    try:
        summary = JOBS[job](now)
    except Exception as exc:
        db.session.rollback()
        log.exception("daily job %s for %s failed", job, day)
        _settle(job, day, worker_id, last_error=f"{type(exc).__name__}: {exc}"[:2000],
                lease_until=now + timedelta(seconds=settings.daily_retry_seconds))
        return Outcome.FAILED
    _settle(job, day, worker_id, finished_at=utcnow(), result=summary[:2000],
            last_error=None)
    log.info("daily job %s for %s: %s", job, day, summary)
    return Outcome.RAN


class DailyJobs:
    """What the dispatcher's loop calls each step (`tick()`): cheap until a job is due —
    it remembers the day it saw a job done — then one thread runs it."""

    def __init__(self, app: Flask, settings: DispatcherSettings, worker_id: str) -> None:
        self.app = app
        self.settings = settings
        self.worker_id = worker_id
        self._done: dict[str, date] = {}
        self._next_try: dict[str, float] = {}
        self.thread: threading.Thread | None = None
        self.outcomes: list[tuple[str, date, Outcome]] = []  # for logs and tests

    def due(self, now: datetime) -> list[str]:
        at = self.settings.daily_invoicing_at
        if at is None or now.time().replace(tzinfo=None) < at:
            return []
        day = now.date()
        monotonic = time.monotonic()
        return [job for job in JOBS
                if self._done.get(job) != day and self._next_try.get(job, 0.0) <= monotonic]

    def tick(self, now: datetime | None = None) -> threading.Thread | None:
        """Start the thread that runs the due jobs, if any are and none is running."""
        if self.thread is not None and self.thread.is_alive():
            return None
        now = now or utcnow()
        jobs = self.due(now)
        if not jobs:
            return None
        self.thread = threading.Thread(target=self._run, args=(jobs, now), daemon=True,
                                       name="notification-daily-jobs")
        self.thread.start()
        return self.thread

    def _run(self, jobs: list[str], now: datetime) -> None:
        day = now.date()
        for job in jobs:
            try:
                with self.app.app_context():
                    try:
                        outcome = run_once(job, day, now, self.worker_id, self.settings)
                    finally:
                        db.session.remove()
            except Exception:  # the database is away: try again later
                log.exception("daily job %s: could not claim", job)
                outcome = Outcome.FAILED
            self.outcomes.append((job, day, outcome))
            if outcome in (Outcome.RAN, Outcome.DONE):
                self._done[job] = day
            else:
                self._next_try[job] = time.monotonic() + self.settings.daily_retry_seconds
