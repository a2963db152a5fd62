"""API: supplier warehouses and buyer delivery locations."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import select

from wholesale.api.pagination import Page, paginate
from wholesale.api.registry import route
from wholesale.sites import services
from wholesale.sites.models import DeliveryLocation, Warehouse
from wholesale.sites.schemas import LocationSchema, WarehouseSchema
from wholesale.tenancy import get_or_404


@route(
    "/warehouses",
    "POST",
    summary="Add a warehouse",
    body=WarehouseSchema,
    response=WarehouseSchema,
    status=201,
    kinds=["supplier"],
)
def add_warehouse(data: dict[str, Any]) -> Warehouse:
    return services.add_warehouse(current_user.organization, **data)


@route(
    "/warehouses",
    summary="The supplier's warehouses",
    response=WarehouseSchema,
    kinds=["supplier"],
    paginated=True,
)
def list_warehouses(query: dict[str, Any]) -> Page:
    stmt = select(Warehouse).where(Warehouse.supplier_id == current_user.organization_id)
    return paginate(stmt, Warehouse.id, query)


@route(
    "/warehouses/<int:warehouse_id>",
    summary="One warehouse",
    response=WarehouseSchema,
    kinds=["supplier"],
)
def get_warehouse(warehouse_id: int) -> Warehouse:
    return get_or_404(Warehouse, warehouse_id)


@route(
    "/locations",
    "POST",
    summary="Add a delivery location",
    body=LocationSchema,
    response=LocationSchema,
    status=201,
    kinds=["buyer"],
)
def add_location(data: dict[str, Any]) -> DeliveryLocation:
    return services.add_location(current_user.organization, **data)


@route(
    "/locations",
    summary="The buyer's delivery locations",
    response=LocationSchema,
    kinds=["buyer"],
    paginated=True,
)
def list_locations(query: dict[str, Any]) -> Page:
    stmt = select(DeliveryLocation).where(DeliveryLocation.buyer_id == current_user.organization_id)
    return paginate(stmt, DeliveryLocation.id, query)


@route("/locations/<int:location_id>", summary="One delivery location", response=LocationSchema)
def get_location(location_id: int) -> DeliveryLocation:
    return get_or_404(DeliveryLocation, location_id)
