"""The dispatcher: claims due notifications, sends them concurrently through the
providers, and records what happened.

One loop thread owns the database: each step records the outcomes that came back and
claims more in one short transaction, then hands the claimed messages to a bounded thread
pool that only talks to the providers. A claim is a lease (`claimed_by`, `lease_until`),
taken with `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)` on PostgreSQL, so
several workers share the work, and with the same conditional UPDATE on SQLite, where
writers are serialized. The attempt is counted in the claim's commit, before the send; a
worker that dies leaves leases that expire, and another worker takes the messages over.

A claim never exceeds the free send slots, so everything claimed is at a provider at once.
An accepted send is marked sent by its pool thread, in its own short transaction, the moment
the provider answers (`mark_sent`): a worker killed at any moment re-sends only what was at a
provider then (at most `NOTIFY_CONCURRENCY` messages; delivery is at-least-once). Stopping
(`finish`) claims nothing more, waits for the sends at a provider and releases what never
started, so another worker takes it at once rather than after the lease.

Each step first works out the notifications of events their request deferred (an order's
placement: deferred.py), in the transaction that then claims them. Periodic work rides on
the loop: chat digests, the late-order check, queued label refunds, draft expiry and the
standing orders' reminders and placements every `NOTIFY_DIGEST_INTERVAL_SECONDS`, and
the daily jobs (periodic.py: the invoicing run, claimed once per day across workers).
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Connection, Engine, bindparam, func, insert, or_, select, update

from messaging.notifications import deferred, digest, outbox, reply_context, retry
from messaging.notifications.fallback import queue_email_fallback
from messaging.notifications.models import (
    Channel,
    Notification,
    NotificationAttachment,
    NotificationEvent,
    Status,
    Suppression,
)
from messaging.notifications.periodic import DailyJobs
from messaging.notifications.settings import DispatcherSettings, dispatcher_settings
from messaging.notifications.suppressions import suppress
from messaging.providers import (
    Attachment,
    OutboundMessage,
    ProviderError,
    ProviderResult,
    Providers,
    build_providers,
)
from wholesale import autocommit
from wholesale.db import utcnow
from wholesale.drafts.services import expire_due
from wholesale.extensions import db
from wholesale.fulfilment.labels import check_refunds
from wholesale.fulfilment.late import flag_late_orders
from wholesale.standing.scheduler import run_due as run_standing_orders

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    message: OutboundMessage
    attempts: int
    max_attempts: int


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    result: ProviderResult | None = None
    error: ProviderError | None = None
    recorded: bool = False  # accepted, and already marked sent by the pool thread
    released: bool = False  # never sent: the dispatcher was stopping


class Dispatcher:
    def __init__(
        self,
        app: Flask,
        *,
        settings: DispatcherSettings | None = None,
        providers: Providers | None = None,
        worker_id: str | None = None,
        run_digests: bool = True,
        run_daily: bool | None = None,
    ) -> None:
        self.app = app
        self.settings = settings or dispatcher_settings(app)
        self.providers = providers or build_providers(
            app.config, timeout=self.settings.provider_timeout,
            pool_size=self.settings.concurrency)
        self.worker_id = worker_id or (
            f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")[:64]
        self.pool = ThreadPoolExecutor(self.settings.concurrency,
                                       thread_name_prefix="notify-send")
        self.outcomes: queue.Queue[Outcome] = queue.Queue()
        self._held: list[Outcome] = []
        self._inflight_ids: set[int] = set()
        self._futures: dict[int, tuple[Future[None], Claimed]] = {}
        # Set when stopping: nothing more is claimed, and no send starts any more.
        self._closing = threading.Event()
        self._marking = self._marking_engine(app)
        self._renewed_at = time.monotonic()
        self.inflight = 0
        self.run_digests = run_digests
        self._next_digest = 0.0
        # The daily jobs (the invoicing run), with the other periodic work by default.
        self.daily = DailyJobs(app, self.settings, self.worker_id) if (
            run_digests if run_daily is None else run_daily) else None
        self.sent = 0  # counters, for the benchmark and logs
        self.failed = 0

    @staticmethod
    def _marking_engine(app: Flask) -> Engine | None:
        """Where pool threads mark accepted sends: autocommit on PostgreSQL (a statement is
        its own transaction: no BEGIN/COMMIT round trips, its own pool), the engine on
        SQLite (writers are serialized anyway). None when the session is bound to one
        connection (a test's outer transaction): the loop records them on it then."""
        with app.app_context():
            if not isinstance(db.session.get_bind(), Engine):
                return None
            return autocommit.engine() if autocommit.available() else db.engine

    # -- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, grace: float = 30.0) -> None:
        """Until `stop` is set; then `finish(grace)`."""
        log.info("notification dispatcher %s: concurrency %d", self.worker_id,
                 self.settings.concurrency)
        try:
            while not stop.is_set() and not self._closing.is_set():
                try:
                    claimed = self.step()
                except Exception:  # a database hiccup must not end the dispatcher
                    log.exception("dispatcher step failed")
                    stop.wait(self.settings.poll_seconds)
                    continue
                if claimed:
                    self._pace()
                else:
                    self._wait(stop)
        finally:
            self.finish(grace)

    def finish(self, timeout: float = 30.0) -> None:
        """Stop: claim nothing more, wait (up to `timeout`) for the sends at a provider and
        record them, and release what was claimed but never sent (free for any worker at
        once). A send still at a provider after `timeout` keeps its lease: it may have been
        accepted (it marks itself sent if it is, while the process lives)."""
        self._closing.set()
        deadline = time.monotonic() + timeout
        while self.inflight and time.monotonic() < deadline:
            self._gather(timeout=min(0.2, max(0.0, deadline - time.monotonic())))
            self._record_only()
        for future, item in list(self._futures.values()):
            if future.cancel():  # queued behind a send, never started
                self.outcomes.put(Outcome(item, released=True))
        self._record_only()
        if self._inflight_ids:
            log.warning("stopped with notifications still at a provider (they keep their "
                        "lease): %s", sorted(self._inflight_ids))
        self.pool.shutdown(wait=False, cancel_futures=True)
        if self.daily is not None and self.daily.thread is not None:
            # A daily run in progress: let it finish if it can (otherwise its claim's
            # lease expires and another worker takes it over).
            self.daily.thread.join(max(0.0, deadline - time.monotonic()))

    def drain(self, timeout: float = 30.0) -> None:
        """Send everything due now, and what comes due within `timeout` (tests, bench)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            claimed = self.step()
            if not claimed and not self.inflight and not self._due_soon(deadline):
                return
            if claimed:
                self._pace()
            else:
                self._gather(timeout=0.05)
        raise TimeoutError("notifications still pending after drain timeout")

    def step(self) -> int:
        """Record what came back, claim and submit more; returns how many were claimed."""
        outcomes = self._take()
        free = self.settings.concurrency - self.inflight + len(outcomes)
        with self.app.app_context():
            self._record(outcomes)
            self._renew_leases()
            if not self._closing.is_set():
                self._expand()
            batch = self._claim(free) if free > 0 and not self._closing.is_set() else []
            db.session.commit()
            if self.run_digests and time.monotonic() >= self._next_digest:
                self._next_digest = time.monotonic() + self.settings.digest_interval_seconds
                self._digests()
                self._late_orders()
                self._label_refunds()
                self._expired_drafts()
                self._standing_orders()
        if self.daily is not None and not self._closing.is_set():
            self.daily.tick()
        self._submit(batch)
        return len(batch)

    def _submit(self, batch: list[Claimed]) -> None:
        for index, item in enumerate(batch):
            nid = item.message.notification_id
            try:
                self._futures[nid] = (self.pool.submit(self._send, item), item)
            except RuntimeError:
                # The interpreter is exiting and has shut the pool down (an in-process
                # dispatcher nobody stopped first): release the rest and stop.
                log.warning("send pool shut down: releasing %d claimed notifications",
                            len(batch) - index)
                self._closing.set()
                for unsent in batch[index:]:
                    self.outcomes.put(Outcome(unsent, released=True))
                    self.inflight += 1
                    self._inflight_ids.add(unsent.message.notification_id)
                return
            self.inflight += 1
            self._inflight_ids.add(nid)

    def _record_only(self) -> None:
        outcomes = self._take()
        if outcomes:
            with self.app.app_context():
                self._record(outcomes)
                db.session.commit()

    def _expand(self) -> None:
        """Work out the notifications of events deferred by their request (deferred.py),
        so this step's claim sends them."""
        deferred.expand()  # a batch under one savepoint; one failing is retried alone

    def _digests(self) -> None:
        try:
            digest.queue_digests(timedelta(minutes=self.settings.digest_delay_minutes))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("chat digests failed")

    def _late_orders(self) -> None:
        """Announce orders that went past their delivery date (once each; `order_late`
        subscribers write the thread event and the notifications in this transaction)."""
        try:
            flag_late_orders()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("late-order check failed")

    def _label_refunds(self) -> None:
        """Refunds the carrier queued: what they became (labels.check_refunds commits)."""
        try:
            check_refunds()
        except Exception:
            db.session.rollback()
            log.exception("label refund check failed")

    def _expired_drafts(self) -> None:
        """Drafts read from messages that waited past DRAFT_TTL_HOURS (their `draft_changed`
        subscribers tell the thread and the buyer in this transaction)."""
        try:
            expire_due()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("draft expiry failed")

    def _standing_orders(self) -> None:
        """Standing-order reminders and placements now due (each occurrence claimed, so
        several workers do each once; wholesale/standing/scheduler.py commits)."""
        try:
            run_standing_orders()
        except Exception:
            db.session.rollback()
            log.exception("standing orders failed")

    def _wait(self, stop: threading.Event) -> None:
        if self.inflight:
            self._gather(timeout=self.settings.poll_seconds)
            return
        if outbox.WAKE.wait(self.settings.poll_seconds):
            outbox.WAKE.clear()

    def _gather(self, timeout: float | None = None, want: int = 1) -> None:
        """Move outcomes from the queue to `_held`, waiting up to `timeout` until `want`
        of them are there."""
        deadline = time.monotonic() + (timeout or 0.0)
        while True:
            while True:
                try:
                    self._held.append(self.outcomes.get_nowait())
                except queue.Empty:
                    break
            remaining = deadline - time.monotonic()
            if timeout is None or len(self._held) >= want or remaining <= 0:
                return
            try:
                self._held.append(self.outcomes.get(timeout=remaining))
            except queue.Empty:
                return

    def _pace(self) -> None:
        """Between steps with sends in flight: let a few outcomes gather (up to 20 ms), so
        one transaction records several — the database is not the bottleneck then."""
        if self.inflight:
            want = max(1, min(self.inflight, self.settings.concurrency // 4))
            self._gather(timeout=0.02, want=want)

    def _take(self) -> list[Outcome]:
        self._gather()
        items, self._held = self._held, []
        return items

    def _due_soon(self, deadline: float) -> bool:
        with self.app.app_context():
            next_at = db.session.scalar(
                select(Notification.next_attempt_at)
                .where(Notification.status == Status.PENDING)
                .order_by(Notification.next_attempt_at)
                .limit(1))
            db.session.rollback()
        if next_at is None:
            return False
        return (next_at - utcnow()).total_seconds() < deadline - time.monotonic()

    # -- sending (pool threads: no database) ---------------------------------------------

    def _send(self, item: Claimed) -> None:
        if self._closing.is_set():  # stopping: not started, so released
            self.outcomes.put(Outcome(item, released=True))
            return
        try:
            provider = self.providers.for_channel(item.message.channel)
            result = provider.send(item.message)
        except ProviderError as exc:
            self.outcomes.put(Outcome(item, error=exc))
        except Exception as exc:  # an adapter bug: retried like a transient failure
            log.exception("provider raised for notification %s", item.message.notification_id)
            self.outcomes.put(Outcome(item, error=ProviderError(
                f"unexpected error: {exc}", transient=True, code="error")))
        else:
            recorded = self._marking is not None and self._mark_sent_now(item, result)
            self.outcomes.put(Outcome(item, result=result, recorded=recorded))

    def _mark_sent_now(self, item: Claimed, result: ProviderResult) -> bool:
        """Record an accepted send at once, on this pool thread, in its own short
        transaction: the fewer accepted sends wait unrecorded, the fewer a kill re-sends.
        False if that failed (e.g. the row stayed locked): the loop records it instead."""
        assert self._marking is not None
        try:
            with self._marking.begin() as connection:
                self.mark_sent(connection, item, result)
            return True
        except Exception:
            log.warning("notification %s: could not mark it sent at once; the loop will",
                        item.message.notification_id, exc_info=True)
            return False

    # -- claiming ----------------------------------------------------------------------------

    def _claim(self, limit: int) -> list[Claimed]:
        """Core statements (no ORM overhead: this runs every step)."""
        now = utcnow()
        table = Notification.__table__
        n = table.c
        free = or_(n.lease_until.is_(None), n.lease_until < now)
        due = (
            select(n.id)
            .where(n.status == Status.PENDING, n.next_attempt_at <= now, free,
                   n.id.not_in(self._inflight_ids or [0]))
            .order_by(n.next_attempt_at, n.id)
            .limit(limit)
        )
        values = {"claimed_by": self.worker_id,
                  "lease_until": now + timedelta(seconds=self.settings.lease_seconds),
                  "attempts": n.attempts + 1, "updated_at": now}
        if db.session.get_bind().dialect.name == "postgresql":
            # A CTE, evaluated once: `id IN (SELECT … LIMIT … SKIP LOCKED)` may be re-run
            # by the planner and claim more rows than the limit.
            picked = due.with_for_update(skip_locked=True).cte("picked").prefix_with(
                "MATERIALIZED")
            stmt = table.update().where(n.id == picked.c.id).values(**values)
        else:  # SQLite: one writer at a time, the subquery is safe
            stmt = table.update().where(n.id.in_(due.scalar_subquery()),
                                        n.status == Status.PENDING, free).values(**values)
        stmt = stmt.returning(
            n.id, n.channel, n.address, n.subject, n.body_text, n.body_html, n.reply_to,
            n.idempotency_key, n.payload, n.attempts, n.max_attempts,
        )
        connection = db.session.connection()
        rows = connection.execute(stmt).all()
        if not rows:
            return []
        suppressed = self._suppressed({(r.channel.value, r.address) for r in rows})
        files = self._attachments([
            r.id for r in rows if r.channel is Channel.EMAIL and (r.payload or {}).get(
                "attachments") and (r.channel.value, r.address) not in suppressed])
        claimed: list[Claimed] = []
        history = []
        for row in rows:
            if (row.channel.value, row.address) in suppressed:
                self._finish(row.id, Status.SUPPRESSED, "address suppressed", now)
                continue
            links = (row.payload or {}).get("links") or {}
            claimed.append(Claimed(
                OutboundMessage(
                    notification_id=row.id, channel=row.channel.value, to=row.address,
                    text=row.body_text, subject=row.subject, html=row.body_html,
                    reply_to=row.reply_to, idempotency_key=row.idempotency_key,
                    unsubscribe_url=links.get("unsubscribe"),
                    attachments=tuple(files.get(row.id, ()))),
                row.attempts, min(row.max_attempts, self.settings.max_attempts)))
            history.append({"notification_id": row.id, "status": "attempt",
                            "detail": f"attempt {row.attempts} by {self.worker_id}",
                            "source": "dispatcher", "created_at": now})
        if history:
            connection.execute(NotificationEvent.__table__.insert(), history)
        return claimed

    def _attachments(self, ids: list[int]) -> dict[int, list[Attachment]]:
        """The stored files of the emails just claimed that have some (their payload says
        so: most messages have none and cost no query)."""
        if not ids:
            return {}
        a = NotificationAttachment.__table__.c
        found: dict[int, list[Attachment]] = {}
        for row in db.session.connection().execute(
                select(a.notification_id, a.filename, a.content_type, a.content)
                .where(a.notification_id.in_(ids)).order_by(a.id)):
            found.setdefault(row.notification_id, []).append(
                Attachment(row.filename, row.content_type, bytes(row.content)))
        return found

    def _renew_leases(self) -> None:
        """Keep the leases of the sends in flight (a slow provider must not make them look
        abandoned): renewed every third of the lease."""
        if not self._inflight_ids:
            self._renewed_at = time.monotonic()
            return
        if time.monotonic() - self._renewed_at < self.settings.lease_seconds / 3:
            return
        now = utcnow()
        n = Notification
        db.session.execute(
            update(n)
            .where(n.id.in_(self._inflight_ids), n.claimed_by == self.worker_id,
                   n.status == Status.PENDING)
            .values(lease_until=now + timedelta(seconds=self.settings.lease_seconds))
            .execution_options(synchronize_session=False))
        self._renewed_at = time.monotonic()

    def _suppressed(self, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        addresses = {address for _, address in pairs}
        rows = db.session.execute(
            select(Suppression.channel, Suppression.address).where(
                Suppression.address.in_(addresses), Suppression.lifted_at.is_(None)))
        return {(c, a) for c, a in rows if (c, a) in pairs}

    # -- recording ---------------------------------------------------------------------------

    def _record(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            nid = outcome.claimed.message.notification_id
            self.inflight -= 1
            self._inflight_ids.discard(nid)
            self._futures.pop(nid, None)
        released = [o.claimed.message.notification_id for o in outcomes if o.released]
        if released:
            self._release(released)
        for outcome in outcomes:
            if outcome.result is not None:
                self.sent += 1
                if not outcome.recorded:
                    self.mark_sent(db.session.connection(), outcome.claimed, outcome.result)
                continue
            if outcome.released:
                continue
            try:
                with db.session.begin_nested():
                    self._record_failure(outcome)
            except Exception:
                log.exception("could not record notification %s",
                              outcome.claimed.message.notification_id)

    def mark_sent(self, connection: Connection, item: Claimed, result: ProviderResult
                  ) -> bool:
        """The provider accepted `item`: the row is sent (or delivered), with the provider's
        id, and its lease is cleared. Runs in the caller's transaction (the pool thread's
        own, or the loop's as a fallback); returns whether this worker's claim recorded it
        (False: a status callback moved the row on first, or the lease was lost)."""
        now = utcnow()
        params = {
            "nid": item.message.notification_id, "worker": self.worker_id,
            "new_status": (Status.DELIVERED if result.delivered else Status.SENT).value,
            "provider": result.provider, "provider_id": result.provider_message_id,
            "now": now, "delivered_at": now if result.delivered else None,
        }
        marked = connection.execute(_MARK_SENT, params).rowcount == 1
        if not marked:
            # A status callback moved the row on first (or the lease was lost): keep the
            # provider's id, and let go of the claim.
            connection.execute(_KEEP_PROVIDER_ID, params)
            connection.execute(_RELEASE, params)
        connection.execute(insert(NotificationEvent).values(
            notification_id=params["nid"], status=params["new_status"],
            detail=f"accepted by {result.provider}"
                   + (f" ({result.provider_message_id})" if result.provider_message_id
                      else ""),
            source="dispatcher", created_at=now))
        if item.message.channel == "sms":  # where an SMS reply goes (inbound.py)
            reply_context.record_sent([params["nid"]],
                                      reply_context.sender_of(self.providers.sms), now,
                                      connection)
        return marked

    def _release(self, nids: list[int]) -> None:
        """Claimed but never sent (the dispatcher is stopping): the lease is cleared so any
        worker takes them at once, and the attempt, never made, is not counted."""
        now = utcnow()
        n = Notification
        released = db.session.scalars(
            update(n)
            .where(n.id.in_(nids), n.claimed_by == self.worker_id,
                   n.status == Status.PENDING)
            .values(claimed_by=None, lease_until=None, attempts=n.attempts - 1,
                    updated_at=now)
            .returning(n.id)
            .execution_options(synchronize_session=False)).all()
        for nid in released:
            self._history(nid, "released", f"not sent: {self.worker_id} stopped", now)

    def _record_failure(self, outcome: Outcome) -> None:
        now = utcnow()
        item = outcome.claimed
        nid = item.message.notification_id
        error = outcome.error
        assert error is not None
        self.failed += 1
        if error.unsubscribed:
            suppress(item.message.channel, item.message.to, "unsubscribed", "provider")
        if error.transient and item.attempts < item.max_attempts:
            delay = retry.backoff_seconds(item.attempts, self.settings.retry_base,
                                          self.settings.retry_max, error.retry_after)
            if self._update(nid, now, next_attempt_at=now + timedelta(seconds=delay),
                            last_error=str(error)[:2000]):
                self._history(nid, "retry", f"{error} — next try in {delay:.1f}s", now)
            return
        reason = str(error) if not error.transient else (
            f"gave up after {item.attempts} attempts: {error}")
        if self._finish(nid, Status.FAILED, reason, now) and item.message.channel == "sms" \
                and not error.transient:
            self._fallback(nid)

    def _update(self, nid: int, now: Any, **values: Any) -> int:
        n = Notification
        stmt = (
            update(n)
            .where(n.id == nid, n.claimed_by == self.worker_id, n.status == Status.PENDING)
            .values(lease_until=None, claimed_by=None, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        return db.session.execute(stmt).rowcount

    def _finish(self, nid: int, status: Status, reason: str, now: Any) -> bool:
        done = self._update(nid, now, status=status, last_error=reason[:2000]) == 1
        if done:
            self._history(nid, status.value, reason, now)
        return done

    def _history(self, nid: int, status: str, detail: str, now: Any) -> None:
        db.session.execute(insert(NotificationEvent).values(
            notification_id=nid, status=status, detail=detail[:2000], source="dispatcher",
            created_at=now))

    def _fallback(self, nid: int) -> None:
        """A permanent SMS failure: the same news by email, when the person has one."""
        failed = db.session.get(Notification, nid)
        if failed is not None:
            queue_email_fallback(failed)


# Batch statements (built once; executed with one parameter set per notification).
_N = Notification.__table__.c
_MARK_SENT = (
    Notification.__table__.update()
    .where(_N.id == bindparam("nid"), _N.claimed_by == bindparam("worker"),
           _N.status == Status.PENDING.value)
    .values(status=bindparam("new_status"), provider=bindparam("provider"),
            provider_message_id=bindparam("provider_id"), sent_at=bindparam("now"),
            delivered_at=bindparam("delivered_at"), last_error=None, lease_until=None,
            claimed_by=None, updated_at=bindparam("now"))
)
_KEEP_PROVIDER_ID = (
    Notification.__table__.update()
    .where(_N.id == bindparam("nid"), _N.provider_message_id.is_(None))
    .values(provider=bindparam("provider"), provider_message_id=bindparam("provider_id"),
            sent_at=func.coalesce(_N.sent_at, bindparam("now")))
)
_RELEASE = (
    Notification.__table__.update()
    .where(_N.id == bindparam("nid"), _N.claimed_by == bindparam("worker"))
    .values(claimed_by=None, lease_until=None)
)


# -- running it ---------------------------------------------------------------------------

_thread: threading.Thread | None = None
_stop = threading.Event()
# How long a stopping in-process dispatcher waits for its sends at a provider: within
# gunicorn's --graceful-timeout (5 s in `make run`), after which the worker is killed.
IN_PROCESS_GRACE = 3.5


def start_in_process(app: Flask) -> threading.Thread:
    """The dispatcher as a daemon thread of this process (`make run`). gunicorn stops it
    at its worker's exit (gunicorn.conf.py), before the interpreter shuts thread pools
    down; other servers stop it at exit (atexit)."""
    global _thread
    if _thread is not None and _thread.is_alive():
        return _thread
    dispatcher = Dispatcher(app)
    _stop.clear()
    _thread = threading.Thread(target=dispatcher.run, args=(_stop,),
                               kwargs={"grace": IN_PROCESS_GRACE}, daemon=True,
                               name="notification-dispatcher")
    _thread.start()
    return _thread


def stop_in_process(timeout: float = IN_PROCESS_GRACE + 1.0) -> None:
    """Stop the in-process dispatcher (if any) and wait for it to finish."""
    _stop.set()
    outbox.WAKE.set()
    if _thread is not None:
        _thread.join(timeout)
