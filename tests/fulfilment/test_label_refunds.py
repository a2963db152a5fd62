"""Refunding a carrier label that wasn't used, and partial carrier shipments (API, the real
Shippo adapter against the local fake Shippo).

A refund is allowed until the carrier has scanned the parcel; it voids the shipment: the
units go back on the shelf still reserved for the order (the mirror of the shipment's stock
moves), a `shipped` order is `packed` again, the buyer hears of it if they had been told it
shipped. A second refund, a hand-recorded shipment, a scanned parcel and the carrier's
refusals are clear errors that change nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select

from messaging.chat.models import Message
from messaging.notifications.models import Notification
from tests.conftest import login
from tests.fulfilment.conftest import movements, place
from tests.notifications.fakes import Fault
from tests.orders.conftest import Shop
from tests.orders.errors import assert_error
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment.carriers import _KEY
from wholesale.fulfilment.carriers.console import ConsoleCarrier
from wholesale.fulfilment.models import EventKind, OrderEvent, Shipment, ShippingQuote
from wholesale.inventory.models import MovementKind, StockLevel
from wholesale.orders.models import Order, OrderStatus


def _weighed(shop: Shop, stock: int = 20):
    return shop.product({shop.near: stock}, case_size=6, weight_kg=Decimal("0.5"),
                        case_length_cm=Decimal("40"), case_width_cm=Decimal("30"),
                        case_height_cm=Decimal("20"))


def _buy(api: Any, order: Order, lines: list[dict[str, int]] | None = None) -> dict[str, Any]:
    url = f"/api/v1/orders/{order.id}"
    body = {"lines": lines} if lines else {}
    rates = api.post(f"{url}/shipping-rates", json=body)
    assert rates.status_code == 200, rates.get_json()
    bought = api.post(f"{url}/labels", json={"rate_id": rates.get_json()["items"][0]["id"]})
    assert bought.status_code == 201, bought.get_json()
    return bought.get_json()


def _level(product_id: int) -> tuple[int, int]:
    row = db.session.execute(select(StockLevel.on_hand, StockLevel.reserved).where(
        StockLevel.product_id == product_id)).one()
    db.session.commit()
    return tuple(row)


def _refund(api: Any, shipment_id: int, note: str = "") -> Any:
    return api.post(f"/api/v1/shipments/{shipment_id}/label-refund", json={"note": note})


def test_a_refund_voids_the_shipment_and_the_order_is_packed_again(shop, supplier_api, fake):
    product = _weighed(shop)
    order = place(shop, (product, 8))
    shipment = _buy(supplier_api, order)
    assert shipment["order_status"] == "shipped" and _level(product.id) == (12, 0)
    told = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.event_key == f"shipped:{order.id}:{shipment['id']}",
        Notification.recipient_side == "buyer"))
    assert told  # the buyer had been told it shipped

    response = _refund(supplier_api, shipment["id"], "Wrong box size")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["voided_at"] and body["label_refund_status"] == "QUEUED"
    assert body["order_status"] == "packed" and body["lines"] == []
    (refund,) = fake.calls("/refunds")
    assert refund.json == {"transaction": fake.purchases()[0]["object_id"], "async": False}

    assert _level(product.id) == (20, 8)  # back on the shelf, still reserved for the order
    (back,) = movements(order, MovementKind.SHIPMENT_VOID)
    assert (back.on_hand_delta, back.reserved_delta) == (8, 8)
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status is OrderStatus.PACKED
    assert [a.shipped_quantity for ln in order.lines for a in ln.allocations] == [0]
    events = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                                .order_by(OrderEvent.id)).all()
    assert [(e.kind, e.to_status) for e in events[-2:]] == [
        (EventKind.SHIPMENT_VOIDED, None), (EventKind.STATUS, OrderStatus.PACKED)]
    assert events[-2].note == "Wrong box size" and events[-2].data["units"] == 8
    voided = db.session.scalars(select(Notification).where(
        Notification.event == "shipment_voided")).all()
    assert voided and {n.recipient_side for n in voided} <= {"buyer", "contact"}
    thread = db.session.scalars(select(Message.body).where(Message.body.contains(
        "label was refunded"))).all()
    assert len(thread) == 1

    again = _refund(supplier_api, shipment["id"])
    assert_error(again, 409, "label_not_refundable")
    assert "refunded already" in again.get_json()["error"]["message"]
    assert len(fake.calls("/refunds")) == 1  # the carrier was not asked twice
    # the goods can ship again: a new label, and the order is shipped once more
    assert _buy(supplier_api, order)["order_status"] == "shipped"
    assert _level(product.id) == (12, 0)


def test_the_buyer_who_was_not_told_hears_nothing(shop, supplier_api, fake, app):
    order = place(shop, (_weighed(shop), 2))
    shipment = _buy(supplier_api, order)
    db.session.execute(Notification.__table__.delete())  # as if nobody had been told
    db.session.commit()
    assert _refund(supplier_api, shipment["id"]).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.event == "shipment_voided")) == 0


def test_refunding_one_of_two_parcels_keeps_the_other(shop, supplier_api, fake):
    product = _weighed(shop)
    order = place(shop, (product, 8))
    line_id = order.lines[0].id
    first = _buy(supplier_api, order, [{"line_id": line_id, "quantity": 3}])
    assert first["order_status"] == "placed"  # partly shipped: the status waits
    second = _buy(supplier_api, order)  # the rest
    assert second["order_status"] == "shipped" and second["lines"][0]["quantity"] == 5
    assert _refund(supplier_api, first["id"]).get_json()["order_status"] == "packed"
    assert _level(product.id) == (15, 3)
    db.session.expire_all()
    kept = db.session.get(Shipment, second["id"])
    assert kept.voided_at is None and kept.total_quantity == 5


def test_a_parcel_the_carrier_has_scanned_or_a_hand_shipment_is_not_refunded(
        shop, supplier_api, fake, app, client):
    order = place(shop, (_weighed(shop), 2))
    shipment = _buy(supplier_api, order)
    body = fake.track_payload(shipment["tracking_number"], "TRANSIT")
    assert client.post(f"/webhooks/shippo/track/{app.config['SHIPPO_WEBHOOK_SECRET']}",
                       json=body).status_code == 200
    scanned = _refund(supplier_api, shipment["id"])
    assert_error(scanned, 409, "label_not_refundable")
    assert "transit" in scanned.get_json()["error"]["message"]

    by_hand = place(shop, (_weighed(shop), 1))
    made = supplier_api.post(f"/api/v1/orders/{by_hand.id}/shipments", json={"carrier": "UPS"})
    assert_error(_refund(supplier_api, made.get_json()["id"]), 409, "label_not_refundable")
    assert fake.calls("/refunds") == []
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is OrderStatus.SHIPPED


def test_the_buyer_may_not_refund_and_another_supplier_does_not_see_it(
        shop, supplier_api, api_as, factory, fake):
    shipment = _buy(supplier_api, place(shop, (_weighed(shop), 2)))
    assert_error(_refund(api_as(shop.buyer_user), shipment["id"]), 403, "forbidden_role")
    stranger = factory.owner(factory.supplier("Elsewhere"))
    assert_error(_refund(api_as(stranger), shipment["id"]), 404)
    assert_error(_refund(supplier_api, 999999), 404)
    assert fake.calls("/refunds") == []


def test_the_carriers_refusal_or_silence_changes_nothing(shop, supplier_api, fake):
    product = _weighed(shop)
    order = place(shop, (product, 2))
    shipment = _buy(supplier_api, order)
    fake.fail_next(Fault(500), Fault(503), Fault(502))
    assert_error(_refund(supplier_api, shipment["id"]), 503, "carrier_unavailable")
    fake.refunded.add(fake.purchases()[0]["object_id"])  # Shippo: already requested
    refused = _refund(supplier_api, shipment["id"])  # not blocked by the failed attempt
    assert_error(refused, 422, "refund_refused", ("shipment",))
    db.session.expire_all()
    kept = db.session.get(Shipment, shipment["id"])
    assert kept.voided_at is None and kept.refund_requested_at is None
    assert kept.total_quantity == 2 and _level(product.id) == (18, 0)
    assert db.session.get(Order, order.id).status is OrderStatus.SHIPPED


def test_tracking_of_a_voided_label_changes_nothing(shop, supplier_api, fake, app, client):
    order = place(shop, (_weighed(shop), 2))
    shipment = _buy(supplier_api, order)
    assert _refund(supplier_api, shipment["id"]).status_code == 200
    body = fake.track_payload(shipment["tracking_number"], "DELIVERED")
    answer = client.post(f"/webhooks/shippo/track/{app.config['SHIPPO_WEBHOOK_SECRET']}",
                         json=body)
    assert answer.get_json() == {"outcome": "voided"}
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is OrderStatus.PACKED


def test_partial_rates_and_a_label_ship_the_quoted_lines(shop, supplier_api, fake):
    product, other = _weighed(shop), _weighed(shop)
    order = place(shop, (product, 8), (other, 2))
    first, second = sorted(order.lines, key=lambda ln: ln.id)
    url = f"/api/v1/orders/{order.id}"
    lines = [{"line_id": first.id, "quantity": 7}]
    rates = supplier_api.post(f"{url}/shipping-rates", json={"lines": lines}).get_json()
    assert rates["parcels"] == [  # 7 units in cases of 6: 3 kg and 0.5 kg
        {"weight_kg": "3.000", "length_cm": "40.0", "width_cm": "30.0", "height_cm": "20.0"},
        {"weight_kg": "0.500", "length_cm": "40.0", "width_cm": "30.0", "height_cm": "20.0"}]
    rate = rates["items"][0]["id"]
    other_lines = [{"line_id": second.id, "quantity": 2}]
    mismatch = supplier_api.post(f"{url}/labels", json={"rate_id": rate, "lines": other_lines})
    assert_error(mismatch, 422, "validation_error", ("lines",))
    too_many = supplier_api.post(f"{url}/shipping-rates", json={
        "lines": [{"line_id": first.id, "quantity": 9}]})
    assert_error(too_many, 422, "validation_error", ("lines.0.quantity",))
    bought = supplier_api.post(f"{url}/labels", json={"rate_id": rate})  # the quoted lines
    assert bought.status_code == 201, bought.get_json()
    assert [(ln["line_id"], ln["quantity"]) for ln in bought.get_json()["lines"]] == [
        (first.id, 7)]
    assert len(fake.purchases()) == 1


def _pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_the_order_page_prints_slip_and_label_together_and_refunds(shop, supplier_api, fake,
                                                                   app):
    product = _weighed(shop)
    order = place(shop, (product, 8))
    shipment = _buy(supplier_api, order, [{"line_id": order.lines[0].id, "quantity": 5}])
    page_client = app.test_client()
    login(page_client, shop.supplier_user)
    page = page_client.get(f"/orders/{order.id}").get_data(as_text=True)
    slip_url = f"/fulfilment/shipments/{shipment['id']}/packing-slip.pdf"
    assert slip_url in page and "Refund this label" in page

    slip = page_client.get(slip_url)
    assert slip.status_code == 200 and slip.mimetype == "application/pdf"
    pages = _pdf_pages(slip.data)
    assert len(pages) == 2  # the slip, then the carrier's label: one print gives both
    assert f"Packing slip · order {order.display_number}" in pages[0]
    assert shipment["tracking_number"] in pages[0] and "label is on the next page" in pages[0]
    assert "5" in pages[0].split("Backordered")[-1]  # in this box: 5 of the 8
    assert "FAKE SHIPPO LABEL" in pages[1]
    buyer = app.test_client()
    login(buyer, shop.buyer_user)
    assert buyer.get(slip_url).status_code in (403, 404)

    refund_url = f"/fulfilment/shipments/{shipment['id']}/refund"
    done = page_client.post(refund_url, data={"note": "Box too small"},
                            follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Label refunded" in text and "Box too small" in text and "data-void" in text
    assert "Refund this label" not in text
    assert page_client.get(slip_url).status_code == 404  # a void shipment prints nothing
    again = page_client.post(refund_url, data={}, follow_redirects=True)
    assert "refunded already" in again.get_data(as_text=True)
    assert len(fake.calls("/refunds")) == 1
    assert _level(product.id) == (20, 8)


def test_a_purchase_claim_blocks_a_second_one_and_lapses_when_its_process_died(
        shop, supplier_api, fake, app):
    order = place(shop, (_weighed(shop), 2))
    url = f"/api/v1/orders/{order.id}"
    rate = supplier_api.post(f"{url}/shipping-rates", json={}).get_json()["items"][0]
    quote = db.session.scalars(select(ShippingQuote).where(
        ShippingQuote.rate_id == rate["id"])).one()
    quote.claimed_at = utcnow()  # a purchase under way
    db.session.commit()
    busy = supplier_api.post(f"{url}/labels", json={"rate_id": rate["id"]})
    assert_error(busy, 409, "label_in_progress")
    # That process bought the label at Shippo, then died before recording it.
    app.extensions[_KEY].buy_label(rate["id"])
    quote = db.session.get(ShippingQuote, quote.id)
    quote.claimed_at = utcnow() - timedelta(minutes=3)
    db.session.commit()
    bought = supplier_api.post(f"{url}/labels", json={"rate_id": rate["id"]})
    assert bought.status_code == 201, bought.get_json()
    (label,) = fake.purchases()  # the lapsed purchase's label, not a second one
    assert bought.get_json()["tracking_number"] == label["tracking_number"]


def test_a_carrier_that_does_not_answer_a_purchase_leaves_nothing_behind(shop, supplier_api,
                                                                         fake):
    order = place(shop, (_weighed(shop), 2))
    url = f"/api/v1/orders/{order.id}"
    rate = supplier_api.post(f"{url}/shipping-rates", json={}).get_json()["items"][0]
    fake.fail_next(*[Fault(500)] * 5)  # three purchases, and the look-ups between them
    failed = supplier_api.post(f"{url}/labels", json={"rate_id": rate["id"]})
    assert_error(failed, 503, "carrier_unavailable")
    assert db.session.scalar(select(func.count()).select_from(Shipment)) == 0
    assert db.session.scalars(select(ShippingQuote.claimed_at)).all() == [None] * 3
    db.session.commit()
    assert supplier_api.post(f"{url}/labels", json={"rate_id": rate["id"]}).status_code == 201


def test_an_invoiced_shipment_keeps_its_label(shop, supplier_api, fake):
    order = place(shop, (_weighed(shop), 2))
    shipment = _buy(supplier_api, order)
    invoice = supplier_api.post(f"/api/v1/orders/{order.id}/invoices", json={})
    assert invoice.status_code == 201, invoice.get_json()
    refused = _refund(supplier_api, shipment["id"])
    assert_error(refused, 409, "label_not_refundable")
    assert "void the invoice" in refused.get_json()["error"]["message"]
    assert fake.calls("/refunds") == []


def test_without_a_key_the_console_backend_refunds_too(shop, supplier_api, app):
    app.extensions[_KEY] = ConsoleCarrier()
    try:
        order = place(shop, (_weighed(shop), 3))
        shipment = _buy(supplier_api, order)
        refunded = _refund(supplier_api, shipment["id"]).get_json()
        assert refunded["label_refund_status"] == "SUCCESS" and refunded["voided_at"]
        assert refunded["order_status"] == "packed"
    finally:
        app.extensions.pop(_KEY, None)


def test_a_lapsed_purchase_is_recorded_before_any_other_rate_is_bought(
        shop, supplier_api, fake, app):
    """The process buying one rate died after the carrier sold the label: choosing another
    rate is refused (it would be a second label), the unfinished rate stays on offer, and
    buying it records the label already sold instead of paying twice."""
    order = place(shop, (_weighed(shop), 2))
    url = f"/api/v1/orders/{order.id}"
    first, second = supplier_api.post(f"{url}/shipping-rates", json={}).get_json()["items"][:2]
    app.extensions[_KEY].buy_label(first["id"])  # sold, then the process died
    quote = db.session.scalars(select(ShippingQuote).where(
        ShippingQuote.rate_id == first["id"])).one()
    quote.claimed_at = utcnow() - timedelta(minutes=3)
    db.session.commit()
    refused = supplier_api.post(f"{url}/labels", json={"rate_id": second["id"]})
    assert_error(refused, 409, "label_in_doubt")
    assert first["carrier"] in refused.get_json()["error"]["message"]
    offered = supplier_api.post(f"{url}/shipping-rates", json={}).get_json()["items"]
    assert offered[-1]["id"] == first["id"]  # still on offer, after the new rates
    bought = supplier_api.post(f"{url}/labels", json={"rate_id": first["id"]})
    assert bought.status_code == 201, bought.get_json()
    (label,) = fake.purchases()  # one label, paid once
    assert bought.get_json()["tracking_number"] == label["tracking_number"]


def test_a_queued_refund_is_asked_about_again_until_the_carrier_settles_it(
        shop, supplier_api, fake, app):
    """Shippo queues refunds: the worker's periodic check asks about them again and records
    what they became; a refund refused after all says so on the order page."""
    from wholesale.fulfilment.labels import check_refunds

    first, second = (_buy(supplier_api, place(shop, (_weighed(shop), 2))) for _ in range(2))
    for shipment in (first, second):
        assert _refund(supplier_api, shipment["id"]).get_json()["label_refund_status"] == \
            "QUEUED"
    assert check_refunds() == 0  # still queued at the carrier: nothing changed
    queued = [db.session.get(Shipment, s["id"]).label_refund_id for s in (first, second)]
    assert all(queued) and set(queued) <= set(fake.refunds)
    fake.refunds[queued[0]]["status"] = "SUCCESS"
    fake.refunds[queued[1]]["status"] = "ERROR"
    assert check_refunds() == 2
    statuses = [db.session.get(Shipment, s["id"]).label_refund_status for s in (first, second)]
    assert statuses == ["SUCCESS", "ERROR"]
    assert check_refunds() == 0 and len(fake.calls(f"/refunds/{queued[0]}")) == 2  # settled
    page_client = app.test_client()
    login(page_client, shop.supplier_user)
    refused = db.session.get(Shipment, second["id"]).order_id
    page = page_client.get(f"/orders/{refused}").get_data(as_text=True)
    assert "data-refund-refused" in page and "stays paid" in page
