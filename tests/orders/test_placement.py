"""place_order(): allocation by distance, splits, backorders, numbers, prices, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.orders.conftest import Shop
from wholesale.db import utcnow
from wholesale.errors import NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.inventory.ledger import InsufficientStock
from wholesale.inventory.models import MovementKind, StockMovement
from wholesale.orders import rules
from wholesale.orders.allocation import Source, haversine_km, plan_line
from wholesale.orders.idempotency import KeyReused
from wholesale.orders.models import Channel, Order, OrderStatus
from wholesale.orders.numbers import format_number, prefix_for
from wholesale.orders.placement import place_order


def allocations_of(order: Order) -> dict[str, list[tuple[str, int]]]:
    return {line.sku: [(a.warehouse.name, a.quantity) for a in line.allocations]
            for line in order.lines}


def test_nearest_warehouse_that_can_fill_the_whole_line_gets_it(shop: Shop) -> None:
    both = shop.product({shop.near: 50, shop.far: 50})
    far_only = shop.product({shop.near: 3, shop.far: 50})
    result = place_order(**shop.place_kwargs((both, 10), (far_only, 8)))
    assert result.created
    order = result.order
    # `both` from Oakland (nearest); `far_only` not split: Sacramento has all 8.
    assert allocations_of(order) == {both.sku: [("Oakland", 10)],
                                     far_only.sku: [("Sacramento", 8)]}
    assert shop.level(both, shop.near).reserved == 10
    assert shop.level(both, shop.far).reserved == 0
    assert shop.level(far_only, shop.near).reserved == 0
    assert shop.level(far_only, shop.far).reserved == 8
    assert order.backorders == []


def test_a_line_is_split_only_when_no_warehouse_can_fill_it(shop: Shop) -> None:
    product = shop.product({shop.near: 6, shop.far: 7})
    order = place_order(**shop.place_kwargs((product, 10))).order
    assert allocations_of(order) == {product.sku: [("Oakland", 6), ("Sacramento", 4)]}
    assert shop.level(product, shop.near).available == 0
    assert shop.level(product, shop.far).available == 3


def test_nearest_first_depends_on_where_the_goods_go(shop: Shop) -> None:
    product = shop.product({shop.near: 20, shop.far: 20})
    davis = shop.factory.location(shop.buyer, "Davis", "38.54", "-121.74")
    order = place_order(**shop.place_kwargs((product, 5),
                                            delivery_location_id=davis.id)).order
    assert allocations_of(order) == {product.sku: [("Sacramento", 5)]}


def test_reservations_are_in_the_ledger_with_the_order(shop: Shop) -> None:
    product = shop.product({shop.near: 6, shop.far: 7})
    order = place_order(**shop.place_kwargs((product, 10))).order
    moves = db.session.scalars(
        select(StockMovement).where(StockMovement.order_id == order.id,
                                    StockMovement.kind == MovementKind.RESERVATION)
        .order_by(StockMovement.id)
        .execution_options(all_tenants=True)).all()
    assert [(m.warehouse_id, m.reserved_delta) for m in moves] == [(shop.near.id, 6),
                                                                    (shop.far.id, 4)]
    assert all(m.user_id == shop.buyer_user.id for m in moves)


def test_shortfall_goes_to_a_linked_backorder(shop: Shop) -> None:
    scarce = shop.product({shop.near: 2, shop.far: 1}, allow_backorder=True, price="4.00")
    plenty = shop.product({shop.near: 100})
    order = place_order(**shop.place_kwargs((scarce, 5), (plenty, 2))).order
    assert order.status is OrderStatus.PLACED
    assert [(ln.sku, ln.quantity) for ln in order.lines] == [(scarce.sku, 3), (plenty.sku, 2)]
    assert allocations_of(order)[scarce.sku] == [("Oakland", 2), ("Sacramento", 1)]
    assert order.subtotal == Decimal("32.00")  # 3 × 4.00 + 2 × 10.00
    [backorder] = order.backorders
    assert backorder.backorder_of_id == order.id
    assert backorder.status is OrderStatus.PLACED
    assert (backorder.supplier_id, backorder.buyer_id) == (order.supplier_id, order.buyer_id)
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in backorder.lines] == [
        (scarce.sku, 2, Decimal("4.00"))]
    assert all(ln.allocations == [] for ln in backorder.lines)
    assert backorder.subtotal == Decimal("8.00")
    assert shop.reserved(scarce) == 3
    # Both get a number; the backorder's comes right after.
    assert backorder.number == order.number + 1


def test_nothing_in_stock_puts_every_line_on_the_linked_backorder(shop: Shop) -> None:
    product = shop.product({shop.near: 0}, allow_backorder=True, price="4.00")
    other = shop.product({}, allow_backorder=True, price="2.50")
    order = place_order(**shop.place_kwargs((product, 4), (other, 2))).order
    # The placed order holds what was reserved: nothing, so no line looks firm.
    assert order.lines == [] and order.subtotal == Decimal("0.00")
    assert order.backorder_of is None and order.status is OrderStatus.PLACED
    [backorder] = order.backorders
    assert backorder.backorder_of_id == order.id
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.allocations) for ln in backorder.lines] == [
        (product.sku, 4, Decimal("4.00"), []), (other.sku, 2, Decimal("2.50"), [])]
    assert backorder.subtotal == Decimal("21.00")
    assert backorder.number == order.number + 1
    assert shop.reserved(product) == 0


def test_supplier_that_refuses_backorders_gets_409(shop: Shop, unchanged) -> None:
    shop.rules(accepts_backorders=False)
    product = shop.product({shop.near: 1}, allow_backorder=True)
    check = unchanged()
    with pytest.raises(InsufficientStock):
        place_order(**shop.place_kwargs((product, 4)))
    check()


def test_insufficient_stock_without_backorder_reserves_nothing(shop: Shop, unchanged) -> None:
    fine = shop.product({shop.near: 100})
    short = shop.product({shop.near: 2, shop.far: 1})
    also_short = shop.product({})
    check = unchanged()
    with pytest.raises(InsufficientStock) as caught:
        place_order(**shop.place_kwargs((fine, 10), (short, 5), (also_short, 1)))
    error = caught.value
    assert error.status == 409 and error.code == "insufficient_stock"
    assert error.fields == {"lines.1.quantity": [f"Only 3 case of {short.sku} available."],
                            "lines.2.quantity": [f"Only 0 case of {also_short.sku} available."]}
    check()
    assert shop.reserved(fine) == 0


def test_order_numbers_count_up_per_supplier(shop: Shop) -> None:
    product = shop.product({shop.near: 100})
    first = place_order(**shop.place_kwargs((product, 1))).order
    second = place_order(**shop.place_kwargs((product, 1))).order
    assert (first.number, second.number) == (1, 2)
    assert second.display_number == "GG-00002"
    other = shop.factory.supplier("Acme")
    shop.factory.connect(other, shop.buyer)
    wh = shop.factory.warehouse(other)
    theirs = Shop(shop.factory, other, shop.buyer, shop.factory.owner(other), shop.buyer_user,
                  shop.location, wh, wh)
    their_product = theirs.product({wh: 5})
    assert place_order(**theirs.place_kwargs((their_product, 1))).order.display_number == \
        "AC-00001"


def test_number_prefixes() -> None:
    assert prefix_for("Golden Gate Provisions") == "GG"
    assert prefix_for("Acme") == "AC"
    assert prefix_for("Ñandú & Co") == "NC"
    assert prefix_for("42") == "OR"
    assert prefix_for("X") == "XX"
    assert format_number("Golden Gate", 123456) == "GG-123456"


def test_prices_come_from_the_pricing_function_and_are_snapshotted(shop: Shop) -> None:
    product = shop.product({shop.near: 100}, price="10.00")
    shop.price_break(product, 10, "8.50")
    order = place_order(**shop.place_kwargs((product, 12))).order
    [line] = order.lines
    assert (line.unit_price, line.line_total) == (Decimal("8.50"), Decimal("102.00"))
    assert order.subtotal == Decimal("102.00") and order.currency == "USD"
    product.price = Decimal("99.00")
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(Order, order.id).lines[0].unit_price == Decimal("8.50")


def test_duplicate_product_lines_are_merged(shop: Shop) -> None:
    product = shop.product({shop.near: 100}, order_multiple=6)
    order = place_order(**shop.place_kwargs((product, 4), (product, 8))).order
    assert [(ln.product_id, ln.quantity) for ln in order.lines] == [(product.id, 12)]


def test_merged_quantity_is_checked_and_reported_on_the_first_line(shop: Shop,
                                                                   unchanged) -> None:
    product = shop.product({shop.near: 100}, order_multiple=6)
    check = unchanged()
    with pytest.raises(ValidationFailed) as caught:
        place_order(**shop.place_kwargs((product, 4), (product, 4)))
    assert set(caught.value.fields) == {"lines.0.quantity"}
    check()


def test_contacts_notes_and_po_number_are_kept(shop: Shop) -> None:
    product = shop.product({shop.near: 100})
    order = place_order(**shop.place_kwargs(
        (product, 1), notes="  Back door  ", po_number="PO-7",
        contacts=[{"name": "Chef", "email": "Chef@Example.test", "phone": None}])).order
    assert (order.notes, order.po_number) == ("Back door", "PO-7")
    assert [(c.name, c.email, c.phone) for c in order.contacts] == [
        ("Chef", "chef@example.test", None)]


def test_idempotency_key_returns_the_same_order(shop: Shop, unchanged) -> None:
    product = shop.product({shop.near: 100})
    first = place_order(**shop.place_kwargs((product, 2), idempotency_key="k-1"))
    check = unchanged()
    again = place_order(**shop.place_kwargs((product, 2), idempotency_key="k-1"))
    assert (first.created, again.created) == (True, False)
    assert again.order.id == first.order.id
    with pytest.raises(KeyReused):
        place_order(**shop.place_kwargs((product, 3), idempotency_key="k-1"))
    check()


FIRST = {"notes": "Back door", "po_number": "PO-7",
         "contacts": [{"name": "Chef Ana", "email": "ana@example.test", "phone": "+15555550101"}]}


@pytest.mark.parametrize("change", [
    "quantity", "date", "location", "notes", "po_number", "contact_name", "contact_email",
    "contact_phone", "no_contacts",
])
def test_the_key_fingerprint_covers_every_field(shop: Shop, unchanged, change: str) -> None:
    """With a key and no caller's fingerprint (phone, CSV, standing and draft orders), the
    placement's own fingerprint covers each field: any one changed is a 409, not a replay."""
    product = shop.product({shop.near: 100})
    first = place_order(**shop.place_kwargs((product, 2), idempotency_key="k-1", **FIRST))
    other = shop.place_kwargs((product, 3 if change == "quantity" else 2),
                              idempotency_key="k-1", **FIRST)
    contact = dict(FIRST["contacts"][0])
    if change == "date":
        other["requested_delivery_date"] = rules.valid_delivery_dates(
            rules.rules_for(shop.supplier.id), utcnow())[2]
    elif change == "location":
        other["delivery_location_id"] = shop.factory.location(shop.buyer, "Annex").id
    elif change in ("notes", "po_number"):
        other[change] = FIRST[change] + " (2)"
    elif change.startswith("contact_"):
        field = change.removeprefix("contact_")
        contact[field] = {"name": "Chef Bo", "email": "bo@example.test",
                          "phone": "+15555550102"}[field]
        other["contacts"] = [contact]
    elif change == "no_contacts":
        other["contacts"] = []
    check = unchanged()
    with pytest.raises(KeyReused):
        place_order(**other)
    check()
    again = place_order(**shop.place_kwargs((product, 2), idempotency_key="k-1", **FIRST))
    assert (again.created, again.order.id) == (False, first.order.id)


def test_keys_are_scoped_to_the_organization(shop: Shop) -> None:
    product = shop.product({shop.near: 100})
    mine = place_order(**shop.place_kwargs((product, 2), idempotency_key="same")).order
    other_buyer = shop.factory.buyer()
    shop.factory.connect(shop.supplier, other_buyer)
    location = shop.factory.location(other_buyer)
    theirs = place_order(**shop.place_kwargs(
        (product, 2), idempotency_key="same", actor=shop.factory.owner(other_buyer),
        buyer=other_buyer, delivery_location_id=location.id)).order
    assert theirs.id != mine.id


def test_supplier_enters_a_phone_order_for_a_customer(shop: Shop) -> None:
    product = shop.product({shop.near: 100})
    order = place_order(**shop.place_kwargs((product, 2), actor=shop.supplier_user,
                                            channel=Channel.PHONE)).order
    assert order.channel is Channel.PHONE and order.placed_by_id == shop.supplier_user.id
    assert order.buyer_id == shop.buyer.id


# -- bad input: a clear error, nothing changed -------------------------------------------------


@pytest.mark.parametrize("quantity", [0, -3, 2.5, "3", None, True, 10**9])
def test_bad_quantities(shop: Shop, unchanged, quantity) -> None:
    product = shop.product({shop.near: 100})
    check = unchanged()
    with pytest.raises(ValidationFailed) as caught:
        place_order(**shop.place_kwargs((product, 1), (product.id, quantity)))
    assert list(caught.value.fields) == ["lines.1.quantity"]
    check()


def test_unknown_and_foreign_product_ids_look_the_same(shop: Shop, unchanged) -> None:
    other = shop.factory.supplier()
    shop.factory.connect(other, shop.buyer)  # even a supplier the buyer trades with
    foreign = Shop(shop.factory, other, shop.buyer, shop.factory.owner(other), shop.buyer_user,
                   shop.location, shop.near, shop.near).product()
    stranger = shop.factory.supplier()
    hidden = Shop(shop.factory, stranger, shop.buyer, shop.factory.owner(stranger),
                  shop.buyer_user, shop.location, shop.near, shop.near).product()
    mine = shop.product({shop.near: 10})
    check = unchanged()
    with pytest.raises(ValidationFailed) as caught:
        place_order(**shop.place_kwargs((mine, 1), (foreign, 1), (hidden, 1), (999_999, 1),
                                        (2**40, 1)))
    fields = caught.value.fields
    assert set(fields) == {"lines.1.product_id", "lines.2.product_id", "lines.3.product_id",
                           "lines.4.product_id"}
    assert fields["lines.1.product_id"] == fields["lines.2.product_id"] == \
        fields["lines.3.product_id"] == ["No such product in this supplier's catalog."]
    check()


def test_archived_products_cannot_be_ordered(shop: Shop, unchanged) -> None:
    from wholesale.db import utcnow

    product = shop.product({shop.near: 10}, archived_at=utcnow())
    check = unchanged()
    with pytest.raises(ValidationFailed) as caught:
        place_order(**shop.place_kwargs((product, 1)))
    assert list(caught.value.fields) == ["lines.0.product_id"]
    check()


def test_moq_and_multiples(shop: Shop, unchanged) -> None:
    moq = shop.product({shop.near: 100}, min_order_qty=5)
    multiple = shop.product({shop.near: 100}, order_multiple=4)
    check = unchanged()
    with pytest.raises(ValidationFailed) as caught:
        place_order(**shop.place_kwargs((moq, 3), (multiple, 6)))
    assert set(caught.value.fields) == {"lines.0.quantity", "lines.1.quantity"}
    check()


def test_empty_order(shop: Shop, unchanged) -> None:
    check = unchanged()
    with pytest.raises(ValidationFailed) as caught:
        place_order(**shop.place_kwargs())
    assert "lines" in caught.value.fields
    check()


def test_unconnected_supplier_is_not_found(shop: Shop, unchanged) -> None:
    stranger = shop.factory.supplier()
    check = unchanged()
    with pytest.raises(NotFound):
        place_order(**shop.place_kwargs(supplier_id=stranger.id))
    check()


def test_another_buyers_location_is_refused(shop: Shop, unchanged) -> None:
    product = shop.product({shop.near: 10})
    other = shop.factory.buyer()
    shop.factory.connect(shop.supplier, other)
    theirs = shop.factory.location(other, "Their place")
    check = unchanged()
    with pytest.raises(ValidationFailed) as caught:
        place_order(**shop.place_kwargs((product, 1), delivery_location_id=theirs.id))
    assert list(caught.value.fields) == ["delivery_location_id"]
    check()


def test_dates_before_the_cutoff_or_on_non_delivery_days(shop: Shop, unchanged) -> None:
    from datetime import timedelta

    from wholesale.db import utcnow
    from wholesale.orders import rules

    product = shop.product({shop.near: 10})
    order_rules = shop.rules(delivery_days="2,4")  # Tuesdays and Thursdays
    earliest = rules.earliest_delivery_date(order_rules, utcnow())
    too_early = earliest - timedelta(days=1)
    not_a_delivery_day = next(earliest + timedelta(days=d) for d in range(1, 8)
                              if (earliest + timedelta(days=d)).isoweekday() not in (2, 4))
    check = unchanged()
    for day in (too_early, not_a_delivery_day, "2025-13-01", None):
        with pytest.raises(ValidationFailed) as caught:
            place_order(**shop.place_kwargs((product, 1), requested_delivery_date=day))
        assert list(caught.value.fields) == ["requested_delivery_date"], day
    check()


def test_minimum_order_value(shop: Shop, unchanged) -> None:
    shop.rules(min_order_value=Decimal("50.00"))
    product = shop.product({shop.near: 10}, price="10.00")
    check = unchanged()
    with pytest.raises(ValidationFailed) as caught:
        place_order(**shop.place_kwargs((product, 4)))
    assert list(caught.value.fields) == ["lines"]
    check()
    assert place_order(**shop.place_kwargs((product, 5))).created


def test_lines_in_another_currency(shop: Shop, unchanged) -> None:
    usd = shop.product({shop.near: 10})
    eur = shop.product({shop.near: 10}, currency="EUR")
    check = unchanged()
    with pytest.raises(ValidationFailed) as caught:
        place_order(**shop.place_kwargs((usd, 1), (eur, 1)))
    assert list(caught.value.fields) == ["lines.1.product_id"]
    check()


def test_bad_contacts(shop: Shop, unchanged) -> None:
    product = shop.product({shop.near: 10})
    check = unchanged()
    with pytest.raises(ValidationFailed) as caught:
        place_order(**shop.place_kwargs((product, 1), contacts=[
            {"name": "", "email": "a@b.test"}, {"name": "X", "email": "nope"},
            {"name": "Y"}]))
    assert set(caught.value.fields) == {"contacts.0.name", "contacts.1.email",
                                        "contacts.2.email"}
    check()


# -- the planner on its own ------------------------------------------------------------------


def test_haversine() -> None:
    # San Francisco → Sacramento is about 120 km as the crow flies.
    assert 115 < haversine_km(37.76, -122.42, 38.58, -121.49) < 125
    assert haversine_km(10, 10, 10, 10) == 0


def test_plan_prefers_one_warehouse_then_splits_nearest_first() -> None:
    near = Source(1, 1, 9, available=4, distance_km=1)
    mid = Source(2, 2, 9, available=10, distance_km=5)
    far = Source(3, 3, 9, available=3, distance_km=9)
    assert [(t.warehouse_id, t.quantity) for t in plan_line(9, 8, [near, mid, far]).takes] == \
        [(2, 8)]
    plan = plan_line(9, 16, [near, mid, far])
    assert [(t.warehouse_id, t.quantity) for t in plan.takes] == [(1, 4), (2, 10), (3, 2)]
    short = plan_line(9, 20, [near, mid, far])
    assert (short.reserved, short.shortfall) == (17, 3)


def test_odd_values_with_a_key_are_validation_errors(shop: Shop, unchanged) -> None:
    check = unchanged()
    for lines, contacts in (([1, "x"], None), ([{"product_id": 1, "quantity": 1}], "Ana"),
                            ("lines", [object()])):
        with pytest.raises(ValidationFailed):
            place_order(**shop.place_kwargs(idempotency_key="odd", contacts=contacts)
                        | {"lines": lines})
    check()
