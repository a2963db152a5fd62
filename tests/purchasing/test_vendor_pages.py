"""The vendor pages: list, add and edit vendors; add, change and remove what each supplies,
with one preferred vendor per product; bad input re-shows the form and changes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.catalog.util import product
from tests.conftest import login
from tests.orders.conftest import Shop
from tests.purchasing.conftest import item
from wholesale.extensions import db
from wholesale.purchasing.models import Vendor, VendorItem
from wholesale.tenancy import as_tenant


def _vendors() -> list[Vendor]:
    with as_tenant(None):
        db.session.expire_all()
        return list(db.session.scalars(select(Vendor).order_by(Vendor.id)))


def _items() -> list[tuple[str, str, int, str, bool]]:
    with as_tenant(None):
        db.session.expire_all()
        rows = db.session.scalars(select(VendorItem).order_by(VendorItem.id))
        return [(i.vendor.name, i.product.sku, i.pack_size, f"{i.cost:.2f}", i.preferred)
                for i in rows]


def test_add_and_edit_a_vendor_and_what_it_supplies(client, shop: Shop, make_vendor: Any,
                                                    factory) -> None:
    flour = shop.product(name="Bread flour")
    mill = factory.supplier("Valley Mills on Ordertalk")
    factory.connect(mill, shop.supplier)
    make_vendor("Mill One", [item(flour, 10, "20.00", preferred=True)])
    db.session.commit()
    login(client, shop.supplier_user)

    added = client.post("/purchasing/vendors/new", data={
        "name": "Valley Mills", "contact_name": "Ines", "email": "Orders@Valley.test",
        "phone": "", "lead_days": "4", "minimum_order": "150.00", "currency": "USD"})
    assert added.status_code == 302
    valley = _vendors()[-1]
    assert (valley.name, valley.email, valley.phone, valley.lead_days,
            f"{valley.minimum_order}") == ("Valley Mills", "orders@valley.test", None, 4,
                                            "150.00")
    page = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "What Valley Mills supplies" in page and "Bread flour" in page

    saved = client.post(f"/purchasing/vendors/{valley.id}/items", data={
        "product_id": str(flour.id), "vendor_code": "VM-50", "pack_size": "25",
        "min_quantity": "50", "cost": "18.50", "preferred": "true"})
    assert saved.status_code == 302
    # Preferred moved from Mill One to Valley Mills: one per product.
    assert _items() == [("Mill One", flour.sku, 10, "20.00", False),
                        ("Valley Mills", flour.sku, 25, "18.50", True)]
    client.post(f"/purchasing/vendors/{valley.id}/items", data={
        "product_id": str(flour.id), "pack_size": "20", "cost": "18.00"})
    assert _items()[-1] == ("Valley Mills", flour.sku, 20, "18.00", False)

    edited = client.post(f"/purchasing/vendors/{valley.id}", data={
        "name": "Valley Mills Co", "email": "", "phone": "+1 415 555 0199",
        "lead_days": "2", "linked_supplier_id": str(mill.id)})
    assert edited.status_code == 302
    valley = _vendors()[-1]
    assert (valley.name, valley.email, valley.phone, valley.lead_days,
            valley.linked_supplier_id) == ("Valley Mills Co", None, "+1 415 555 0199", 2,
                                           mill.id)
    assert f'<option value="{mill.id}" selected>' in client.get(
        f"/purchasing/vendors/{valley.id}").get_data(as_text=True)
    listing = client.get("/purchasing/vendors").get_data(as_text=True)
    assert "Valley Mills Co" in listing and "Mill One" in listing

    [valley_item] = [i for i in valley.items]
    removed = client.post(f"/purchasing/vendors/{valley.id}/items/{valley_item.id}/remove")
    assert removed.status_code == 302
    assert [row[0] for row in _items()] == ["Mill One"]


def test_bad_vendor_input_changes_nothing(app, client, shop: Shop, make_vendor: Any,
                                          factory) -> None:
    flour = shop.product(name="Bread flour")
    made = make_vendor("Mill One", [item(flour, 10, "20.00")])
    other = factory.supplier("Elsewhere Foods")
    foreign = product(other, sku="ELS-1", name="Their flour")
    db.session.commit()
    login(client, shop.supplier_user)
    before = (_items(), [(v.name, v.lead_days) for v in _vendors()])

    taken = client.post("/purchasing/vendors/new", data={"name": "Mill One"})
    assert taken.status_code == 422 and "already have a vendor by that name" in \
        taken.get_data(as_text=True)
    bad = client.post(f"/purchasing/vendors/{made['id']}", data={"name": "Mill One",
                                                                "lead_days": "-3"})
    assert bad.status_code == 422 and 'value="-3"' in bad.get_data(as_text=True)
    for data in ({"product_id": str(flour.id), "pack_size": "0", "cost": "1.00"},
                 {"product_id": str(flour.id), "pack_size": "5", "cost": "-1.00"},
                 {"product_id": "999999", "pack_size": "5", "cost": "1.00"}):
        response = client.post(f"/purchasing/vendors/{made['id']}/items", data=data,
                               follow_redirects=True)
        assert 'class="alert alert--error"' in response.get_data(as_text=True)
    client.post(f"/purchasing/vendors/{made['id']}/items", data={
        "product_id": str(foreign.id), "pack_size": "1", "cost": "1.00"})
    assert (_items(), [(v.name, v.lead_days) for v in _vendors()]) == before
    # Another supplier's vendor is not found.
    outsider = factory.user(other)
    db.session.commit()
    theirs = app.test_client()
    login(theirs, outsider)
    assert theirs.get(f"/purchasing/vendors/{made['id']}").status_code == 404
    assert theirs.post(f"/purchasing/vendors/{made['id']}", data={"name": "Mine"}
                       ).status_code == 404
    assert theirs.post(f"/purchasing/vendors/{made['id']}/items", data={
        "product_id": str(foreign.id), "pack_size": "1", "cost": "1.00"}).status_code == 404
    assert (_items(), [(v.name, v.lead_days) for v in _vendors()]) == before
