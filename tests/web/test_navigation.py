"""Every page renders for the roles it belongs to, the navigation fits the role, and
signed-out visitors are sent to the login page."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.web.conftest import active_nav, nav_labels, text
from wholesale.accounts.models import Role
from wholesale.trading.services import relationships_of

COMMON = ["/", "/orders", "/catalog", "/settings/profile", "/settings/password",
          "/settings/tokens", "/settings/team"]
SUPPLIER_ONLY = ["/inbox", "/inventory", "/customers", "/settings/warehouses", "/delivery-runs",
                 "/driver"]
BUYER_ONLY = ["/suppliers", "/settings/locations"]


@pytest.mark.parametrize("path", COMMON + SUPPLIER_ONLY)
def test_supplier_pages_render(client, factory, supplier, buyer, path):
    login(client, factory.owner(supplier))
    response = client.get(path)
    assert response.status_code == 200, text(response)[:500]
    assert '<meta name="csrf-token"' in text(response)


@pytest.mark.parametrize("path", COMMON + BUYER_ONLY)
def test_buyer_pages_render(client, factory, buyer, path):
    login(client, factory.owner(buyer))
    response = client.get(path)
    assert response.status_code == 200, text(response)[:500]


@pytest.mark.parametrize("path", [path for path in SUPPLIER_ONLY if path != "/inbox"])
def test_supplier_pages_are_404_for_buyers(client, factory, buyer, path):
    login(client, factory.owner(buyer))
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", BUYER_ONLY)
def test_buyer_pages_are_404_for_suppliers(client, factory, supplier, path):
    login(client, factory.owner(supplier))
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", COMMON + SUPPLIER_ONLY + BUYER_ONLY + ["/customers/1"])
def test_signed_out_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(("path", "status"), [
    ("/login", 200), ("/signup", 200), ("/invitations/unknown", 404)])
def test_signed_out_pages_render(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert '<meta name="csrf-token"' in text(response)


def test_supplier_navigation(client, factory, supplier):
    login(client, factory.owner(supplier))
    response = client.get("/")
    assert nav_labels(response) == ["Home", "Orders", "Board", "Inbox", "Catalog", "Inventory",
                                    "Invoices", "Standing orders", "Delivery runs", "Customers",
                                    "Settings"]
    body = text(response)
    assert "Harbor Foods" in body and 'action="/logout"' in body


def test_a_driver_gets_only_their_run_in_the_menu(client, factory, supplier):
    login(client, factory.user(supplier, role=Role.DRIVER))
    assert nav_labels(client.get("/driver")) == ["My run"]


def test_buyer_navigation(client, factory, buyer):
    login(client, factory.owner(buyer))
    assert nav_labels(client.get("/")) == [
        "Home", "Suppliers", "Catalog", "Cart", "Orders", "Inbox", "Standing orders", "Invoices",
        "Settings"
    ]


@pytest.mark.parametrize(("path", "active"), [
    ("/", "Home"), ("/inbox", "Inbox"), ("/customers", "Customers"),
    ("/settings/team", "Settings"), ("/settings/warehouses", "Settings"),
])
def test_the_current_section_is_marked(client, factory, supplier, path, active):
    login(client, factory.owner(supplier))
    assert active_nav(client.get(path)) == [active]


def test_a_customer_page_marks_customers(client, factory, supplier, buyer):
    login(client, factory.owner(supplier))
    relationship = relationships_of(supplier)[0]
    assert active_nav(client.get(f"/customers/{relationship.id}")) == ["Customers"]


def test_dashboard_shows_counts_and_getting_started(client, factory, supplier, buyer):
    login(client, factory.owner(supplier))
    body = text(client.get("/"))
    assert "Getting started" in body
    assert 'href="/settings/warehouses">Add a warehouse</a>' in body
    assert "1 of 4 done" in body, "a customer is connected; nothing else is done"


def test_unknown_pages_use_the_error_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in text(response) and "Error 404" in text(response)
