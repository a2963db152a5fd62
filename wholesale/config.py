"""Settings from the environment (and a `.env` file), validated once at start-up.

Every setting of CONTRACT.md §2 is read here and nowhere else. A malformed value stops the
app with a message that names the variable, instead of failing later in a request.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from wholesale.routes.settings import routing_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_PATH = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and why."""


def _env(overrides: Mapping[str, str] | None) -> dict[str, str]:
    """The process environment over `.env` (the real environment wins), then overrides."""
    values: dict[str, str] = {}
    dotenv_path = PROJECT_ROOT / ".env"
    if dotenv_path.is_file():
        values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    values.update(os.environ)
    if overrides:
        values.update(overrides)
    return values


def _persistent_secret(instance_path: Path, name: str) -> str:
    """A random secret generated once per install and kept in `instance/`."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / name
    if path.is_file():
        value = path.read_text().strip()
        if value:
            return value
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def _database_url(raw: str) -> str:
    """Validate the URL; make a relative SQLite path relative to the project root."""
    if "://" not in raw:
        raise ConfigError(f"DATABASE_URL={raw!r} is not a SQLAlchemy URL (e.g. sqlite:///x.db)")
    scheme = raw.split("://", 1)[0]
    backend = scheme.split("+", 1)[0]
    if backend == "postgres":  # the spelling many hosting providers hand out
        backend = "postgresql"
    if backend not in {"sqlite", "postgresql"}:
        raise ConfigError(
            f"DATABASE_URL uses {scheme!r}; Ordertalk supports sqlite and postgresql+psycopg"
        )
    if backend == "postgresql" and scheme in {"postgresql", "postgres"}:
        raw = "postgresql+psycopg://" + raw.split("://", 1)[1]
    if backend == "sqlite":
        path = raw.split(":///", 1)[1] if ":///" in raw else ""
        if path and path != ":memory:" and not path.startswith("/"):
            absolute = PROJECT_ROOT / path
            absolute.parent.mkdir(parents=True, exist_ok=True)
            raw = f"sqlite:///{absolute}"
    return raw


def _http_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name}={raw!r} must be an absolute http(s) URL")
    return raw.rstrip("/")


def _port(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"PORT={raw!r} must be a number between 1 and 65535")
    return int(raw)


def _domain(name: str, raw: str) -> str:
    if not raw or "@" in raw or "/" in raw or " " in raw or "." not in raw:
        raise ConfigError(f"{name}={raw!r} must be a domain name such as reply.example.com")
    return raw.lower()


def _email(name: str, raw: str) -> str:
    local, _, domain = raw.partition("@")
    if not local or "." not in domain or " " in raw:
        raise ConfigError(f"{name}={raw!r} must be an email address")
    return raw


def _hours(name: str, raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) <= 24 * 90:
        raise ConfigError(f"{name}={raw!r} must be a whole number of hours from 1 to 2160")
    return int(raw)


def _proxies(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 3:
        raise ConfigError(
            f"TRUSTED_PROXIES={raw!r} must be the number of proxies in front of the app (0-3)"
        )
    return int(raw)


def load_settings(
    overrides: Mapping[str, str] | None = None, instance_path: Path | None = None
) -> dict[str, object]:
    """Read and check every setting; return the Flask config mapping."""
    env = _env(overrides)
    instance = Path(instance_path or DEFAULT_INSTANCE_PATH)
    port = _port(env.get("PORT", "5000") or "5000")
    twilio_sid, twilio_token = env.get("TWILIO_ACCOUNT_SID"), env.get("TWILIO_AUTH_TOKEN")
    if bool(twilio_sid) != bool(twilio_token):
        raise ConfigError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together")
    redis_url = env.get("REDIS_URL") or None
    if redis_url and urlsplit(redis_url).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"REDIS_URL={redis_url!r} must start with redis://, rediss:// or unix://")

    return {
        "SECRET_KEY": env.get("SECRET_KEY") or _persistent_secret(instance, "secret_key"),
        "SQLALCHEMY_DATABASE_URI": _database_url(
            env.get("DATABASE_URL") or "sqlite:///instance/ordertalk.db"
        ),
        "REDIS_URL": redis_url,
        # Redis pub/sub channels are shared by every database number: installs that share
        # a Redis server need their own channel name.
        "SOCKETIO_CHANNEL": env.get("SOCKETIO_CHANNEL") or "ordertalk",
        "PORT": port,
        "PUBLIC_BASE_URL": _http_url(
            "PUBLIC_BASE_URL", env.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{port}"
        ),
        "SENDGRID_API_KEY": env.get("SENDGRID_API_KEY") or None,
        "SENDGRID_API_HOST": _http_url(
            "SENDGRID_API_HOST", env.get("SENDGRID_API_HOST") or "https://api.sendgrid.com"
        ),
        "SENDGRID_WEBHOOK_PUBLIC_KEY": env.get("SENDGRID_WEBHOOK_PUBLIC_KEY") or None,
        "SENDGRID_INBOUND_SECRET": env.get("SENDGRID_INBOUND_SECRET")
        or _persistent_secret(instance, "sendgrid_inbound_secret"),
        "MAIL_FROM": _email("MAIL_FROM", env.get("MAIL_FROM") or "orders@ordertalk.test"),
        "INBOUND_EMAIL_DOMAIN": _domain(
            "INBOUND_EMAIL_DOMAIN", env.get("INBOUND_EMAIL_DOMAIN") or "reply.ordertalk.test"
        ),
        "TWILIO_ACCOUNT_SID": twilio_sid or None,
        "TWILIO_AUTH_TOKEN": twilio_token or None,
        "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER") or None,
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
        "TWILIO_API_BASE_URL": _http_url(
            "TWILIO_API_BASE_URL", env.get("TWILIO_API_BASE_URL") or "https://api.twilio.com"
        ),
        # Proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto/-Host/-Port
        # are believed (Werkzeug's ProxyFix, applied in app.py); 0 ignores those headers.
        "TRUSTED_PROXIES": _proxies(env.get("TRUSTED_PROXIES") or "0"),
        # How long a draft order read from a buyer's message waits for confirmation.
        "DRAFT_TTL_HOURS": _hours("DRAFT_TTL_HOURS", env.get("DRAFT_TTL_HOURS") or "48"),
        "SHIPPO_API_KEY": env.get("SHIPPO_API_KEY") or None,
        "SHIPPO_API_BASE_URL": _http_url(
            "SHIPPO_API_BASE_URL", env.get("SHIPPO_API_BASE_URL") or "https://api.goshippo.com"
        ),
        "SHIPPO_WEBHOOK_SECRET": env.get("SHIPPO_WEBHOOK_SECRET")
        or _persistent_secret(instance, "shippo_webhook_secret"),
        **routing_settings(env),
        # Framework settings derived from the above.
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Threads per process (gunicorn gthread, the dispatcher's pool) each may hold a
        # connection: a pool as large as the thread count, so nobody waits for one.
        # Connections idle for a while are pinged at checkout (wholesale/pool_ping.py).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 80},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("PUBLIC_BASE_URL", "").startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "API_TOKEN_PREFIX": "otk_",
    }
