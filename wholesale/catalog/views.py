"""Catalog pages: the supplier's product list and editor, the buyer's browser, and product
images (served only to people who may see the product)."""

from __future__ import annotations

from flask import Blueprint, abort, send_file
from flask_login import login_required

from wholesale.catalog import images, services
from wholesale.portal.access import my_org

bp = Blueprint("catalog", __name__)


@bp.get("/catalog/images/<int:image_id>")
@login_required
def image(image_id: int):
    picture = images.visible_image(image_id)
    if not services.can_see(my_org(), picture.product):
        abort(404)
    path = images.path_of(picture)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=picture.content_type, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
