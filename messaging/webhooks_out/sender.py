"""Delivering webhooks: claims due deliveries, POSTs them concurrently, records each answer
the moment it comes back.

It runs beside the notification dispatcher, in the same worker process (`flask --app app
worker`, or the in-process thread of `make run`), with the same machinery (see
docs/notifications.md): a claim is a lease (`claimed_by`, `lease_until`) taken with
`FOR UPDATE SKIP LOCKED` on PostgreSQL so several workers share the work, the attempt is
counted in the claim's commit before the request goes out, and the result is recorded in
its own short transaction right after. A worker that dies leaves leases that expire; its
deliveries are sent again (at-least-once: receivers deduplicate by the event `id`).

Any answer but 2xx — a 3xx (redirects are not followed), 4xx, 5xx, a timeout, a refused
address — is a failed attempt, retried with exponential backoff and jitter until
WEBHOOKS_MAX_ATTEMPTS. WEBHOOKS_DISABLE_AFTER failed attempts in a row (across the
endpoint's deliveries; any success resets the count) disable the endpoint: its pending
deliveries fail, and its organization's owners are emailed."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
import urllib3
from flask import Flask
from sqlalchemy import or_, select, update

from messaging.notifications import retry
from messaging.webhooks_out import outbox, signing
from messaging.webhooks_out.addresses import UnsafeTarget, http_session
from messaging.webhooks_out.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from messaging.webhooks_out.settings import WebhookSettings, webhook_settings
from wholesale.db import utcnow
from wholesale.extensions import db

log = logging.getLogger(__name__)
USER_AGENT = "Ordertalk-Webhooks/1"
RESPONSE_KEPT = 1000  # characters of the endpoint's answer kept in the log
_D = WebhookDelivery.__table__.c
_E = WebhookEndpoint.__table__.c


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    endpoint_id: int
    organization_id: int
    url: str
    secret: str
    event_id: str
    event_type: str
    body: bytes
    attempts: int


@dataclass(frozen=True)
class Result:
    claimed: Claimed
    at: datetime
    duration_ms: int
    status: int | None = None
    response: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender:
    def __init__(self, app: Flask, *, settings: WebhookSettings | None = None,
                 worker_id: str | None = None) -> None:
        self.app = app
        self.settings = settings or webhook_settings(app)
        self.worker_id = worker_id or (
            f"{socket.gethostname()}:{os.getpid()}:wh{uuid.uuid4().hex[:6]}")[:64]
        self.pool = ThreadPoolExecutor(self.settings.concurrency,
                                       thread_name_prefix="webhook-send")
        self._local = threading.local()
        self.inflight: dict[Future[Result], Claimed] = {}
        self.delivered = 0
        self.failed = 0

    # -- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, grace: float = 30.0) -> None:
        """Until `stop` is set; then wait up to `grace` for the requests out and record them
        (what is still out after that keeps its lease and is sent again once it expires)."""
        log.info("webhook sender %s: concurrency %d", self.worker_id, self.settings.concurrency)
        try:
            while not stop.is_set():
                try:
                    claimed = self.step()
                except Exception:  # a database hiccup must not end the sender
                    log.exception("webhook sender step failed")
                    stop.wait(self.settings.poll_seconds)
                    continue
                if not claimed:
                    self._idle()
        finally:
            self.finish(grace)

    def _idle(self) -> None:
        if self.inflight:
            self._collect(self.settings.poll_seconds)
        elif outbox.WAKE.wait(self.settings.poll_seconds):
            outbox.WAKE.clear()

    def step(self) -> int:
        """Record what came back, claim and send more; returns how many were claimed."""
        self._collect(0)
        free = self.settings.concurrency - len(self.inflight)
        if free <= 0:
            return 0
        with self.app.app_context():
            batch = self._claim(free)
            db.session.commit()
        for item in batch:
            self.inflight[self.pool.submit(self._post, item)] = item
        return len(batch)

    def drain(self, timeout: float = 30.0) -> None:
        """Deliver everything due now and what comes due within `timeout` (tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            claimed = self.step()
            if self.inflight:
                self._collect(0.05)
            elif not claimed and not self._due_before(deadline):
                return
            elif not claimed:
                time.sleep(0.02)
        raise TimeoutError("webhook deliveries still pending after drain timeout")

    def finish(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.inflight and time.monotonic() < deadline:
            self._collect(max(0.0, deadline - time.monotonic()))
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _collect(self, timeout: float) -> None:
        """Record each finished request, one short transaction each."""
        if not self.inflight:
            return
        done, _ = wait(list(self.inflight), timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            item = self.inflight.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # a bug in _post: a failed attempt like any other
                log.exception("webhook delivery %s raised", item.delivery_id)
                result = Result(item, utcnow(), 0, error=f"unexpected error: {exc}"[:500])
            with self.app.app_context():
                try:
                    self.record(result)
                    db.session.commit()
                except Exception:  # the lease expires; the delivery is tried again
                    db.session.rollback()
                    log.exception("could not record webhook delivery %s", item.delivery_id)

    def _due_before(self, deadline: float) -> bool:
        horizon = utcnow() + timedelta(seconds=max(0.0, deadline - time.monotonic()))
        with self.app.app_context():
            return db.session.execute(
                select(_D.id).where(_D.status == DeliveryStatus.PENDING,
                                    _D.next_attempt_at <= horizon).limit(1)
            ).first() is not None

    # -- claiming ----------------------------------------------------------------------------

    def _claim(self, limit: int) -> list[Claimed]:
        now = utcnow()
        free = or_(_D.lease_until.is_(None), _D.lease_until < now)
        enabled = select(_E.id).where(_E.disabled_at.is_(None))
        due = (select(_D.id)
               .where(_D.status == DeliveryStatus.PENDING, _D.next_attempt_at <= now, free,
                      _D.endpoint_id.in_(enabled))
               .order_by(_D.next_attempt_at, _D.id).limit(limit))
        values = {"claimed_by": self.worker_id, "attempts": _D.attempts + 1,
                  "lease_until": now + timedelta(seconds=self.settings.lease_seconds)}
        table = WebhookDelivery.__table__
        if db.session.get_bind().dialect.name == "postgresql":
            # As the notification dispatcher: a CTE, evaluated once (an `IN (subquery)`
            # with SKIP LOCKED may be re-run by the planner and claim past the limit).
            picked = due.with_for_update(skip_locked=True).cte("picked").prefix_with(
                "MATERIALIZED")
            stmt = table.update().where(_D.id == picked.c.id).values(**values)
        else:  # SQLite: one writer at a time
            stmt = table.update().where(_D.id.in_(due.scalar_subquery()),
                                        _D.status == DeliveryStatus.PENDING, free
                                        ).values(**values)
        rows = db.session.connection().execute(stmt.returning(
            _D.id, _D.endpoint_id, _D.organization_id, _D.event_id, _D.event_type, _D.body,
            _D.attempts)).all()
        if not rows:
            return []
        endpoints = {row.id: row for row in db.session.connection().execute(
            select(_E.id, _E.url, _E.secret).where(_E.id.in_({r.endpoint_id for r in rows})))}
        return [Claimed(r.id, r.endpoint_id, r.organization_id, endpoints[r.endpoint_id].url,
                        endpoints[r.endpoint_id].secret, r.event_id, r.event_type,
                        r.body.encode(), r.attempts)
                for r in rows if r.endpoint_id in endpoints]

    # -- sending (pool threads: no database) -------------------------------------------------

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = http_session(self.settings.allow_private)
        return session

    def _post(self, item: Claimed) -> Result:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            signing.HEADER: signing.header(item.secret, item.body),
            "Ordertalk-Event-Id": item.event_id,
            "Ordertalk-Event-Type": item.event_type,
            "Ordertalk-Delivery-Id": str(item.delivery_id),
        }
        at = utcnow()
        started = time.monotonic()

        def result(**kwargs: Any) -> Result:
            return Result(item, at, int((time.monotonic() - started) * 1000), **kwargs)

        try:
            response = self._session().post(
                item.url, data=item.body, headers=headers, allow_redirects=False,
                timeout=self.settings.timeout, stream=True)
        except UnsafeTarget as exc:
            return result(error=str(exc))
        except requests.Timeout:
            return result(error=f"timed out after {self.settings.timeout:g}s")
        except requests.RequestException as exc:
            return result(error=_error_text(exc))
        try:
            text = _read_start(response)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            return result(status=response.status_code, error=_error_text(exc))
        finally:
            response.close()
        return result(status=response.status_code, response=text)

    # -- recording ---------------------------------------------------------------------------

    def record(self, result: Result) -> None:
        """The attempt's outcome, in the caller's transaction."""
        item = result.claimed
        mine = (_D.id == item.delivery_id, _D.claimed_by == self.worker_id,
                _D.status == DeliveryStatus.PENDING)
        common = {"claimed_by": None, "lease_until": None, "last_attempt_at": result.at,
                  "duration_ms": result.duration_ms, "response_status": result.status,
                  "response_body": result.response, "last_error": result.error}
        session = db.session
        if result.ok:
            self.delivered += 1
            session.execute(update(WebhookDelivery.__table__).where(*mine).values(
                status=DeliveryStatus.SUCCEEDED, delivered_at=utcnow(), **common))
            session.execute(update(WebhookEndpoint.__table__).where(
                _E.id == item.endpoint_id, _E.consecutive_failures != 0).values(
                consecutive_failures=0))
            return
        self.failed += 1
        if result.error is None:
            common["last_error"] = f"the endpoint answered {result.status}"
        if item.attempts < self.settings.max_attempts:
            delay = retry.backoff_seconds(item.attempts, self.settings.retry_base,
                                          self.settings.retry_max)
            values = {"next_attempt_at": utcnow() + timedelta(seconds=delay)}
        else:
            values = {"status": DeliveryStatus.FAILED}
        recorded = session.execute(update(WebhookDelivery.__table__).where(*mine).values(
            **values, **common)).rowcount
        if not recorded:
            return  # the lease was lost, or the endpoint deleted: someone else decides
        failures = session.execute(
            update(WebhookEndpoint.__table__)
            .where(_E.id == item.endpoint_id, _E.disabled_at.is_(None))
            .values(consecutive_failures=_E.consecutive_failures + 1)
            .returning(_E.consecutive_failures)).scalar()
        if failures is not None and failures >= self.settings.disable_after:
            from messaging.webhooks_out.services import disable

            disable(item.endpoint_id, f"{failures} failed attempts in a row; the last: "
                                      f"{common['last_error']}")


def _read_start(response: requests.Response) -> str:
    raw = response.raw.read(RESPONSE_KEPT * 4, decode_content=True) or b""
    return raw.decode("utf-8", "replace")[:RESPONSE_KEPT]


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


# -- running it ---------------------------------------------------------------------------

_thread: threading.Thread | None = None
_stop = threading.Event()


def start_thread(app: Flask, stop: threading.Event | None = None,
                 grace: float = 3.5) -> threading.Thread:
    """The sender as a daemon thread (beside the notification dispatcher)."""
    global _thread
    sender = WebhookSender(app)
    thread = threading.Thread(target=sender.run, args=(stop or _stop,),
                              kwargs={"grace": grace}, daemon=True, name="webhook-sender")
    thread.start()
    if stop is None:
        _thread = thread
    return thread


def request_stop() -> None:
    """Tell the in-process sender to stop (without waiting for it)."""
    _stop.set()
    outbox.WAKE.set()


def stop_in_process(timeout: float = 4.5) -> None:
    request_stop()
    if _thread is not None:
        _thread.join(timeout)
