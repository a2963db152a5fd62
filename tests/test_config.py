"""Settings (CONTRACT.md §2): read once, checked once, a clear message naming the variable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from wholesale import config
from wholesale.config import ConfigError, load_settings

SETTINGS = [
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "PORT",
    "PUBLIC_BASE_URL",
    "SENDGRID_API_KEY",
    "SENDGRID_API_HOST",
    "SENDGRID_WEBHOOK_PUBLIC_KEY",
    "MAIL_FROM",
    "INBOUND_EMAIL_DOMAIN",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_API_BASE_URL",
    "SENDGRID_INBOUND_SECRET",
    "SHIPPO_API_KEY",
    "SHIPPO_API_BASE_URL",
    "SHIPPO_WEBHOOK_SECRET",
]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment: none of the settings set, and a project root of our own (so a
    developer's `.env` or `instance/` is never read or written)."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setattr(config, "PROJECT_ROOT", project)
    return project


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


def settings(instance: Path, **env: str) -> dict[str, object]:
    return load_settings(env, instance)


# -- the generated secrets -------------------------------------------------------------------------


def test_the_secret_key_is_generated_once_and_kept(root, instance):
    first = settings(instance)["SECRET_KEY"]
    path = instance / "secret_key"
    assert path.is_file()
    assert path.read_text().strip() == first
    assert isinstance(first, str) and len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert settings(instance)["SECRET_KEY"] == first
    other = settings(instance.parent / "another-install")["SECRET_KEY"]
    assert other != first  # random per install


def test_an_empty_secret_file_is_replaced(root, instance):
    instance.mkdir()
    (instance / "secret_key").write_text("\n")
    key = settings(instance)["SECRET_KEY"]
    assert key and (instance / "secret_key").read_text().strip() == key


def test_a_secret_key_from_the_environment_wins_and_nothing_is_written(root, instance):
    assert settings(instance, SECRET_KEY="from-env")["SECRET_KEY"] == "from-env"
    assert not (instance / "secret_key").exists()


def test_the_inbound_parse_secret_is_kept_too(root, instance):
    first = settings(instance)["SENDGRID_INBOUND_SECRET"]
    path = instance / "sendgrid_inbound_secret"
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert settings(instance)["SENDGRID_INBOUND_SECRET"] == first
    assert first != settings(instance)["SECRET_KEY"]


def test_the_shippo_webhook_secret_is_kept_and_shippo_defaults(root, instance):
    values = settings(instance)
    path = instance / "shippo_webhook_secret"
    assert path.read_text().strip() == values["SHIPPO_WEBHOOK_SECRET"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert settings(instance)["SHIPPO_WEBHOOK_SECRET"] == values["SHIPPO_WEBHOOK_SECRET"]
    assert values["SHIPPO_API_KEY"] is None  # the console carrier backend
    assert values["SHIPPO_API_BASE_URL"] == "https://api.goshippo.com"
    assert settings(instance, SHIPPO_API_BASE_URL="http://127.0.0.1:9/")[
        "SHIPPO_API_BASE_URL"] == "http://127.0.0.1:9"
    with pytest.raises(ConfigError, match="SHIPPO_API_BASE_URL"):
        settings(instance, SHIPPO_API_BASE_URL="api.goshippo.com")


# -- where values come from ------------------------------------------------------------------------


def test_dotenv_is_read_and_the_environment_wins_over_it(root, instance, monkeypatch):
    (root / ".env").write_text(
        "PORT=6001\nMAIL_FROM=dotenv@example.test\nINBOUND_EMAIL_DOMAIN=dotenv.example.test\n"
    )
    monkeypatch.setenv("MAIL_FROM", "environment@example.test")
    values = settings(instance)
    assert values["PORT"] == 6001  # only in .env
    assert values["PUBLIC_BASE_URL"] == "http://127.0.0.1:6001"
    assert values["MAIL_FROM"] == "environment@example.test"  # the environment wins
    assert values["INBOUND_EMAIL_DOMAIN"] == "dotenv.example.test"
    # ...and explicit overrides (what create_app's callers pass) win over both.
    assert settings(instance, MAIL_FROM="override@example.test")["MAIL_FROM"] == (
        "override@example.test"
    )


def test_a_malformed_value_in_dotenv_is_reported_too(root, instance):
    (root / ".env").write_text("PORT=not-a-port\n")
    with pytest.raises(ConfigError, match="PORT"):
        settings(instance)


def test_defaults(root, instance):
    values = settings(instance)
    assert values["PORT"] == 5000
    assert values["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert values["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{root / 'instance' / 'ordertalk.db'}"
    assert values["MAIL_FROM"] == "orders@ordertalk.test"
    assert values["INBOUND_EMAIL_DOMAIN"] == "reply.ordertalk.test"
    assert values["SENDGRID_API_HOST"] == "https://api.sendgrid.com"
    assert values["TWILIO_API_BASE_URL"] == "https://api.twilio.com"
    assert values["REDIS_URL"] is None
    assert values["RATELIMIT_STORAGE_URI"] == "memory://"
    assert values["SENDGRID_API_KEY"] is None
    assert values["TWILIO_ACCOUNT_SID"] is None and values["TWILIO_AUTH_TOKEN"] is None
    assert values["SESSION_COOKIE_SECURE"] is False


def test_values_are_normalized(root, instance):
    values = settings(
        instance,
        PORT="8080",
        PUBLIC_BASE_URL="https://orders.example.com/",
        INBOUND_EMAIL_DOMAIN="Reply.Example.COM",
        REDIS_URL="redis://127.0.0.1:6379/0",
        TWILIO_ACCOUNT_SID="AC123",
        TWILIO_AUTH_TOKEN="secret",
    )
    assert values["PORT"] == 8080
    assert values["PUBLIC_BASE_URL"] == "https://orders.example.com"
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["INBOUND_EMAIL_DOMAIN"] == "reply.example.com"
    assert values["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert values["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert values["TWILIO_ACCOUNT_SID"] == "AC123"


def test_the_public_base_url_follows_the_port_by_default(root, instance):
    assert settings(instance, PORT="7000")["PUBLIC_BASE_URL"] == "http://127.0.0.1:7000"


# -- database URLs ---------------------------------------------------------------------------------


def test_a_relative_sqlite_path_is_under_the_project_root(root, instance):
    url = settings(instance, DATABASE_URL="sqlite:///data/orders.db")["SQLALCHEMY_DATABASE_URI"]
    assert url == f"sqlite:///{root / 'data' / 'orders.db'}"
    assert (root / "data").is_dir()  # created, so SQLite can create the file


def test_absolute_and_memory_sqlite_urls_are_kept(root, instance, tmp_path):
    absolute = f"sqlite:///{tmp_path / 'abs.db'}"
    assert settings(instance, DATABASE_URL=absolute)["SQLALCHEMY_DATABASE_URI"] == absolute
    memory = "sqlite:///:memory:"
    assert settings(instance, DATABASE_URL=memory)["SQLALCHEMY_DATABASE_URI"] == memory


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/ot", "postgresql+psycopg://u:p@db:5432/ot"),
        ("postgresql+psycopg://u@db/ot", "postgresql+psycopg://u@db/ot"),
    ],
)
def test_postgresql_urls_use_psycopg_3(root, instance, given, expected):
    assert settings(instance, DATABASE_URL=given)["SQLALCHEMY_DATABASE_URI"] == expected


# -- malformed values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "instance/ordertalk.db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://root@localhost/ot"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql+pymysql://root@localhost/ot"}, "DATABASE_URL"),
        ({"PORT": "abc"}, "PORT"),
        ({"PORT": "0"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORT": "65536"}, "PORT"),
        ({"PORT": "-1"}, "PORT"),
        ({"PORT": "80.5"}, "PORT"),
        ({"PUBLIC_BASE_URL": "ftp://x"}, "PUBLIC_BASE_URL"),
        ({"PUBLIC_BASE_URL": "orders.example.com"}, "PUBLIC_BASE_URL"),
        ({"PUBLIC_BASE_URL": "http://"}, "PUBLIC_BASE_URL"),
        ({"SENDGRID_API_HOST": "api.sendgrid.com"}, "SENDGRID_API_HOST"),
        ({"TWILIO_API_BASE_URL": "ftp://api.twilio.com"}, "TWILIO_API_BASE_URL"),
        ({"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_AUTH_TOKEN": "secret"}, "TWILIO_ACCOUNT_SID"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"MAIL_FROM": "nope"}, "MAIL_FROM"),
        ({"MAIL_FROM": "orders@localhost"}, "MAIL_FROM"),
        ({"MAIL_FROM": "@example.com"}, "MAIL_FROM"),
        ({"INBOUND_EMAIL_DOMAIN": "a b"}, "INBOUND_EMAIL_DOMAIN"),
        ({"INBOUND_EMAIL_DOMAIN": "reply"}, "INBOUND_EMAIL_DOMAIN"),
        ({"INBOUND_EMAIL_DOMAIN": "order@reply.example.com"}, "INBOUND_EMAIL_DOMAIN"),
        ({"INBOUND_EMAIL_DOMAIN": "reply.example.com/x"}, "INBOUND_EMAIL_DOMAIN"),
    ],
)
def test_a_malformed_setting_is_refused_by_name(root, instance, env, named):
    with pytest.raises(ConfigError) as caught:
        settings(instance, **env)
    assert named in str(caught.value)


def test_empty_values_mean_the_default(root, instance):
    values = settings(instance, PORT="", REDIS_URL="", MAIL_FROM="", TWILIO_ACCOUNT_SID="")
    assert values["PORT"] == 5000
    assert values["REDIS_URL"] is None
    assert values["MAIL_FROM"] == "orders@ordertalk.test"


def test_create_app_stops_with_a_clear_message(root, tmp_path):
    from app import create_app

    with pytest.raises(SystemExit) as caught:
        create_app(
            {"PORT": "abc", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
            instance_path=tmp_path / "instance",
        )
    message = str(caught.value.code)
    assert "PORT" in message and "abc" in message
    assert message.startswith("Ordertalk cannot start")
    assert "Traceback" not in message


def test_create_app_names_the_bad_database_url(root, tmp_path):
    from app import create_app

    with pytest.raises(SystemExit, match="DATABASE_URL"):
        create_app({"DATABASE_URL": "mysql://root@localhost/ot"}, instance_path=tmp_path / "i")


def test_the_test_app_runs_on_the_configured_database(app):
    from tests import databases

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if databases.is_postgres(databases.test_database_url()):
        assert uri.startswith("postgresql+psycopg://")
    else:
        assert uri.startswith("sqlite:///")


@pytest.mark.parametrize("name, value", [
    ("NOTIFY_MAX_ATTEMPTS", "abc"),
    ("NOTIFY_CONCURRENCY", "0"),
    ("NOTIFY_POLL_SECONDS", "-1"),
    ("NOTIFY_PROVIDER_TIMEOUT", "nan"),
    ("NOTIFY_DAILY_INVOICING_AT", "25:99"),
])
def test_a_bad_dispatcher_setting_stops_the_start_by_name(root, tmp_path, name, value):
    """Checked when the app is built, not when the first notification is queued (where it
    would have failed the request that placed an order)."""
    from app import create_app

    with pytest.raises(SystemExit) as caught:
        create_app({name: value, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
                   instance_path=tmp_path / "instance")
    message = str(caught.value.code)
    assert message.startswith("Ordertalk cannot start") and name in message and value in message


def test_dispatcher_settings_are_read_once_with_their_defaults(app):
    from messaging.notifications.settings import dispatcher_settings

    settings = dispatcher_settings(app)
    assert dispatcher_settings(app) is settings
    assert settings.max_attempts == 6 and settings.daily_invoicing_at is not None
