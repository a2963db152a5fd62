"""Creating and dropping throwaway test databases (PostgreSQL) or files (SQLite)."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ordertalk_test"


def test_database_url() -> str:
    """The database the suite runs on: TEST_DATABASE_URL, else a SQLite file."""
    return os.environ.get("TEST_DATABASE_URL", "sqlite")


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _admin_conninfo(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database="postgres")
    return parsed.render_as_string(hide_password=False)


def create_postgres_database(base_url: str, suffix: str) -> str:
    """A new empty database named after `base_url`'s, with `suffix`; returns its URL."""
    url = make_url(base_url)
    name = f"{url.database}_{suffix}"
    with psycopg.connect(_admin_conninfo(base_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(_admin_conninfo(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_url(directory: Path, name: str) -> str:
    return f"sqlite:///{directory / name}"
