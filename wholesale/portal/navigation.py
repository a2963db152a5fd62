"""The sidebar and the settings sub-navigation, by the kind of organization signed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from flask_login import current_user

from wholesale.accounts.models import OrgKind, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    icon: str
    # Other endpoints, and whole blueprints, under this item (it is marked active on them).
    also: tuple[str, ...] = field(default=())
    blueprints: tuple[str, ...] = field(default=())
    # Endpoints of those blueprints that have their own item (the cart, under Orders).
    except_: tuple[str, ...] = field(default=())

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    @property
    def active(self) -> bool:
        return request.endpoint in (self.endpoint, *self.also) or (
            request.blueprint in self.blueprints and request.endpoint not in self.except_
        )


_SETTINGS_COMMON = (
    NavItem("Profile", "accounts.profile", "user"),
    NavItem("Password", "accounts.password", "lock"),
    NavItem("API tokens", "accounts.tokens", "key"),
    NavItem("Team", "accounts.team", "team"),
)
SETTINGS_NAV: dict[OrgKind, tuple[NavItem, ...]] = {
    OrgKind.SUPPLIER: (*_SETTINGS_COMMON, NavItem("Warehouses", "sites.warehouses", "warehouse")),
    OrgKind.BUYER: (*_SETTINGS_COMMON, NavItem("Delivery locations", "sites.locations", "pin")),
}


def _settings(kind: OrgKind) -> NavItem:
    endpoints = tuple(item.endpoint for item in SETTINGS_NAV[kind])
    return NavItem("Settings", endpoints[0], "settings", also=endpoints[1:])


_HOME = NavItem("Home", "portal.dashboard", "home")
MAIN_NAV: dict[OrgKind, tuple[NavItem, ...]] = {
    OrgKind.SUPPLIER: (
        _HOME,
        NavItem("Orders", "orders.index", "orders", blueprints=("orders",)),
        NavItem("Board", "fulfilment.board_page", "suppliers", blueprints=("fulfilment",)),
        NavItem("Inbox", "inbox.index", "inbox", blueprints=("inbox",)),
        NavItem("Catalog", "catalog.index", "catalog", blueprints=("catalog",)),
        NavItem("Inventory", "inventory.index", "inventory", blueprints=("inventory",)),
        NavItem("Invoices", "invoicing.index", "invoices", blueprints=("invoicing",)),
        NavItem("Standing orders", "standing.index", "orders", blueprints=("standing",)),
        NavItem("Delivery runs", "routes.index", "pin", also=("routes.sheet",)),
        NavItem("Customers", "trading.customers", "customers", also=("trading.customer",)),
        _settings(OrgKind.SUPPLIER),
    ),
    OrgKind.BUYER: (
        _HOME,
        NavItem("Suppliers", "trading.suppliers", "suppliers"),
        NavItem("Catalog", "catalog.index", "catalog", blueprints=("catalog",)),
        NavItem("Cart", "orders.cart", "cart", also=("orders.checkout",)),
        NavItem("Orders", "orders.index", "orders", blueprints=("orders", "fulfilment"),
                except_=("orders.cart", "orders.checkout")),
        NavItem("Inbox", "inbox.index", "inbox", blueprints=("inbox",)),
        NavItem("Standing orders", "standing.index", "orders", blueprints=("standing",)),
        NavItem("Invoices", "invoicing.index", "invoices", blueprints=("invoicing",)),
        _settings(OrgKind.BUYER),
    ),
}

# A driver works from the phone view of their own runs.
DRIVER_NAV = (NavItem("My run", "routes.driver", "pin"),)


def navigation_context() -> dict[str, Any]:
    """Template variables: `main_nav` and `settings_nav` for the signed-in organization."""
    if not current_user.is_authenticated:
        return {"main_nav": (), "settings_nav": ()}
    kind = current_user.organization.kind
    if current_user.role is Role.DRIVER:
        return {"main_nav": DRIVER_NAV, "settings_nav": _SETTINGS_COMMON[:2]}
    return {"main_nav": MAIN_NAV[kind], "settings_nav": SETTINGS_NAV[kind]}
