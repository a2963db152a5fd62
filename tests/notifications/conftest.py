"""Notification fixtures: the cast of an order, the fake providers, a dispatcher wired to
them, and provider settings switched on for one test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask

from messaging.notifications.dispatcher import Dispatcher
from messaging.notifications.settings import dispatcher_settings
from messaging.providers import build_providers
from tests.factories import Factory
from tests.notifications.fakes import FakeSendGrid, FakeTwilio
from tests.notifications.util import (
    SENDGRID_KEY,
    TWILIO_SID,
    TWILIO_TOKEN,
    Cast,
    make_cast,
)
from wholesale.extensions import db


@pytest.fixture
def cast(factory: Factory) -> Cast:
    built = make_cast(factory)
    db.session.commit()
    return built


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio(TWILIO_SID, TWILIO_TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sendgrid() -> Iterator[FakeSendGrid]:
    server = FakeSendGrid(SENDGRID_KEY)
    server.start()
    yield server
    server.stop()


def provider_config(app: Flask, twilio: FakeTwilio | None, sendgrid: FakeSendGrid | None
                    ) -> dict[str, Any]:
    config = dict(app.config)
    if sendgrid is not None:
        config.update(SENDGRID_API_KEY=SENDGRID_KEY, SENDGRID_API_HOST=sendgrid.url)
    if twilio is not None:
        config.update(TWILIO_ACCOUNT_SID=TWILIO_SID, TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
                      TWILIO_FROM_NUMBER="+14155550000", TWILIO_API_BASE_URL=twilio.url)
    return config


@pytest.fixture
def make_dispatcher(app: Flask) -> Iterator[Any]:
    """`make_dispatcher(twilio=…, sendgrid=…, **settings)`: a dispatcher on the test's
    database and the fake providers (the console for a channel without one)."""
    made: list[Dispatcher] = []

    def make(twilio: FakeTwilio | None = None, sendgrid: FakeSendGrid | None = None,
             **overrides: Any) -> Dispatcher:
        values = {"retry_base": 0.01, "retry_max": 0.05, "provider_timeout": 2.0,
                  "poll_seconds": 0.05, **overrides}
        settings = replace(dispatcher_settings(app), **values)
        providers = build_providers(provider_config(app, twilio, sendgrid),
                                    timeout=settings.provider_timeout,
                                    pool_size=settings.concurrency)
        dispatcher = Dispatcher(app, settings=settings, providers=providers, run_digests=False)
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        dispatcher.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def twilio_webhooks(app: Flask) -> Iterator[None]:
    """Twilio credentials set (webhook signatures are checked with the auth token)."""
    saved = {k: app.config.get(k) for k in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")}
    app.config.update(TWILIO_ACCOUNT_SID=TWILIO_SID, TWILIO_AUTH_TOKEN=TWILIO_TOKEN)
    yield
    app.config.update(saved)
