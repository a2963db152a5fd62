"""Who may open a page: signed in, and for some pages a supplier or a buyer only
(anyone else gets 404, as for another tenant's resource)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from wholesale.accounts.models import Organization, OrgKind, User


def me() -> User:
    """The signed-in user as a model object (not the `current_user` proxy)."""
    return current_user._get_current_object()


def my_org() -> Organization:
    return current_user.organization


def org_kind_required(kind: OrgKind) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if my_org().kind is not kind:
                abort(404)
            return view(*args, **kwargs)

        return login_required(wrapped)

    return decorator


supplier_required = org_kind_required(OrgKind.SUPPLIER)
buyer_required = org_kind_required(OrgKind.BUYER)

