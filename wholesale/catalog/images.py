"""Product images: uploads checked by their bytes (PNG, JPEG, WebP; at most 5 MB), stored
under `<instance>/uploads/products/`, and served only to people who may see the product.

SVG is never accepted from an upload; only the demo seed stores generated SVG tiles (served
with a Content-Security-Policy that forbids scripts)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import func, select

from wholesale.catalog.models import Product, ProductImage
from wholesale.errors import NotFound, ValidationFailed
from wholesale.extensions import db

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGES = 10
SVG = "image/svg+xml"
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", SVG: "svg"}


def sniff(head: bytes) -> str | None:
    """The image type the bytes really are (PNG, JPEG or WebP), whatever the file is called."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def uploads_root() -> Path:
    return Path(current_app.instance_path) / "uploads"


def path_of(image: ProductImage) -> Path:
    root = uploads_root().resolve()
    path = (root / image.stored_name).resolve()
    if root not in path.parents:  # stored names are ours, but never leave the folder
        raise NotFound("Image not found.")
    return path


def _store(product: Product, data: bytes, content_type: str) -> ProductImage:
    name = f"products/{product.id}-{secrets.token_hex(12)}.{_EXTENSIONS[content_type]}"
    position = db.session.scalar(
        select(func.coalesce(func.max(ProductImage.position), -1))
        .where(ProductImage.product_id == product.id)
    )
    image = ProductImage(product_id=product.id, stored_name=name, content_type=content_type,
                         position=int(position) + 1)
    db.session.add(image)
    db.session.flush()
    target = uploads_root() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return image


def add_upload(product: Product, stream: IO[bytes] | None, field: str = "image") -> ProductImage:
    """Store an uploaded file as the product's next image, after checking what it is."""
    if stream is None:
        raise ValidationFailed.one(field, "Attach an image file (PNG, JPEG or WebP).")
    data = stream.read(MAX_IMAGE_BYTES + 1)
    if not data:
        raise ValidationFailed.one(field, "The file is empty.")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed.one(field, "The image is larger than 5 MB.")
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationFailed.one(field, "Only PNG, JPEG and WebP images are accepted.")
    count = db.session.scalar(
        select(func.count(ProductImage.id)).where(ProductImage.product_id == product.id)
    )
    if count >= MAX_IMAGES:
        raise ValidationFailed.one(field, f"A product has at most {MAX_IMAGES} images.")
    return _store(product, data, content_type)


def add_generated_svg(product: Product, svg: str) -> ProductImage:
    """The demo seed's drawn tile (never reachable from an upload)."""
    return _store(product, svg.encode(), SVG)


def delete(product: Product, image_id: int) -> None:
    image = db.session.scalars(
        select(ProductImage).where(ProductImage.id == image_id,
                                   ProductImage.product_id == product.id)
    ).first()
    if image is None:
        raise NotFound("Image not found.")
    path = path_of(image)
    db.session.delete(image)
    db.session.flush()
    path.unlink(missing_ok=True)


def visible_image(image_id: int) -> ProductImage:
    """The image if the current organization may see its product (tenant filter), else 404."""
    image = db.session.scalars(
        select(ProductImage).join(Product, Product.id == ProductImage.product_id)
        .where(ProductImage.id == image_id)
    ).first()
    if image is None:
        raise NotFound("Image not found.")
    return image
