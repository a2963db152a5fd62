"""API: vendors, reorder suggestions, purchase orders and receipts against them."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import select

from wholesale.api.pagination import Page, paginate
from wholesale.api.registry import route
from wholesale.inventory.stock import own_warehouse
from wholesale.purchasing import purchase_orders, receiving, suggestions, thread, vendors
from wholesale.purchasing.models import PurchaseOrder, PurchaseOrderMessage, Vendor
from wholesale.purchasing.schemas import (
    ExpectedDateRequest,
    PurchaseOrderCreate,
    PurchaseOrderMessageRequest,
    PurchaseOrderMessageSchema,
    PurchaseOrderQuery,
    PurchaseOrderSchema,
    ReceiptRequest,
    SuggestionQuery,
    SuggestionsSchema,
    UpdateRequest,
    VendorSchema,
)
from wholesale.tenancy import get_or_404

_STATUS = {409: "invalid_status: not possible in the order's status"}


@route("/vendors", "POST", summary="Add a vendor with the products it supplies",
       body=VendorSchema, response=VendorSchema, status=201, kinds=["supplier"])
def add_vendor(data: dict[str, Any]) -> Vendor:
    return vendors.create_vendor(current_user._get_current_object(), data)


@route("/vendors", summary="The supplier's vendors", response=VendorSchema,
       kinds=["supplier"], paginated=True)
def list_vendors(query: dict[str, Any]) -> Page:
    stmt = select(Vendor).where(Vendor.supplier_id == current_user.organization_id)
    return paginate(stmt, Vendor.id, query)


@route("/reorder-suggestions",
       summary="What to reorder for a warehouse: available stock, open backorders and what "
       "is on order against each product's reorder point and target (or a demand-based "
       "level), rounded to the vendor's packs and minimums, grouped by vendor",
       query=SuggestionQuery, response=SuggestionsSchema, kinds=["supplier"])
def reorder_suggestions(query: dict[str, Any]) -> dict[str, Any]:
    warehouse = own_warehouse(current_user.organization_id, query["warehouse_id"])
    groups = suggestions.suggest(warehouse, demand_weeks=query["demand_weeks"])
    return {"items": [item for group in groups for item in group.items], "groups": groups}


@route("/purchase-orders", "POST",
       summary="Draft a purchase order (without lines: from the vendor's reorder suggestions)",
       body=PurchaseOrderCreate, response=PurchaseOrderSchema, status=201, kinds=["supplier"])
def create_purchase_order(data: dict[str, Any]) -> PurchaseOrder:
    return purchase_orders.create(current_user._get_current_object(), data)


@route("/purchase-orders", summary="The supplier's purchase orders",
       query=PurchaseOrderQuery, response=PurchaseOrderSchema, kinds=["supplier"],
       paginated=True)
def list_purchase_orders(query: dict[str, Any]) -> Page:
    stmt = select(PurchaseOrder).where(
        PurchaseOrder.supplier_id == current_user.organization_id)
    if query["status"]:
        stmt = stmt.where(PurchaseOrder.status == query["status"])
    for name in ("vendor_id", "warehouse_id"):
        if query[name]:
            stmt = stmt.where(getattr(PurchaseOrder, name) == query[name])
    return paginate(stmt, PurchaseOrder.id, query)


@route("/purchase-orders/<int:po_id>", summary="One purchase order, with its receipts",
       response=PurchaseOrderSchema, kinds=["supplier"])
def get_purchase_order(po_id: int) -> PurchaseOrder:
    return get_or_404(PurchaseOrder, po_id)


@route("/purchase-orders/<int:po_id>/send", "POST",
       summary="Send a draft purchase order to the vendor: email with the PDF, and an SMS "
       "heads-up when the vendor has a phone", response=PurchaseOrderSchema,
       kinds=["supplier"], extra_responses=_STATUS)
def send_purchase_order(po_id: int) -> PurchaseOrder:
    return purchase_orders.send(current_user._get_current_object(), po_id)


@route("/purchase-orders/<int:po_id>/confirm", "POST",
       summary="The vendor confirmed a sent purchase order", response=PurchaseOrderSchema,
       kinds=["supplier"], extra_responses=_STATUS)
def confirm_purchase_order(po_id: int) -> PurchaseOrder:
    return purchase_orders.confirm(current_user._get_current_object(), po_id)


@route("/purchase-orders/<int:po_id>/cancel", "POST",
       summary="Cancel a purchase order nothing was received against",
       response=PurchaseOrderSchema, kinds=["supplier"], extra_responses=_STATUS)
def cancel_purchase_order(po_id: int) -> PurchaseOrder:
    return purchase_orders.cancel(current_user._get_current_object(), po_id)


@route("/purchase-orders/<int:po_id>/receipts", "POST",
       summary="Receive goods against a purchase order: stock in through the ledger, "
       "waiting backorders reserved; more than ordered is recorded as over-delivered",
       body=ReceiptRequest, response=PurchaseOrderSchema, status=201, kinds=["supplier"],
       extra_responses=_STATUS)
def receive_purchase_order(po_id: int, data: dict[str, Any]) -> PurchaseOrder:
    receipt = receiving.receive(current_user._get_current_object(), po_id, data["lines"],
                                close=data["close"], note=data["note"])
    return receipt.purchase_order


@route("/purchase-orders/<int:po_id>/messages",
       summary="The purchase order's thread: what was written to the vendor, the vendor's "
       "email and SMS replies, and events (a new date and the orders waiting for it)",
       response=PurchaseOrderMessageSchema, kinds=["supplier"], paginated=True)
def purchase_order_messages(po_id: int, query: dict[str, Any]) -> Page:
    po = get_or_404(PurchaseOrder, po_id)
    stmt = select(PurchaseOrderMessage).where(PurchaseOrderMessage.purchase_order_id == po.id)
    return paginate(stmt, PurchaseOrderMessage.id, query)


@route("/purchase-orders/<int:po_id>/messages", "POST",
       summary="Write to the vendor in the purchase order's thread (sent by email or SMS)",
       body=PurchaseOrderMessageRequest, response=PurchaseOrderMessageSchema, status=201,
       kinds=["supplier"], extra_responses=_STATUS)
def write_purchase_order_message(po_id: int, data: dict[str, Any]) -> PurchaseOrderMessage:
    return thread.write(current_user._get_current_object(), po_id, data["body"],
                        data["channel"])


@route("/purchase-orders/<int:po_id>/request-update", "POST",
       summary="Ask the vendor for an update (a templated message in the thread)",
       body=UpdateRequest, response=PurchaseOrderMessageSchema, status=201,
       kinds=["supplier"], extra_responses=_STATUS)
def request_purchase_order_update(po_id: int, data: dict[str, Any]) -> PurchaseOrderMessage:
    return thread.request_update(current_user._get_current_object(), po_id, data["channel"])


@route("/purchase-orders/<int:po_id>/expected-date", "POST",
       summary="The vendor's new date: the open lines expect it; the thread and the other "
       "staff are told which customer orders and backorders wait for it",
       body=ExpectedDateRequest, response=PurchaseOrderSchema, kinds=["supplier"],
       extra_responses=_STATUS)
def set_purchase_order_date(po_id: int, data: dict[str, Any]) -> PurchaseOrder:
    message = thread.set_expected_date(current_user._get_current_object(), po_id,
                                       data["expected_on"], data["note"])
    return message.purchase_order
