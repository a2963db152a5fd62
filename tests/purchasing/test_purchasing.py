"""Buying from vendors through the API: vendors and their items, reorder suggestions rounded
to packs and minimums, purchase orders drafted from them, receipts that put stock on hand
through the ledger, fill waiting backorders in priority order and tell those buyers,
over- and under-deliveries, the moving-average cost — and bad input that changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from tests.fulfilment.conftest import backordered
from tests.notifications.util import notifications
from tests.orders.conftest import Shop
from tests.purchasing.conftest import item
from wholesale.extensions import db
from wholesale.fulfilment import expedite, reservations
from wholesale.inventory.models import MovementKind, StockLevel, StockMovement
from wholesale.purchasing.models import ProductCost, PurchaseOrder, PurchaseReceipt, Vendor
from wholesale.standing.models import StandingOrder
from wholesale.tenancy import as_tenant

API = "/api/v1"


def _suggestions(api: Any, warehouse_id: int) -> dict[str, Any]:
    response = api.get(f"{API}/reorder-suggestions", query_string={"warehouse_id": warehouse_id})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _po(api: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(f"{API}/purchase-orders", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def _sent_po(api: Any, vendor: dict[str, Any], warehouse_id: int,
             lines: list[tuple[int, int]]) -> dict[str, Any]:
    po = _po(api, {"vendor_id": vendor["id"], "warehouse_id": warehouse_id,
                   "lines": [{"product_id": p, "quantity": q} for p, q in lines]})
    response = api.post(f"{API}/purchase-orders/{po['id']}/send")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _receive(api: Any, po_id: int, lines: list[tuple[int, int]], **extra: Any) -> Any:
    return api.post(f"{API}/purchase-orders/{po_id}/receipts", json={
        "lines": [{"product_id": p, "quantity": q} for p, q in lines], **extra})


def _state() -> dict[str, Any]:
    """Everything a receipt writes (Core, unscoped)."""
    def count(model: Any) -> int:
        return db.session.execute(select(func.count()).select_from(model.__table__)).scalar_one()

    levels = StockLevel.__table__.c
    return {"movements": count(StockMovement), "receipts": count(PurchaseReceipt),
            "costs": count(ProductCost),
            "on_hand": db.session.execute(select(func.coalesce(func.sum(levels.on_hand), 0))
                                          ).scalar_one(),
            "reserved": db.session.execute(select(func.coalesce(func.sum(levels.reserved), 0))
                                           ).scalar_one(),
            "pos": sorted(db.session.execute(select(
                PurchaseOrder.__table__.c.id, PurchaseOrder.__table__.c.status)).all())}


# -- vendors -----------------------------------------------------------------------------------


def test_a_vendor_with_items_is_added_and_listed(shop: Shop, supplier_api, make_vendor,
                                                 factory, api_as) -> None:
    lettuce = shop.product()
    vendor = make_vendor("Salinas Growers", [item(lettuce, 12, "1.10", vendor_code="SG-R12",
                                                  min_quantity=24, preferred=True)],
                         phone="+1 415 555 0101", minimum_order="150.00")
    assert vendor["lead_days"] == 3 and vendor["minimum_order"] == "150.00"
    [row] = vendor["items"]
    assert (row["product_id"], row["vendor_code"], row["pack_size"], row["min_quantity"],
            row["cost"], row["preferred"]) == (lettuce.id, "SG-R12", 12, 24, "1.10", True)
    listed = supplier_api.get(f"{API}/vendors").json["items"]
    assert [v["name"] for v in listed] == ["Salinas Growers"]
    other = factory.supplier("Other Supplier")
    assert api_as(factory.owner(other)).get(f"{API}/vendors").json["items"] == []


def test_a_vendor_item_must_be_a_product_of_the_catalog(shop: Shop, supplier_api,
                                                        factory) -> None:
    foreign = factory.supplier("Elsewhere")
    theirs = Shop(factory, foreign, shop.buyer, factory.owner(foreign), shop.buyer_user,
                  shop.location, shop.near, shop.far).product()
    response = supplier_api.post(f"{API}/vendors", json={
        "name": "Mill", "items": [item(theirs)]})
    assert response.status_code == 422
    assert "items.0.product_id" in response.json["error"]["fields"] or \
        "product_id" in response.json["error"]["fields"]
    with as_tenant(None):
        assert db.session.scalars(select(Vendor)).all() == []


# -- reorder suggestions -----------------------------------------------------------------------


def test_suggestions_fill_to_target_rounded_to_packs_and_minimums(shop: Shop, supplier_api,
                                                                 make_vendor) -> None:
    romaine = shop.product({shop.near: 3}, reorder_point=10, overstock_level=40)
    flour = shop.product({}, reorder_point=5, allow_backorder=True)
    plenty = shop.product({shop.near: 50}, reorder_point=10)
    oil = shop.product({shop.near: 1}, reorder_point=4)
    backordered(shop, (flour, 4))  # four units owed to a customer
    growers = make_vendor("Salinas Growers", [item(romaine, 12, "1.10"), item(plenty, 6)],
                          minimum_order="100.00")
    mill = make_vendor("Central Mill", [item(flour, 6, "3.00", min_quantity=30),
                                        item(oil, 5, "9.00")])
    make_vendor("Cheap Oils", [item(oil, 1, "8.00")])  # cheaper, but the mill is preferred
    db.session.commit()
    supplier_api.post(f"{API}/vendors", json={"name": "Preferred Oils", "items": [
        item(oil, 2, "9.50", preferred=True)]})

    answer = _suggestions(supplier_api, shop.near.id)
    by_product = {s["product_id"]: s for s in answer["items"]}
    assert set(by_product) == {romaine.id, flour.id, oil.id}  # plenty is above its point
    # romaine: 3 available, target 40 → 37 → 4 packs of 12
    assert (by_product[romaine.id]["vendor_id"], by_product[romaine.id]["quantity"]) == (
        growers["id"], 48)
    assert "available 3" in by_product[romaine.id]["reason"]
    # flour: nothing, 4 owed, target 2×5 = 10 → 14 → the vendor minimum 30 (5 packs of 6)
    assert (by_product[flour.id]["vendor_id"], by_product[flour.id]["quantity"]) == (
        mill["id"], 30)
    assert by_product[flour.id]["waiting"] == 4
    # oil: from the preferred vendor, 1 available, target 8 → 7 → 4 packs of 2
    assert by_product[oil.id]["quantity"] == 8 and by_product[oil.id]["cost"] == "9.50"
    groups = {g["vendor_name"]: g for g in answer["groups"]}
    assert groups["Salinas Growers"]["total"] == "52.80"  # 48 × 1.10
    assert groups["Salinas Growers"]["below_minimum"] is True
    assert groups["Central Mill"]["total"] == "90.00" and not groups["Central Mill"][
        "below_minimum"]
    # Another warehouse has nothing: everything is suggested there, backorders included.
    far = {s["product_id"]: s["quantity"] for s in _suggestions(supplier_api,
                                                                shop.far.id)["items"]}
    assert far[plenty.id] == 24  # 0 available, target 20, packs of 6

    # One call turns a group into a draft PO; what it orders is then on order.
    po = _po(supplier_api, {"vendor_id": growers["id"], "warehouse_id": shop.near.id})
    assert po["status"] == "draft" and po["number"] == "PO-00001"
    assert [(ln["product_id"], ln["quantity"], ln["cost"]) for ln in po["lines"]] == [
        (romaine.id, 48, "1.10")]
    assert po["lines"][0]["expected_on"] == (date.today() + timedelta(days=3)).isoformat()
    after = {s["product_id"] for s in _suggestions(supplier_api, shop.near.id)["items"]}
    assert after == {flour.id, oil.id}


def test_a_draft_from_a_vendor_with_nothing_to_reorder_is_refused(shop: Shop, supplier_api,
                                                                  make_vendor) -> None:
    plenty = shop.product({shop.near: 50}, reorder_point=10)
    vendor = make_vendor("Salinas Growers", [item(plenty)])
    response = supplier_api.post(f"{API}/purchase-orders", json={
        "vendor_id": vendor["id"], "warehouse_id": shop.near.id})
    assert response.status_code == 422 and "lines" in response.json["error"]["fields"]


def test_a_po_for_a_product_the_vendor_does_not_supply_is_refused(shop: Shop, supplier_api,
                                                                  make_vendor) -> None:
    lettuce, flour = shop.product(), shop.product()
    vendor = make_vendor("Salinas Growers", [item(lettuce)])
    before = _state()
    response = supplier_api.post(f"{API}/purchase-orders", json={
        "vendor_id": vendor["id"], "warehouse_id": shop.near.id,
        "lines": [{"product_id": lettuce.id, "quantity": 5},
                  {"product_id": flour.id, "quantity": 5}]})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        "lines.1.product_id": ["Salinas Growers does not supply this product."]}
    assert _state() == before


# -- receiving ---------------------------------------------------------------------------------


def test_a_partial_receipt_fills_backorders_in_priority_order_and_tells_their_buyers(
        shop: Shop, supplier_api, make_vendor, sent) -> None:
    flour = shop.product({}, allow_backorder=True)
    oldest = backordered(shop, (flour, 3))
    newer = backordered(shop, (flour, 4))
    urgent = backordered(shop, (flour, 2))
    expedite.expedite(urgent, shop.buyer_user, "Festival this weekend")
    vendor = make_vendor("Central Mill", [item(flour, 1, "3.00")])
    po = _sent_po(supplier_api, vendor, shop.near.id, [(flour.id, 20)])

    response = _receive(supplier_api, po["id"], [(flour.id, 6)])
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.json
    assert body["status"] == "partly_received"
    assert body["lines"][0]["received_quantity"] == 6 and body["lines"][0]["open_quantity"] == 14
    assert body["receipts"][-1]["lines"] == [{"product_id": flour.id, "quantity": 6,
                                              "over_quantity": 0}]
    # The expedited order first, then the oldest; the newer one gets the last unit.
    for order in (urgent, oldest, newer):
        db.session.refresh(order)
    assert reservations.fully_reserved(urgent) and reservations.fully_reserved(oldest)
    assert reservations.reserved_of(newer.lines[0]) == 1
    assert [s.kwargs["order"].id for s in sent.of("backorder_ready")] == [urgent.id, oldest.id]
    ready = notifications(event="backorder_ready")
    assert {n.order_id for n in ready} == {urgent.id, oldest.id}
    assert all(n.buyer_id == shop.buyer.id for n in ready)
    level = shop.level(flour, shop.near)
    assert (level.on_hand, level.reserved) == (6, 6)
    [receipt] = db.session.scalars(select(StockMovement).where(
        StockMovement.product_id == flour.id, StockMovement.kind == MovementKind.RECEIPT)
        .execution_options(all_tenants=True)).all()
    assert receipt.on_hand_delta == 6 and receipt.reason == "PO-00001 from Central Mill"

    # The rest arrives: the order is received, the newer backorder gets its stock.
    response = _receive(supplier_api, po["id"], [(flour.id, 14)])
    assert response.json["status"] == "received"
    db.session.refresh(newer)
    assert reservations.fully_reserved(newer)


def test_more_than_ordered_is_received_and_recorded_as_over_delivered(
        shop: Shop, supplier_api, make_vendor) -> None:
    romaine, basil = shop.product(), shop.product()
    vendor = make_vendor("Salinas Growers", [item(romaine), item(basil)])
    po = _sent_po(supplier_api, vendor, shop.near.id, [(romaine.id, 10), (basil.id, 5)])
    first = _receive(supplier_api, po["id"], [(romaine.id, 8), (romaine.id, 4)]).json
    lines = {ln["product_id"]: ln for ln in first["lines"]}
    assert (lines[romaine.id]["received_quantity"], lines[romaine.id]["over_quantity"]) == (
        12, 2)
    assert first["receipts"][0]["lines"] == [{"product_id": romaine.id, "quantity": 12,
                                              "over_quantity": 2}]
    assert first["status"] == "partly_received"  # the basil is still expected
    assert shop.level(romaine, shop.near).on_hand == 12
    # Closed short: the basil that never came is recorded as short.
    closed = _receive(supplier_api, po["id"], [(basil.id, 3)], close=True).json
    lines = {ln["product_id"]: ln for ln in closed["lines"]}
    assert closed["status"] == "received"
    assert (lines[basil.id]["received_quantity"], lines[basil.id]["short_quantity"],
            lines[basil.id]["open_quantity"]) == (3, 2, 0)


def test_receipts_blend_the_cost_into_the_moving_average(shop: Shop, supplier_api,
                                                         make_vendor) -> None:
    flour = shop.product({shop.far: 10})  # on hand before any receipt: no cost known
    vendor = make_vendor("Central Mill", [item(flour, 1, "2.00")])
    po = _sent_po(supplier_api, vendor, shop.near.id, [(flour.id, 30)])
    _receive(supplier_api, po["id"], [(flour.id, 10)])
    assert db.session.get(ProductCost, flour.id).average_cost == Decimal("2.0000")
    later = _po(supplier_api, {"vendor_id": vendor["id"], "warehouse_id": shop.near.id,
                               "lines": [{"product_id": flour.id, "quantity": 10,
                                          "cost": "3.50"}]})
    supplier_api.post(f"{API}/purchase-orders/{later['id']}/send")
    _receive(supplier_api, later["id"], [(flour.id, 10)])
    db.session.expire_all()
    # 20 on hand at 2.00 (what was there counts at the average) + 10 at 3.50
    assert db.session.get(ProductCost, flour.id).average_cost == Decimal("2.5000")


def test_bad_receipts_change_nothing(shop: Shop, supplier_api, make_vendor) -> None:
    flour, salt = shop.product(), shop.product()
    vendor = make_vendor("Central Mill", [item(flour), item(salt)])
    draft = _po(supplier_api, {"vendor_id": vendor["id"], "warehouse_id": shop.near.id,
                               "lines": [{"product_id": flour.id, "quantity": 5}]})
    po = _sent_po(supplier_api, vendor, shop.near.id, [(flour.id, 5)])
    cancelled = _sent_po(supplier_api, vendor, shop.near.id, [(flour.id, 5)])
    assert supplier_api.post(
        f"{API}/purchase-orders/{cancelled['id']}/cancel").json["status"] == "cancelled"
    before = _state()

    answer = _receive(supplier_api, cancelled["id"], [(flour.id, 5)])
    assert answer.status_code == 409 and answer.json["error"]["code"] == "invalid_status"
    assert "cancelled" in answer.json["error"]["message"]
    answer = _receive(supplier_api, draft["id"], [(flour.id, 5)])
    assert answer.status_code == 409 and "not been sent" in answer.json["error"]["message"]
    answer = _receive(supplier_api, po["id"], [(flour.id, -3)])
    assert answer.status_code == 422 and "lines.0.quantity" in answer.json["error"]["fields"]
    answer = _receive(supplier_api, po["id"], [(flour.id, 2), (salt.id, 1)])  # salt: not on it
    assert answer.status_code == 422
    assert answer.json["error"]["fields"] == {"lines.1.product_id": [
        f"This product is not on {po['number']}."]}
    answer = _receive(supplier_api, po["id"], [])
    assert answer.status_code == 422
    answer = supplier_api.post(f"{API}/purchase-orders/{po['id']}/receipts", json={
        "lines": [{"product_id": flour.id, "quantity": "2"}]})
    assert answer.status_code == 422
    assert _state() == before
    assert supplier_api.get(f"{API}/purchase-orders/{po['id']}").json["status"] == "sent"


def test_the_status_machine(shop: Shop, supplier_api, make_vendor) -> None:
    flour = shop.product()
    vendor = make_vendor("Central Mill", [item(flour)])
    po = _sent_po(supplier_api, vendor, shop.near.id, [(flour.id, 5)])
    url = f"{API}/purchase-orders/{po['id']}"
    assert supplier_api.post(f"{url}/send").status_code == 409  # sent once
    assert supplier_api.post(f"{url}/confirm").json["status"] == "confirmed"
    _receive(supplier_api, po["id"], [(flour.id, 1)])
    assert supplier_api.post(f"{url}/cancel").status_code == 409  # partly received
    listed = supplier_api.get(f"{API}/purchase-orders",
                              query_string={"status": "partly_received"}).json["items"]
    assert [p["id"] for p in listed] == [po["id"]]



def test_a_demand_based_level_from_recent_shipments_and_standing_orders(
        shop: Shop, supplier_api, make_vendor, api_as) -> None:
    from tests.invoicing.conftest import shipped_order
    from wholesale.inventory.models import StockMovement as Movement
    from wholesale.standing import services as standing

    lemons = shop.product({shop.near: 80}, reorder_point=5)
    shipped_order(shop, (lemons, 30))  # this week
    old = shipped_order(shop, (lemons, 20))  # six weeks ago: outside the window
    db.session.execute(Movement.__table__.update().where(
        Movement.__table__.c.order_id == old.id).values(
        created_at=datetime.now(UTC) - timedelta(weeks=6)))
    vendor = make_vendor("Citrus Co", [item(lemons, 6, "0.50")])
    db.session.commit()
    made = api_as(shop.buyer_user).post(f"{API}/standing-orders", json={
        "supplier_id": shop.supplier.id, "delivery_location_id": shop.location.id,
        "lines": [{"product_id": lemons.id, "quantity": 4}], "weekdays": [2],
        "starts_on": date.today().isoformat()})
    assert made.status_code == 201, made.get_data(as_text=True)
    with as_tenant(None):
        order = db.session.get(StandingOrder, made.json["id"])
        until = date.today() + timedelta(weeks=4)
        due = [o for o in standing.occurrences(order, ahead=28, past_days=0)
               if o.status.value == "upcoming" and o.delivery_date <= until]
    assert 3 <= len(due) <= 5

    # 30 available: above the reorder point, nothing by the usual target.
    assert _suggestions(supplier_api, shop.near.id)["items"] == []
    answer = supplier_api.get(f"{API}/reorder-suggestions", query_string={
        "warehouse_id": shop.near.id, "demand_weeks": 4}).json
    [suggested] = answer["items"]
    expected = 30 + 4 * len(due)  # shipped in 4 weeks + the standing orders due
    assert suggested["target"] == expected
    assert suggested["quantity"] == -(-(expected - 30) // 6) * 6
    assert f"shipped 30 in 4 weeks + standing orders {4 * len(due)}" in suggested["reason"]
    po = _po(supplier_api, {"vendor_id": vendor["id"], "warehouse_id": shop.near.id,
                            "demand_weeks": 4})
    assert po["lines"][0]["quantity"] == suggested["quantity"]
    for weeks in (0, 27, "x"):
        assert supplier_api.get(f"{API}/reorder-suggestions", query_string={
            "warehouse_id": shop.near.id, "demand_weeks": weeks}).status_code == 422
