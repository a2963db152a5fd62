"""Product images: checked by their bytes and size, stored under the instance folder, served
only to people who may see the product."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.catalog.util import assert_error, commit, product
from tests.conftest import login
from wholesale.catalog.images import MAX_IMAGE_BYTES

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


@pytest.fixture
def ctx(api_as, factory):
    supplier, buyer, stranger = factory.supplier(), factory.buyer(), factory.buyer()
    factory.connect(supplier, buyer)
    item = product(supplier)
    users = {"supplier": factory.owner(supplier), "buyer": factory.owner(buyer),
             "stranger": factory.owner(stranger)}
    api = api_as(users["supplier"])
    buyer_api = api_as(users["buyer"])
    commit()
    return api, buyer_api, item.id, users


def upload(api, product_id, data, filename="photo.png", field="image"):
    return api.post(f"/api/v1/products/{product_id}/images",
                    data={field: (io.BytesIO(data), filename)},
                    content_type="multipart/form-data")


@pytest.mark.parametrize(("data", "content_type"),
                         [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")])
def test_png_jpeg_and_webp_are_stored_under_the_instance_folder(app, ctx, data, content_type):
    api, _, product_id, _ = ctx
    response = upload(api, product_id, data, filename="anything.bin")
    assert response.status_code == 201, response.json
    assert response.json["content_type"] == content_type
    assert response.json["url"] == f"/catalog/images/{response.json['id']}"
    stored = list((Path(app.instance_path) / "uploads" / "products").glob(f"{product_id}-*"))
    assert any(p.read_bytes() == data for p in stored)
    images = api.get(f"/api/v1/products/{product_id}").json["images"]
    assert [i["id"] for i in images] == [response.json["id"]]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"GIF89a" + b"\x00" * 20, "a.gif", "Only PNG, JPEG and WebP"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
         "a.svg", "Only PNG, JPEG and WebP"),
        (b"just text pretending", "fake.png", "Only PNG, JPEG and WebP"),
        (b"", "empty.png", "empty"),
        (PNG + b"\x00" * MAX_IMAGE_BYTES, "huge.png", "5 MB"),
    ],
)
def test_bad_uploads_are_422_and_store_nothing(app, ctx, data, filename, message):
    api, _, product_id, _ = ctx
    error = assert_error(upload(api, product_id, data, filename), 422, "validation_error",
                         ("image",))
    assert message in error["fields"]["image"][0]
    assert api.get(f"/api/v1/products/{product_id}").json["images"] == []


def test_no_file_at_all(ctx):
    api, _, product_id, _ = ctx
    assert_error(api.post(f"/api/v1/products/{product_id}/images"), 422, fields=("image",))


def test_only_the_supplier_uploads_to_its_own_products(ctx, factory):
    api, buyer_api, product_id, _ = ctx
    assert_error(upload(buyer_api, product_id, PNG), 403)
    foreign = product(factory.supplier()).id
    commit()
    assert_error(upload(api, foreign, PNG), 404)


def test_images_are_served_only_to_those_who_may_see_the_product(app, ctx):
    api, _, product_id, users = ctx
    image_id = upload(api, product_id, PNG).json["id"]
    url = f"/catalog/images/{image_id}"
    commit()  # forget the API request's user (the test client shares `g`)
    signed_out = app.test_client().get(url)  # a page's image: signed out, to the login page
    assert signed_out.status_code == 302
    assert signed_out.headers["Location"].startswith("/login?next=")
    for who, expected in (("supplier", 200), ("buyer", 200), ("stranger", 404)):
        commit()
        client = app.test_client()
        login(client, users[who])
        response = client.get(url)
        assert response.status_code == expected, who
        if expected == 200:
            assert response.data == PNG and response.mimetype == "image/png"
            assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_deleting_an_image(app, ctx):
    api, _, product_id, _ = ctx
    image_id = upload(api, product_id, PNG).json["id"]
    assert api.delete(f"/api/v1/products/{product_id}/images/{image_id}").status_code == 204
    assert api.get(f"/api/v1/products/{product_id}").json["images"] == []
    assert_error(api.delete(f"/api/v1/products/{product_id}/images/{image_id}"), 404)
