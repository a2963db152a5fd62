"""API: the catalog (CONTRACT.md §3) — products, their images, bulk price changes."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from marshmallow import Schema, fields, validate

from wholesale.api.pagination import Page, paginate
from wholesale.api.registry import route
from wholesale.catalog import images, services
from wholesale.catalog import import_api as _import_api  # noqa: F401  (CSV import routes)
from wholesale.catalog.fields import Money, Whole
from wholesale.catalog.models import Product, ProductImage
from wholesale.catalog.schemas import (
    ImageSchema,
    ProductCreate,
    ProductQuery,
    ProductSchema,
    ProductUpdate,
)


@route(
    "/products",
    summary="The catalog: a supplier's own products, or a buyer's connected suppliers' "
    "active products at the buyer's own prices",
    query=ProductQuery,
    response=ProductSchema,
    paginated=True,
)
def list_products(query: dict[str, Any]) -> Page:
    org = current_user.organization
    stmt = services.products_query(
        org, supplier_id=query["supplier_id"], q=query["q"], category=query["category"],
        include_archived=query["include_archived"],
    )
    page = paginate(stmt, Product.id, query)
    page.items = services.present(org, page.items)
    return page


@route(
    "/products",
    "POST",
    summary="Add a product",
    body=ProductCreate,
    response=ProductSchema,
    status=201,
    kinds=["supplier"],
)
def create_product(data: dict[str, Any]) -> services.ProductView:
    org = current_user.organization
    return services.present_one(org, services.create_product(org, data))


@route("/products/<int:product_id>", summary="One product", response=ProductSchema)
def get_product(product_id: int) -> services.ProductView:
    org = current_user.organization
    return services.present_one(org, services.visible_product(org, product_id))


@route(
    "/products/<int:product_id>",
    "PATCH",
    summary="Change a product (send only what changes; `active: false` archives it)",
    body=ProductUpdate,
    response=ProductSchema,
    kinds=["supplier"],
)
def update_product(product_id: int, data: dict[str, Any]) -> services.ProductView:
    org = current_user.organization
    return services.present_one(org, services.update_product(org, product_id, data))


@route(
    "/products/<int:product_id>/images",
    "POST",
    summary="Upload an image (multipart field `image`; PNG, JPEG or WebP, at most 5 MB)",
    response=ImageSchema,
    status=201,
    kinds=["supplier"],
)
def upload_image(product_id: int) -> dict[str, Any]:
    product = services.own_product(current_user.organization, product_id)
    upload = request.files.get("image") or request.files.get("file")
    image = images.add_upload(product, upload.stream if upload else None)
    return _image(image)


@route(
    "/products/<int:product_id>/images/<int:image_id>",
    "DELETE",
    summary="Remove an image",
    status=204,
    kinds=["supplier"],
)
def delete_image(product_id: int, image_id: int) -> dict[str, Any]:
    images.delete(services.own_product(current_user.organization, product_id), image_id)
    return {}


def _image(image: ProductImage) -> dict[str, Any]:
    return {"id": image.id, "url": services.image_url(image.id),
            "content_type": image.content_type, "position": image.position}


class BulkPriceRequest(Schema):
    product_ids = fields.List(Whole(minimum=1), required=True,
                              validate=validate.Length(1, 1000))
    price = Money(load_default=None, allow_none=True)
    percent = Money(load_default=None, allow_none=True, allow_negative=True,
                    metadata={"description": "e.g. \"5\" for +5 %, \"-10\" for −10 %",
                              "type": "string"})


class BulkPriceResponse(Schema):
    updated = fields.Integer()


@route(
    "/products/bulk-prices",
    "POST",
    summary="Set the price of several products, or change it by a percentage",
    body=BulkPriceRequest,
    response=BulkPriceResponse,
    kinds=["supplier"],
)
def bulk_prices(data: dict[str, Any]) -> dict[str, Any]:
    count = services.bulk_set_prices(current_user.organization, data["product_ids"],
                                     price=data["price"], percent=data["percent"])
    return {"updated": count}
