"""Fixtures: the app on a migrated test database, per-test isolation by savepoint, factories,
API clients, a live server (real HTTP, gunicorn, for Socket.IO and browser tests) and
Playwright on Debian's Chromium.

The suite runs on SQLite by default and on PostgreSQL with
TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/ordertalk_test (a fresh
database `ordertalk_test_<pid>` is created and dropped around the run).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask_sqlalchemy.session
import pytest
import requests
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests import databases
from tests.factories import PASSWORD, Factory
from wholesale.accounts.models import User
from wholesale.extensions import db, limiter

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TEST_SECRET = "test-secret-key-not-for-production"


def skip_or_fail(reason: str) -> None:
    """Skip a test whose tool or file this machine lacks — except under CI (`CI` set, as
    .ci/run runs), where nothing may skip silently: it fails."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI: nothing may skip)", pytrace=False)
    pytest.skip(reason)


# -- the database and the app -------------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = databases.test_database_url()
    if databases.is_postgres(configured):
        url = databases.create_postgres_database(configured, str(os.getpid()))
        yield url
        databases.drop_postgres_database(url)
    else:
        yield databases.sqlite_url(tmp_path_factory.mktemp("db"), "ordertalk-test.db")


def app_overrides(database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Webhook endpoints on any host, without DNS lookups (tests/webhooks_out turns the
        # SSRF guard back on where it is the subject).
        "WEBHOOKS_ALLOW_PRIVATE": "1",
    }


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from app import create_app

    instance = tmp_path_factory.mktemp("instance")
    application = create_app(app_overrides(database_url), instance_path=instance)
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


class _TestSession(flask_sqlalchemy.session.Session):
    """Flask-SQLAlchemy's session, always on the test's connection."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


@pytest.fixture
def db_session(app: Flask) -> Iterator[Any]:
    """Everything a test writes is rolled back: the test runs inside one outer transaction and
    each `commit()` of the code under test only releases a savepoint."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": _TestSession,
            }
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()
            limiter.reset()


@pytest.fixture
def factory(db_session: Any) -> Factory:
    return Factory()


@pytest.fixture
def csrf_enabled(app: Flask) -> Iterator[None]:
    """Turn CSRF protection back on for one test (it is off for the rest of the suite)."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# -- clients -------------------------------------------------------------------------------

class IsolatedClient(FlaskClient):
    """A test client whose every request starts and ends with an empty `g`.

    `db_session` keeps one app context open for the whole test and Flask reuses it for each
    test-client request, so without this `g` (Flask-Login's cached user, the CSRF token, the
    tenant) would leak from one request, or one client, into the next — and into the test's
    own queries afterwards. A real server starts every request with a fresh `g`.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        _forget_request_state()
        try:
            return super().open(*args, **kwargs)
        finally:
            _forget_request_state()


def _forget_request_state() -> None:
    if has_app_context():
        for key in list(g):
            g.pop(key)



@pytest.fixture
def client(app: Flask, db_session: Any) -> FlaskClient:
    return app.test_client()


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    """Sign `user` in through the real login form."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def signed_in_page(browser: Any, live_server: Any, email: str, *, height: int = 800,
                   timeout_ms: int = 10_000, password: str = PASSWORD, lands_on: str = "/",
                   **context: Any) -> Any:
    """A Playwright page of a new browser context, signed in through the login form (1280
    px wide unless `viewport` is given), on the page the sign-in lands on (`lands_on`)."""
    ctx = browser.new_context(base_url=live_server.url,
                              viewport=context.pop("viewport", {"width": 1280,
                                                                "height": height}),
                              **context)
    ctx.set_default_timeout(timeout_ms)
    page = ctx.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    # The first pages of a freshly started server on a busy machine: the landing page gets
    # longer than an action does.
    page.wait_for_url(re.compile(rf"^https?://[^/]+{re.escape(lands_on)}$"),
                      timeout=max(timeout_ms, 30_000))
    return page


class ApiClient:
    """The test client with a bearer token; `.get/.post/...` return the response."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def open(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.client.open(
            path, method=method, json=json, headers=self._headers(headers), **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.open("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.open("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.open("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.open("DELETE", path, **kwargs)


@pytest.fixture
def api_as(app: Flask, factory: Factory) -> Callable[[User | None], ApiClient]:
    """`api_as(user)`: an API client authenticated as `user` (None: anonymous)."""

    def make(user: User | None) -> ApiClient:
        return ApiClient(app.test_client(), factory.token(user) if user else None)

    return make


# -- live server (real HTTP on a free port) -------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A gunicorn process serving the app (as `make run` does) on the test database."""

    def __init__(self, database_url: str, instance: Path, extra_env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "PORT": str(self.port),
            "PUBLIC_BASE_URL": self.url,
            **extra_env,
        }
        self.instance = instance
        self.process: subprocess.Popen[bytes] | None = None
        self.log = instance / f"server-{self.port}.log"

    def start(self) -> LiveServer:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--worker-class",
                "gthread",
                "--workers",
                "1",
                "--threads",
                "64",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "2",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"live server exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:  # not listening yet, or too busy to answer
                time.sleep(0.1)
        raise RuntimeError(f"live server did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="session")
def live_server(
    app: Flask, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    server = LiveServer(database_url, tmp_path_factory.mktemp("live"), {}).start()
    yield server
    server.stop()


@pytest.fixture
def live_db(app: Flask) -> Iterator[Factory]:
    """For tests against the live server: data is really committed (the server runs in another
    process), and every table is emptied afterwards."""
    with app.app_context():
        yield Factory()
        db.session.rollback()
        _truncate_all()
        db.session.remove()
    limiter.reset()


def _truncate_all(attempts: int = 5) -> None:
    """Empty every table. The live server's background work (outbox delivery, scheduled runs)
    may hold a table that TRUNCATE needs while waiting for one TRUNCATE holds: PostgreSQL
    then aborts one side as a deadlock, sometimes ours, so a deadlock is retried."""
    tables = [t.name for t in db.metadata.sorted_tables]
    for attempt in range(attempts):
        try:
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(tables):
                    db.session.execute(text(f'DELETE FROM "{table}"'))
            db.session.commit()
            return
        except OperationalError:
            db.session.rollback()
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


# -- the browser ---------------------------------------------------------------------------


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => window.__cspViolation(
  `${event.violatedDirective} blocked ${event.blockedURI || "?"} ` +
  `at ${event.sourceFile || document.URL}:${event.lineNumber} ${event.sample}`));
"""


class CspViolations:
    """The Content-Security-Policy violations of every page in every context the `browser`
    fixture opens: reported by the page (`securitypolicyviolation`) and logged by Chromium
    (which also sees frames the listener cannot run in). Any one fails the browser test
    (`pytest_runtest_call` below); a test that provokes some on purpose takes them."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, context: Any) -> None:
        context.expose_binding("__cspViolation", lambda _source, text: self.seen.append(text))
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._logged)

    def _logged(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.seen.append(message.text)

    def settle(self, browser: Any) -> None:
        """Let reports still queued in the open pages arrive."""
        from playwright.sync_api import Error

        for context in browser.contexts:
            for page in context.pages:
                with contextlib.suppress(Error):  # closed or navigating: nothing to report
                    page.evaluate("() => new Promise((done) => setTimeout(done))")

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


CSP_VIOLATIONS = CspViolations()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (REQUIRE_BROWSER is set)")
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # One Chromium for every browser test: the one at CHROMIUM (Debian's), never a
        # browser Playwright downloaded for itself.
        installed = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True,
                                   check=False).stdout
        assert chromium.version in installed, (chromium.version, installed)
        new_context = chromium.new_context

        def watched_context(*args: Any, **kwargs: Any) -> Any:
            context = new_context(*args, **kwargs)
            CSP_VIOLATIONS.watch(context)
            return context

        chromium.new_context = watched_context
        yield chromium
        chromium.close()


@pytest.fixture
def csp_violations() -> CspViolations:
    """For a test that provokes violations on purpose: `take()` them before it ends."""
    return CSP_VIOLATIONS


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def save_screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Keep a screenshot as a test artifact (test-artifacts/, uploaded by CI if it can);
    `full_page=False` keeps the viewport as it is (a full-page capture re-lays the page out
    and loses a scrolled thread's position)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    CSP_VIOLATIONS.take()  # what an earlier test left behind is not this test's
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Every browser test fails on a Content-Security-Policy violation in any of its pages."""
    result = yield
    browser = getattr(item, "funcargs", {}).get("browser")
    if browser is not None:
        CSP_VIOLATIONS.settle(browser)
        if violations := CSP_VIOLATIONS.take():
            pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations),
                        pytrace=False)
    return result


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests are marked so they can be selected (-m browser) or left out."""
    for item in items:
        if "page" in getattr(item, "fixturenames", ()) or "browser" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(pytest.mark.browser)
