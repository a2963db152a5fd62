"""Tenant isolation, walked over every API route the app has (not a hand-kept list).

Two unrelated worlds: supplier A + buyer A (connected), supplier B + buyer B (connected).
Everything of tenant A carries MARKER_A in its name or email. Tenant B's people call every
route with tenant A's ids; they must never get a 2xx on a route about one resource, and never
see MARKER_A anywhere. New routes are covered automatically: when a route's path names a kind
of resource this test does not know, it fails and says what to add to RESOURCES.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from messaging.chat import attachments
from messaging.chat import services as chat
from messaging.chat.access import open_thread
from messaging.chat.models import Attachment, Message, ReadState, Thread
from messaging.notifications.models import Notification
from messaging.webhooks_out.models import WebhookDelivery, WebhookEndpoint
from tests.api.util import assert_error, assert_error_shape, commit, forget_request_state
from wholesale.accounts import services as accounts
from wholesale.accounts.models import (
    ApiToken,
    Invitation,
    InvitationKind,
    Organization,
    User,
    UserSession,
)
from wholesale.api.registry import OPERATIONS
from wholesale.catalog.models import Product, ProductImage
from wholesale.drafts.models import OrderDraft
from wholesale.extensions import db
from wholesale.fulfilment.models import (
    DeliveryChange,
    OrderDelay,
    OrderEvent,
    Shipment,
    ShipmentLine,
    ShippingQuote,
)
from wholesale.intake.models import IntakeAlias
from wholesale.inventory.models import StockLevel, StockMovement
from wholesale.invoicing.models import (
    BillingProfile,
    CreditHold,
    CreditLimit,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceSettings,
    Payment,
    ProductTaxRate,
)
from wholesale.orders import carts
from wholesale.orders.cart_models import Cart
from wholesale.orders.models import Allocation, Order, OrderLine
from wholesale.purchasing.models import (
    ProductCost,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderMessage,
    PurchaseReceipt,
    PurchaseReceiptLine,
    Vendor,
    VendorItem,
)
from wholesale.routes.models import ReceivingWindow, Route, Run, Stop, Vehicle
from wholesale.sites.models import DeliveryLocation, Warehouse
from wholesale.standing import services as standing_services
from wholesale.standing.models import StandingOccurrence, StandingOrder, StandingSettings
from wholesale.tenancy import _SCOPED, as_tenant
from wholesale.trading.models import TradingRelationship

MARKER_A = "zqxtenantamarker"
MARKER_B = "zqxtenantbmarker"
API_PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}

# The operations anyone may call without a token. Adding a public operation is a decision:
# add it here on purpose.
PUBLIC_OPERATIONS = {
    ("POST", "/api/v1/signup"),
    ("POST", "/api/v1/auth/tokens"),
    ("GET", "/api/v1/openapi.json"),
}


@dataclass
class Tenant:
    """One side of the world: ids and API clients only (no ORM objects after setup)."""

    marker: str
    supplier_id: int = 0
    buyer_id: int = 0
    relationship_id: int = 0
    warehouse_id: int = 0
    location_id: int = 0
    product_id: int = 0
    image_id: int = 0
    order_id: int = 0
    line_ids: list[int] = field(default_factory=list)
    allocation_ids: list[int] = field(default_factory=list)
    stock_level_ids: list[int] = field(default_factory=list)
    movement_ids: list[int] = field(default_factory=list)
    change_id: int = 0
    invoice_id: int = 0
    thread_id: int = 0  # the account thread
    draft_id: int = 0  # a draft read from a message in it
    purchase_order_id: int = 0
    run_id: int = 0  # a delivery run with one route and one stop (the order)
    stop_id: int = 0
    standing_id: int = 0  # a standing order, one occurrence of it skipped
    rows: dict[type, list[int]] = field(default_factory=dict)  # order-related rows by model
    invitation_id: int = 0
    user_ids: list[int] = field(default_factory=list)
    token_ids: list[int] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)
    webhook_endpoint_id: int = 0  # the supplier's (its URL carries the marker)
    webhook_delivery_id: int = 0  # one of the events of the order sent to it
    clients: dict[str, Any] = field(default_factory=dict)  # "supplier"/"buyer" -> ApiClient


# The path segment before an `<int:...>` parameter -> the id of that tenant's resource.
# A new kind of resource in a route path: create one per tenant in `build_tenant` (with the
# marker in its name) and add its segment here.
RESOURCES: dict[str, Callable[[Tenant], int]] = {
    "warehouses": lambda t: t.warehouse_id,
    "locations": lambda t: t.location_id,
    "customers": lambda t: t.relationship_id,
    "suppliers": lambda t: t.relationship_id,
    "invitations": lambda t: t.invitation_id,
    "products": lambda t: t.product_id,
    "images": lambda t: t.image_id,
    "orders": lambda t: t.order_id,
    "delivery-changes": lambda t: t.change_id,
    "invoices": lambda t: t.invoice_id,
    "threads": lambda t: t.thread_id,
    "drafts": lambda t: t.draft_id,
    "purchase-orders": lambda t: t.purchase_order_id,
    "runs": lambda t: t.run_id,
    "stops": lambda t: t.stop_id,
    "standing-orders": lambda t: t.standing_id,
    "webhook-endpoints": lambda t: t.webhook_endpoint_id,
    "deliveries": lambda t: t.webhook_delivery_id,
    "shipments": lambda t: (t.rows.get(Shipment) or [1])[0],  # the light world has none
}

# Query-string and body fields that name another resource -> that tenant's id.
ID_FIELDS: dict[str, Callable[[Tenant], int]] = {
    "supplier_id": lambda t: t.supplier_id,
    "buyer_id": lambda t: t.buyer_id,
    "organization_id": lambda t: t.supplier_id,
    "warehouse_id": lambda t: t.warehouse_id,
    "location_id": lambda t: t.location_id,
    "delivery_location_id": lambda t: t.location_id,
    "product_id": lambda t: t.product_id,
    "order_id": lambda t: t.order_id,
    "invoice_id": lambda t: t.invoice_id,
    "vendor_id": lambda t: t.rows[Vendor][0],
    "after_id": lambda t: 0,  # a position in a list (messages after this one), not a resource
}

# Query-string fields that search text.
SEARCH_FIELDS = {"q", "query", "search"}

# Tenant-scoped models -> the ids of tenant A's rows of that model.
SCOPED_ROWS: dict[type, Callable[[Tenant], list[int]]] = {
    Organization: lambda t: [t.supplier_id, t.buyer_id],
    User: lambda t: t.user_ids,
    ApiToken: lambda t: t.token_ids,
    UserSession: lambda t: t.session_ids,
    Invitation: lambda t: [t.invitation_id],
    TradingRelationship: lambda t: [t.relationship_id],
    Warehouse: lambda t: [t.warehouse_id],
    DeliveryLocation: lambda t: [t.location_id],
    Product: lambda t: [t.product_id],
    Order: lambda t: [t.order_id],
    OrderLine: lambda t: t.line_ids,
    Allocation: lambda t: t.allocation_ids,
    StockLevel: lambda t: t.stock_level_ids,
    StockMovement: lambda t: t.movement_ids,
    Thread: lambda t: t.rows[Thread],
    Message: lambda t: t.rows[Message],
    OrderEvent: lambda t: t.rows[OrderEvent],
    OrderDelay: lambda t: t.rows[OrderDelay],
    DeliveryChange: lambda t: t.rows[DeliveryChange],
    Shipment: lambda t: t.rows[Shipment],
    ShipmentLine: lambda t: t.rows[ShipmentLine],
    ShippingQuote: lambda t: t.rows[ShippingQuote],
    Invoice: lambda t: [t.invoice_id],
    InvoiceLine: lambda t: t.rows[InvoiceLine],
    Payment: lambda t: t.rows[Payment],
    CreditLimit: lambda t: t.rows[CreditLimit],
    ProductTaxRate: lambda t: t.rows[ProductTaxRate],
    InvoiceSettings: lambda t: t.rows[InvoiceSettings],
    BillingProfile: lambda t: t.rows[BillingProfile],
    CreditNote: lambda t: t.rows[CreditNote],
    CreditHold: lambda t: t.rows[CreditHold],
    Notification: lambda t: t.rows[Notification],
    Cart: lambda t: t.rows[Cart],
    ReadState: lambda t: t.rows[ReadState],
    Attachment: lambda t: t.rows[Attachment],
    OrderDraft: lambda t: [t.draft_id],
    StandingOrder: lambda t: [t.standing_id],
    StandingOccurrence: lambda t: t.rows[StandingOccurrence],
    StandingSettings: lambda t: t.rows[StandingSettings],
    IntakeAlias: lambda t: t.rows[IntakeAlias],
    Vendor: lambda t: t.rows[Vendor],
    VendorItem: lambda t: t.rows[VendorItem],
    PurchaseOrder: lambda t: [t.purchase_order_id],
    PurchaseOrderLine: lambda t: t.rows[PurchaseOrderLine],
    PurchaseOrderMessage: lambda t: t.rows[PurchaseOrderMessage],
    PurchaseReceipt: lambda t: t.rows[PurchaseReceipt],
    PurchaseReceiptLine: lambda t: t.rows[PurchaseReceiptLine],
    ProductCost: lambda t: t.rows[ProductCost],
    Vehicle: lambda t: t.rows[Vehicle],
    ReceivingWindow: lambda t: t.rows[ReceivingWindow],
    Run: lambda t: [t.run_id],
    Route: lambda t: t.rows[Route],
    Stop: lambda t: [t.stop_id],
    WebhookEndpoint: lambda t: [t.webhook_endpoint_id],
    WebhookDelivery: lambda t: t.rows[WebhookDelivery],
}

_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def build_tenant(factory: Any, api_as: Any, marker: str) -> Tenant:
    tenant = Tenant(marker)
    supplier = factory.supplier(f"Supplier {marker}")
    buyer = factory.buyer(f"Buyer {marker}")
    staff = factory.user(supplier, email=f"staff-{marker}@example.test")
    for org in (supplier, buyer):
        for user in org.users:
            user.name = f"Person {marker}"
    relationship = factory.connect(supplier, buyer)
    warehouse = factory.warehouse(supplier, name=f"Warehouse {marker}")
    location = factory.location(buyer, name=f"Location {marker}")
    location.contact_email = f"dock-{marker}@example.test"
    product = Product(
        supplier=supplier, sku=f"SKU-{marker}", name=f"Product {marker}", price=Decimal("9.50")
    )
    db.session.add(product)
    db.session.flush()
    image = ProductImage(
        product_id=product.id, stored_name=f"products/{marker}.png", content_type="image/png"
    )
    db.session.add(image)
    _, invitation = accounts.invite(
        factory.owner(supplier), f"invitee-{marker}@example.test", InvitationKind.BUYER
    )
    _, api_token = accounts.create_api_token(staff, f"Token {marker}")
    accounts.start_session(staff)
    db.session.flush()

    tenant.supplier_id, tenant.buyer_id = supplier.id, buyer.id
    tenant.relationship_id = relationship.id
    tenant.warehouse_id, tenant.location_id = warehouse.id, location.id
    tenant.product_id, tenant.image_id = product.id, image.id
    tenant.invitation_id = invitation.id
    tenant.user_ids = [u.id for org in (supplier, buyer) for u in org.users]
    tenant.session_ids = [staff.portal_session.id]
    tenant.clients = {
        "supplier": api_as(factory.owner(supplier)),
        "buyer": api_as(factory.owner(buyer)),
    }
    tenant.token_ids = list(
        db.session.scalars(
            select(ApiToken.id).where(ApiToken.organization_id.in_([supplier.id, buyer.id]))
        )
    )
    assert api_token.id in tenant.token_ids
    tenant.webhook_endpoint_id = must(tenant.clients["supplier"].post(
        "/api/v1/webhook-endpoints",
        json={"url": f"https://erp-{marker}.example.test/hooks", "events": ["*"]})).json["id"]
    return tenant


def must(response: Any) -> Any:
    assert 200 <= response.status_code < 300, response.get_data(as_text=True)[:400]
    return response


def first_accepted(send: Callable[[date], Any], start: date) -> Any:
    """The first of the next days the supplier's rules accept (delivery days, lead time)."""
    answers = []
    for offset in range(21):
        response = send(start + timedelta(days=offset))
        if response.status_code in (200, 201):
            return response
        answers.append((response.status_code, response.get_data(as_text=True)[:120]))
    raise AssertionError(f"no date accepted: {answers[:3]}")


def place_order(tenant: Tenant) -> None:
    """Stock in, then an order, through the API as its users would (CONTRACT.md §3)."""
    stock = tenant.clients["supplier"].post(
        "/api/v1/stock",
        json={
            "warehouse_id": tenant.warehouse_id,
            "product_id": tenant.product_id,
            "delta": 10,
            "reason": f"Delivery {tenant.marker}",
        },
    )
    assert stock.status_code in (200, 201), stock.get_data(as_text=True)[:300]
    answers = []
    for days in range(1, 15):  # the first date the supplier's ordering rules accept
        response = tenant.clients["buyer"].post(
            "/api/v1/orders",
            json={
                "supplier_id": tenant.supplier_id,
                "lines": [{"product_id": tenant.product_id, "quantity": 2}],
                "requested_delivery_date": (date.today() + timedelta(days=days)).isoformat(),
                "delivery_location_id": tenant.location_id,
                "notes": f"Order {tenant.marker}",
            },
            headers={"Idempotency-Key": f"world-{tenant.marker}-{days}"},
        )
        answers.append(response.status_code)
        if response.status_code == 201:
            tenant.order_id = response.json["id"]
            break
    assert tenant.order_id, f"could not place the world's order: {answers}"
    accepted_day = date.today() + timedelta(days=days)
    order_url = f"/api/v1/orders/{tenant.order_id}"
    buyer, supplier = tenant.clients["buyer"], tenant.clients["supplier"]
    must(buyer.post(f"{order_url}/messages",
                    json={"body": f"Message {tenant.marker}", "client_id": f"w-{tenant.marker}"}))
    account = must(buyer.get("/api/v1/threads?kind=account")).json["items"]
    tenant.thread_id = account[0]["id"]
    must(buyer.post(f"/api/v1/threads/{tenant.thread_id}/messages",
                    json={"body": f"Account message {tenant.marker}"}))
    must(buyer.post(f"/api/v1/threads/{tenant.thread_id}/messages",
                    json={"body": f"3 x SKU-{tenant.marker} please"}))
    tenant.draft_id = must(buyer.get("/api/v1/drafts?status=open")).json["items"][0]["id"]
    must(supplier.patch(f"/api/v1/drafts/{tenant.draft_id}", json={"lines": [{
        "product_id": tenant.product_id, "quantity": 3,
        "source_text": f"widgets {tenant.marker}"}]}))  # teaches the intake: an alias row
    monday = date.today() + timedelta(days=14 - date.today().weekday())
    tenant.standing_id = must(buyer.post("/api/v1/standing-orders", json={
        "supplier_id": tenant.supplier_id, "delivery_location_id": tenant.location_id,
        "lines": [{"product_id": tenant.product_id, "quantity": 2}], "weekdays": [3],
        "starts_on": monday.isoformat()})).json["id"]
    must(buyer.post(f"/api/v1/standing-orders/{tenant.standing_id}/skip",
                    json={"date": (monday + timedelta(days=2)).isoformat()}))
    standing_services.save_settings(tenant.supplier_id, closed_dates=[monday])
    new_eta = (date.today() + timedelta(days=20)).isoformat()
    must(supplier.post(f"{order_url}/delays",
                       json={"reason": f"Delay {tenant.marker}", "new_eta": new_eta}))
    change = first_accepted(
        lambda day: buyer.post(f"{order_url}/delivery-changes", json={
            "delivery_date": day.isoformat(), "reason": f"Change {tenant.marker}"}),
        start=date.today() + timedelta(days=3),
    )
    tenant.change_id = change.json["id"]
    must(supplier.post(f"{order_url}/shipping-rates", json={"parcels": [  # console carrier
        {"weight_kg": 2, "length_cm": 30, "width_cm": 20, "height_cm": 10}]}))
    for status in ("received", "picking", "packed"):
        must(supplier.post(f"{order_url}/status", json={"status": status}))
    must(supplier.post(f"{order_url}/shipments", json={
        "carrier": f"Carrier {tenant.marker}", "tracking_number": f"TRK-{tenant.marker}"}))
    tenant.invoice_id = must(supplier.post(f"{order_url}/invoices", json={})).json["id"]
    must(supplier.post(f"/api/v1/invoices/{tenant.invoice_id}/payments", json={
        "amount": "1.00", "paid_on": date.today().isoformat(), "method": "bank_transfer",
        "reference": f"PAY-{tenant.marker}"}))
    must(supplier.open("PUT", f"/api/v1/customers/{tenant.relationship_id}/credit-limit",
                       json={"amount": "100000.00"}))
    must(supplier.open("PUT", f"/api/v1/products/{tenant.product_id}/tax-rate",
                       json={"rate": "8.25"}))
    _billing_and_chat_rows(tenant, order_url, accepted_day)
    _purchasing_rows(tenant)
    _delivery_run_rows(tenant, accepted_day)
    forget_request_state()
    everything = {"all_tenants": True}
    tenant.line_ids = list(db.session.scalars(
        select(OrderLine.id).where(OrderLine.order_id == tenant.order_id)
        .execution_options(**everything)
    ))
    tenant.allocation_ids = list(db.session.scalars(
        select(Allocation.id).where(Allocation.order_line_id.in_(tenant.line_ids))
        .execution_options(**everything)
    ))
    tenant.stock_level_ids = list(db.session.scalars(
        select(StockLevel.id).where(StockLevel.supplier_id == tenant.supplier_id)
        .execution_options(**everything)
    ))
    tenant.movement_ids = list(db.session.scalars(
        select(StockMovement.id).where(StockMovement.supplier_id == tenant.supplier_id)
        .execution_options(**everything)
    ))
    for model in (Thread, OrderEvent, OrderDelay, DeliveryChange, Shipment, ShippingQuote):
        tenant.rows[model] = list(db.session.scalars(
            select(model.id).where(model.order_id == tenant.order_id)
            .execution_options(**everything)
        ))
    tenant.rows[Thread].append(tenant.thread_id)
    tenant.rows[Message] = list(db.session.scalars(
        select(Message.id).where(Message.thread_id.in_(tenant.rows[Thread]))
        .execution_options(**everything)
    ))
    tenant.rows[InvoiceLine] = list(db.session.scalars(
        select(InvoiceLine.id).where(InvoiceLine.invoice_id == tenant.invoice_id)
        .execution_options(**everything)
    ))
    for model in (Payment, CreditLimit, ProductTaxRate, IntakeAlias, StandingOccurrence):
        tenant.rows[model] = list(db.session.scalars(
            select(key_of(model)).where(model.supplier_id == tenant.supplier_id)
            .execution_options(**everything)
        ))
    tenant.rows[ShipmentLine] = list(db.session.scalars(
        select(ShipmentLine.id).where(ShipmentLine.shipment_id.in_(tenant.rows[Shipment]))
        .execution_options(**everything)
    ))
    for model in (InvoiceSettings, CreditNote, CreditHold, Notification, Vendor, VendorItem,
                  PurchaseOrderLine, PurchaseReceipt, PurchaseReceiptLine, ProductCost,
                  StandingSettings, PurchaseOrderMessage):
        tenant.rows[model] = list(db.session.scalars(
            select(key_of(model)).where(model.supplier_id == tenant.supplier_id)
            .execution_options(**everything)
        ))
    tenant.rows[WebhookDelivery] = list(db.session.scalars(
        select(WebhookDelivery.id).where(WebhookDelivery.organization_id == tenant.supplier_id)
        .execution_options(**everything)
    ))
    tenant.webhook_delivery_id = tenant.rows[WebhookDelivery][0]
    for model in (BillingProfile, Cart, ReadState, Attachment):
        tenant.rows[model] = list(db.session.scalars(
            select(key_of(model)).where(model.buyer_id == tenant.buyer_id)
            .execution_options(**everything)
        ))
    db.session.expunge_all()


def _billing_and_chat_rows(tenant: Tenant, order_url: str, day: date) -> None:
    """Rows of the remaining tenant-scoped models: invoice settings and a billing profile, a
    credit note, an order held over the credit limit, a cart, read state, an attachment."""
    buyer, supplier = tenant.clients["buyer"], tenant.clients["supplier"]
    must(supplier.open("PATCH", "/api/v1/invoice-settings",
                       json={"legal_name": f"Supplier {tenant.marker} LLC"}))
    must(buyer.open("PATCH", "/api/v1/billing-profile",
                    json={"legal_name": f"Buyer {tenant.marker} LLC"}))
    invoice = must(supplier.get(f"/api/v1/invoices/{tenant.invoice_id}")).json
    must(supplier.post(f"/api/v1/invoices/{tenant.invoice_id}/credit-notes", json={
        "reason": "damage", "note": f"Credit {tenant.marker}",
        "lines": [{"invoice_line_id": invoice["lines"][0]["id"], "quantity": 1}]}))
    limit_url = f"/api/v1/customers/{tenant.relationship_id}/credit-limit"
    must(supplier.open("PUT", limit_url, json={"amount": "1.00"}))
    held = must(buyer.post("/api/v1/orders", json={
        "supplier_id": tenant.supplier_id,
        "lines": [{"product_id": tenant.product_id, "quantity": 1}],
        "requested_delivery_date": day.isoformat(),
        "delivery_location_id": tenant.location_id,
    }, headers={"Idempotency-Key": f"held-{tenant.marker}"})).json
    must(supplier.get(f"/api/v1/orders/{held['id']}/credit-hold"))
    must(supplier.open("PUT", limit_url, json={"amount": "100000.00"}))
    forget_request_state()
    buyer_user = db.session.get(User, tenant.user_ids[-1])
    assert buyer_user is not None and buyer_user.organization_id == tenant.buyer_id
    carts.add_to_cart(buyer_user, tenant.product_id, 1)
    access = open_thread(buyer_user, tenant.order_id)
    image = attachments.store(io.BytesIO(_PNG), f"photo-{tenant.marker}.png")
    posted = chat.post_message(access, f"Photo {tenant.marker}", files=[image])
    chat.mark_read(access, posted.payload["id"])
    db.session.commit()


def _purchasing_rows(tenant: Tenant) -> None:
    """A vendor of the product, a purchase order sent to it and partly received (a receipt,
    the product's moving-average cost)."""
    supplier = tenant.clients["supplier"]
    vendor = must(supplier.post("/api/v1/vendors", json={
        "name": f"Vendor {tenant.marker}", "email": f"vendor-{tenant.marker}@example.test",
        "items": [{"product_id": tenant.product_id, "vendor_code": f"V-{tenant.marker}",
                   "pack_size": 6, "cost": "4.00", "currency": "USD"}]})).json
    tenant.purchase_order_id = must(supplier.post("/api/v1/purchase-orders", json={
        "vendor_id": vendor["id"], "warehouse_id": tenant.warehouse_id,
        "notes": f"PO {tenant.marker}",
        "lines": [{"product_id": tenant.product_id, "quantity": 12}]})).json["id"]
    po_url = f"/api/v1/purchase-orders/{tenant.purchase_order_id}"
    must(supplier.post(f"{po_url}/send"))
    must(supplier.post(f"{po_url}/messages", json={"body": f"When? {tenant.marker}"}))
    must(supplier.post(f"{po_url}/receipts", json={
        "lines": [{"product_id": tenant.product_id, "quantity": 6}],
        "note": f"Receipt {tenant.marker}"}))


def _delivery_run_rows(tenant: Tenant, day: date) -> None:
    """A vehicle (through the API), a receiving window, and a run whose one route stops at
    the tenant's order (written directly: the order has already shipped, so planning would
    not take it)."""
    vehicle = must(tenant.clients["supplier"].post("/api/v1/vehicles", json={
        "name": f"Van {tenant.marker}", "warehouse_id": tenant.warehouse_id,
        "capacity_cases": 50, "shift_start": "06:00", "shift_end": "14:00"})).json
    forget_request_state()
    window = ReceivingWindow(location_id=tenant.location_id, weekday=1, opens=time(6),
                             closes=time(10))
    run = Run(supplier_id=tenant.supplier_id, warehouse_id=tenant.warehouse_id, date=day,
              unassigned=[])
    route = Route(supplier_id=tenant.supplier_id, vehicle_id=vehicle["id"])
    stop = Stop(supplier_id=tenant.supplier_id, order_id=tenant.order_id, sequence=1,
                problem_note=f"Note {tenant.marker}")
    route.stops.append(stop)
    run.routes.append(route)
    db.session.add_all([window, run])
    db.session.commit()
    tenant.run_id, tenant.stop_id = run.id, stop.id
    tenant.rows[Vehicle], tenant.rows[Route] = [vehicle["id"]], [route.id]
    tenant.rows[ReceivingWindow] = [window.id]


# A 1×1 PNG.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture
def light_world(factory: Any, api_as: Any) -> tuple[Tenant, Tenant]:
    """The two tenants with their sites and catalog, without orders (ids of order-related
    resources stay 0): enough where the answer comes before any lookup (401, 403)."""
    tenant_a = build_tenant(factory, api_as, MARKER_A)
    tenant_b = build_tenant(factory, api_as, MARKER_B)
    commit()
    return tenant_a, tenant_b


@pytest.fixture
def world(light_world: tuple[Tenant, Tenant]) -> tuple[Tenant, Tenant]:
    """Everything: each tenant also has an order with its thread, delay, delivery change,
    shipment, invoice and payment."""
    for tenant in light_world:
        place_order(tenant)
    return light_world


def api_rules(app: Flask) -> list[tuple[str, str]]:
    """Every (method, rule) under /api/v1 that the app really serves."""
    found = sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX)
        for method in rule.methods - IGNORED_METHODS
    )
    assert found, "no /api/v1 routes found in app.url_map"
    return found


def _last_segment(rule: str) -> str:
    """The resource a rule is about: the segment before its last parameter."""
    last = list(_PARAM.finditer(rule))[-1]
    return rule[: last.start()].rstrip("/").rsplit("/", 1)[-1]


def fill_path(rule: str, tenant: Tenant) -> str:
    """`rule` with each parameter replaced by `tenant`'s resource of that kind."""

    def replace(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "default", match.group(2)
        if converter != "int":
            pytest.fail(
                f"{rule}: parameter <{converter}:{name}> is not an <int:...>; teach "
                "tests/test_tenancy.py fill_path() how to fill it with tenant A's value."
            )
        segment = rule[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        if segment not in RESOURCES:
            pytest.fail(
                f"{rule}: unknown resource segment {segment!r}. Create one {segment!r} per "
                "tenant in tests/test_tenancy.py build_tenant() (with the marker in its name) "
                f"and add {segment!r} to RESOURCES, so its tenant isolation is checked."
            )
        return str(RESOURCES[segment](tenant))

    return _PARAM.sub(replace, rule)


def _operation(method: str, rule: str) -> Any:
    return next((op for op in OPERATIONS if op.method == method and op.rule == rule), None)


def query_for(method: str, rule: str, tenant: Tenant) -> dict[str, Any]:
    """For list filters that name a resource (`?supplier_id=`): tenant's ids; for search
    fields (`?q=`): tenant's marker."""
    op = _operation(method, rule)
    if op is None or op.query is None:
        return {}
    query: dict[str, Any] = {}
    for name in op.query().fields:
        if name in SEARCH_FIELDS:  # outsiders search for tenant A's marker: nothing found
            query[name] = tenant.marker
        elif name.endswith("_id"):
            if name not in ID_FIELDS:
                pytest.fail(
                    f"{method} {rule}: query field {name!r} names a resource this test does "
                    "not know; add it to ID_FIELDS in tests/test_tenancy.py."
                )
            query[name] = ID_FIELDS[name](tenant)
    return query


def call(client: Any, method: str, url: str, query: dict[str, Any] | None = None) -> Any:
    forget_request_state()
    kwargs: dict[str, Any] = {"query_string": query or {}}
    if method not in ("GET", "DELETE"):
        kwargs["json"] = {}
        kwargs["headers"] = {"Idempotency-Key": "tenancy-walk"}
    return client.open(method, url, **kwargs)


def mentions(response: Any, marker: str) -> bool:
    return marker in response.get_data(as_text=True).lower()


# -- the walk --------------------------------------------------------------------------------------


def test_every_api_route_is_declared_with_route(app):
    """An endpoint added with a bare `bp.route` would skip authentication and role checks."""
    declared = {(op.method, op.rule) for op in OPERATIONS}
    undeclared = [r for r in api_rules(app) if r not in declared]
    assert not undeclared, f"declare these with wholesale.api.registry.route(): {undeclared}"


def test_public_operations_are_exactly_the_listed_ones():
    public = {(op.method, op.rule) for op in OPERATIONS if op.public}
    assert public == PUBLIC_OPERATIONS, (
        "the set of public (unauthenticated) operations changed; if that is intended, update "
        f"PUBLIC_OPERATIONS. Now public: {sorted(public)}"
    )


def test_outsiders_never_reach_another_tenants_resources(app, world):
    tenant_a, tenant_b = world
    readable: dict[str, bool] = {}  # resource segment -> tenant A can read it
    checked_searches = 0
    problems: list[str] = []
    for method, rule in api_rules(app):
        url = fill_path(rule, tenant_a)
        query = query_for(method, rule, tenant_a)
        has_params = url != rule
        for kind, client in tenant_b.clients.items():
            response = call(client, method, url, query)
            where = f"{method} {url} as tenant B's {kind}: {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{where} (server error)")
            if has_params and 200 <= response.status_code < 300:
                problems.append(f"{where} (another tenant's resource answered 2xx)")
            if mentions(response, MARKER_A):
                problems.append(f"{where} (response mentions tenant A)")
            if response.status_code >= 400:
                assert_error_shape(response)
        if has_params and method == "GET":
            # Positive control: the ids really are tenant A's, and A's own people see them
            # (at least through one route per kind of resource: a sub-resource such as an
            # order's credit hold may not exist).
            segment = _last_segment(rule)
            readable.setdefault(segment, False)
            insiders = [call(c, method, url, query) for c in tenant_a.clients.values()]
            if any(r.status_code == 200 for r in insiders):
                readable[segment] = True
        elif method == "GET" and any(name in SEARCH_FIELDS for name in query):
            # Positive control: the search does find tenant A's things for tenant A.
            checked_searches += 1
            insiders = [call(c, method, url, query) for c in tenant_a.clients.values()]
            if not any(r.status_code == 200 and mentions(r, MARKER_A) for r in insiders):
                problems.append(f"{method} {url}?{query}: tenant A cannot find its own marker")
    for segment, ok in readable.items():
        if not ok:
            problems.append(
                f"no GET route with {segment}/<id> is readable by tenant A's own users; "
                "is RESOURCES right?"
            )
    assert not problems, "\n".join(problems)
    assert len(readable) >= 2  # warehouses/<id>, locations/<id> at least
    assert checked_searches >= 1  # products?q=


def test_lists_show_each_tenant_only_its_own(app, world):
    """The same walk, from the inside: tenant B's lists do show tenant B's things."""
    _, tenant_b = world
    seen_own = 0
    for method, rule in api_rules(app):
        if method != "GET" or "<" in rule:
            continue
        for client in tenant_b.clients.values():
            response = call(client, method, rule)
            assert not mentions(response, MARKER_A), f"{rule}: {response.get_data(True)[:300]}"
            seen_own += response.status_code == 200 and mentions(response, MARKER_B)
    assert seen_own >= 4  # /me twice, /warehouses, /locations, /customers, /suppliers


def test_every_role_restricted_operation_refuses_the_other_kind(app, light_world):
    tenant_a, tenant_b = light_world
    restricted = [op for op in OPERATIONS if op.kinds]
    assert restricted
    problems = []
    for op in restricted:
        url = fill_path(op.rule, tenant_a)
        others = [kind for kind in ("supplier", "buyer") if kind not in op.kinds]
        assert others, f"{op.method} {op.rule}: kinds={op.kinds} leaves nobody to refuse"
        for tenant in (tenant_a, tenant_b):
            for kind in others:
                response = call(tenant.clients[kind], op.method, url)
                if response.status_code != 403:
                    problems.append(f"{op.method} {url} as {kind}: {response.status_code}")
                    continue
                error = assert_error_shape(response)
                if error["code"] != "forbidden_role":
                    problems.append(f"{op.method} {url} as {kind}: code {error['code']}")
    assert not problems, "\n".join(problems)


def test_every_private_operation_needs_a_token(app, light_world):
    tenant_a, _ = light_world
    anonymous = type(tenant_a.clients["supplier"])(app.test_client(), None)
    for op in OPERATIONS:
        if op.public:
            continue
        url = fill_path(op.rule, tenant_a)
        response = call(anonymous, op.method, url)
        assert_error(response, 401)
        assert not mentions(response, MARKER_A)


# -- the global filter and get_or_404 --------------------------------------------------------------


def test_another_tenants_location_is_404_like_a_missing_one(light_world):
    tenant_a, tenant_b = light_world
    missing_id = tenant_b.location_id + 10_000
    for kind in ("buyer", "supplier"):
        client = tenant_b.clients[kind]
        other_tenant = call(client, "GET", f"/api/v1/locations/{tenant_a.location_id}")
        nowhere = call(client, "GET", f"/api/v1/locations/{missing_id}")
        assert_error(other_tenant, 404, "not_found")
        assert_error(nowhere, 404, "not_found")
        assert other_tenant.json == nowhere.json  # nothing tells that it exists


def test_a_connected_supplier_reads_its_buyers_location(light_world):
    tenant_a, tenant_b = light_world
    supplier = tenant_a.clients["supplier"]
    response = call(supplier, "GET", f"/api/v1/locations/{tenant_a.location_id}")
    assert response.status_code == 200
    assert response.json["id"] == tenant_a.location_id
    assert MARKER_A in response.json["name"]
    # ...but not a warehouse of its own kind in another tenant.
    other = call(supplier, "GET", f"/api/v1/warehouses/{tenant_b.warehouse_id}")
    assert_error(other, 404, "not_found")


def test_the_global_filter_hides_other_tenants_rows_of_every_scoped_model(world):
    tenant_a, tenant_b = world
    for model, ids_of in SCOPED_ROWS.items():
        a_ids = set(ids_of(tenant_a))
        assert a_ids and all(a_ids), model
        everything = set(
            db.session.scalars(select(key_of(model)).execution_options(all_tenants=True))
        )
        assert a_ids <= everything, model  # the rows do exist
        seen_by_b: set[int] = set()
        for org_id in (tenant_b.supplier_id, tenant_b.buyer_id):
            with as_tenant(org_id):
                visible = set(db.session.scalars(select(key_of(model))))
                rows = db.session.scalars(select(model)).all()
            assert not visible & a_ids, f"{model.__name__}: org {org_id} sees tenant A's rows"
            assert {getattr(row, key_of(model).key) for row in rows} == visible
            seen_by_b |= visible
        assert seen_by_b, f"{model.__name__}: tenant B sees none of its own rows either"
        own: set[int] = set()
        for org_id in (tenant_a.supplier_id, tenant_a.buyer_id):  # a buyer's cart is its own
            with as_tenant(org_id):
                own |= set(db.session.scalars(select(key_of(model))))
        assert own & a_ids, f"{model.__name__}: tenant A cannot see A's rows"
    db.session.expunge_all()


def key_of(model: type) -> Any:
    """The model's (first) primary key column: `id`, or e.g. `relationship_id`."""
    return getattr(model, sa_inspect(model).primary_key[0].key)


def _org_columns(model: type) -> list[str]:
    """The attributes of `model` that name an organization (its owners)."""
    if model is Organization:
        return ["id"]
    return [
        column.key
        for column in model.__table__.columns
        if any(fk.column.table.name == "organizations" for fk in column.foreign_keys)
    ]


def _owners_seen(model: type, org_id: int) -> list[set[int]]:
    columns = _org_columns(model)
    with as_tenant(org_id):
        rows = db.session.scalars(select(model)).all()
    return [{getattr(row, c) for c in columns} - {None} for row in rows]


def test_scoped_models_without_rows_here_still_only_show_their_organizations_rows(world):
    """Tenant-scoped models this world does not create rows for yet (orders, stock, ...): any
    row tenant B can see must belong, by its organization columns, to tenant B."""
    _, tenant_b = world
    b_orgs = {tenant_b.supplier_id, tenant_b.buyer_id}
    unknown = [m for m in _SCOPED if m not in SCOPED_ROWS]
    if unknown:
        warnings.warn(
            "tests/test_tenancy.py: no rows built for tenant-scoped models "
            f"{sorted(m.__name__ for m in unknown)}; add one per tenant in build_tenant() and "
            "to SCOPED_ROWS",
            stacklevel=1,
        )
    for model in unknown:
        for org_id in b_orgs:
            for owners in _owners_seen(model, org_id):
                assert owners <= b_orgs, f"{model.__name__}: {owners} seen by org {org_id}"
    # The same rule, on the models that do have rows here (so the rule itself is sound).
    for model in SCOPED_ROWS:
        if not _org_columns(model):
            continue  # owned through a parent row (order lines): checked by id above
        seen = [owners for org_id in b_orgs for owners in _owners_seen(model, org_id)]
        assert seen, f"{model.__name__}: tenant B sees none of its own rows"
        for owners in seen:
            assert owners and owners <= b_orgs, f"{model.__name__}: {owners} seen by tenant B"
    db.session.expunge_all()
