"""The one place that decides which rows the current organization may see.

Every ORM SELECT runs through `_scope_to_tenant`: while a tenant is set (by the API and page
authentication, the socket handlers, or `as_tenant()` in a task), each tenant-scoped model in
the statement gets its `__tenant_criteria__` added, so another organization's row simply is
not found and the caller answers 404. Code that must look across tenants (login, token
lookup, webhooks, the worker) runs with no tenant set or with the `all_tenants` option.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from flask import g, has_app_context
from sqlalchemy import ColumnElement, event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.orm.util import LoaderCriteriaOption

from wholesale.errors import NotFound

T = TypeVar("T")

_SCOPED: list[type] = []


class TenantScoped:
    """Mixin for models whose rows belong to organizations."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "__tenant_criteria__" in cls.__dict__:
            _SCOPED.append(cls)

    @classmethod
    def __tenant_criteria__(cls, org_id: int) -> ColumnElement[bool]:
        raise NotImplementedError


def current_tenant_id() -> int | None:
    return g.get("tenant_org_id") if has_app_context() else None


def set_tenant(org_id: int | None) -> None:
    g.tenant_org_id = org_id


@contextmanager
def as_tenant(org_id: int | None) -> Iterator[None]:
    """Run a block as `org_id` sees the data (None: unscoped), restoring the previous one."""
    previous = current_tenant_id()
    set_tenant(org_id)
    try:
        yield
    finally:
        set_tenant(previous)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load:
        return
    if state.execution_options.get("all_tenants"):
        return
    org_id = current_tenant_id()
    if org_id is None:
        return
    state.statement = state.statement.options(*_criteria_options(org_id))


@lru_cache(maxsize=1024)
def _criteria_options(org_id: int) -> tuple[LoaderCriteriaOption, ...]:
    """The options for one tenant, built once. Lambdas let SQLAlchemy cache the compiled
    criteria (org_id becomes a bound parameter); reusing the option objects keeps the
    per-query cost near that of an unscoped query."""
    return tuple(
        with_loader_criteria(model, lambda cls: cls.__tenant_criteria__(org_id),
                             include_aliases=True)
        for model in _SCOPED
    )


def get_or_404(model: type[T], ident: object) -> T:
    """The row with this primary key if the current tenant may see it, else 404."""
    obj = _session().scalars(select(model).where(model.id == ident)).first()  # type: ignore[attr-defined]
    if obj is None:
        words = re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()
        raise NotFound(f"{words.capitalize()} not found.")
    return obj


def _session() -> Session:
    from wholesale.extensions import db

    return db.session
