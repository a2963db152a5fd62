"""Intake against the database: the API endpoint (who may ask, 404s, 422s, bad input), the
buyer's order history as the strongest signal, and teaching (buyer first, then the supplier
once two buyers taught the same phrase)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.api.util import assert_error, commit
from wholesale.catalog.models import Product
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.intake import services
from wholesale.intake.models import IntakeAlias
from wholesale.orders.models import Channel, Order, OrderLine

MONDAY = "2025-12-08"


@pytest.fixture
def shop(factory):
    supplier = factory.supplier("Golden Gate")
    buyer = factory.buyer("Bistro")
    factory.connect(supplier, buyer)
    products = {}
    for sku, name, unit, case_size in [
        ("LET-HRT", "Romaine hearts", "case", 24),
        ("LET-WHL", "Romaine, whole heads", "each", 24),
        ("LEM", "Lemons 115 ct", "case", 115),
        ("ARB", "Arborio rice, 10 kg", "bag", 1),
        ("OLD", "Iceberg lettuce", "case", 24),
    ]:
        product = Product(supplier_id=supplier.id, sku=sku, name=name, unit=unit,
                          case_size=case_size, price=Decimal("10.00"), currency="USD")
        db.session.add(product)
        products[sku] = product
    db.session.flush()
    products["OLD"].archived_at = products["OLD"].created_at  # not in the active catalog
    db.session.flush()
    return supplier, buyer, products


def _past_order(factory, supplier, buyer, lines: dict[Product, int]) -> None:
    location = factory.location(buyer)
    order = Order(supplier_id=supplier.id, buyer_id=buyer.id, channel=Channel.API,
                  placed_by_id=factory.owner(buyer).id, delivery_location_id=location.id,
                  requested_delivery_date=date(2025, 12, 4), currency="USD",
                  subtotal=Decimal("0.00"), number=1)
    order.lines = [OrderLine(product_id=p.id, sku=p.sku, name=p.name, unit=p.unit, quantity=q,
                             unit_price=Decimal("1.00"), line_total=Decimal(q))
                   for p, q in lines.items()]
    db.session.add(order)
    db.session.flush()


def test_a_buyer_reads_a_message_to_its_supplier(api_as, factory, shop):
    supplier, buyer, products = shop
    _past_order(factory, supplier, buyer, {products["LET-HRT"]: 3, products["LEM"]: 1})
    as_buyer = api_as(factory.owner(buyer))
    supplier_id, hearts_id = supplier.id, products["LET-HRT"].id
    commit()

    response = as_buyer.post("/api/v1/intake/parse", json={
        "supplier_id": supplier_id, "today": MONDAY,
        "text": "3 cs romaine, 2 lemons and a bag of arborio for thurs 🙏"})

    assert response.status_code == 200, response.json
    body = response.json
    assert body["is_order"] is True
    assert body["requested_delivery_date"] == "2025-12-11"
    assert body["questions"] == [] and body["unmatched"] == []
    lines = {line["sku"]: line for line in body["lines"]}
    assert {sku: line["quantity"] for sku, line in lines.items()} == {
        "LET-HRT": 3, "LEM": 2, "ARB": 1}
    hearts = lines["LET-HRT"]
    assert hearts["product_id"] == hearts_id and hearts["name"] == "Romaine hearts"
    assert hearts["unit"] == "case" and hearts["source_text"] == "3 cs romaine"
    assert 0 < hearts["confidence"] <= 1 and "chosen_by_history" in hearts["flags"]


def test_without_history_an_ambiguous_item_is_a_question(api_as, factory, shop):
    supplier, buyer, _ = shop
    as_buyer = api_as(factory.owner(buyer))
    supplier_id = supplier.id
    commit()

    body = as_buyer.post("/api/v1/intake/parse", json={
        "supplier_id": supplier_id, "text": "3 cs romaine", "today": MONDAY}).json

    assert body["is_order"] is True and body["lines"] == []
    [question] = body["questions"]
    assert question["prompt"].endswith("? Reply 1 or 2.")
    assert [o["sku"] for o in question["options"]] == ["LET-HRT", "LET-WHL"]


def test_a_supplier_reads_its_customers_message_and_archived_products_never_match(
        api_as, factory, shop):
    supplier, buyer, _ = shop
    as_supplier = api_as(factory.owner(supplier))
    buyer_id = buyer.id
    commit()

    body = as_supplier.post("/api/v1/intake/parse", json={
        "buyer_id": buyer_id, "text": "2 cs iceberg lettuce + 1 cs lemons tmrw",
        "today": MONDAY}).json

    assert [(ln["sku"], ln["quantity"]) for ln in body["lines"]] == [("LEM", 1)]
    assert body["unmatched"] == ["2 cs iceberg lettuce"]
    assert body["requested_delivery_date"] == "2025-12-09"


def test_who_may_ask(api_as, factory, shop):
    supplier, buyer, _ = shop
    stranger_supplier = factory.supplier("Elsewhere")
    stranger_buyer = factory.buyer("Nobody")
    as_buyer = api_as(factory.owner(buyer))
    as_supplier = api_as(factory.owner(supplier))
    anonymous = api_as(None)
    ids = supplier.id, buyer.id, stranger_supplier.id, stranger_buyer.id
    commit()
    supplier_id, buyer_id, other_supplier_id, other_buyer_id = ids
    text = {"text": "2 cs lemons"}

    assert_error(anonymous.post("/api/v1/intake/parse", json={"supplier_id": supplier_id, **text}),
                 401)
    assert_error(as_buyer.post("/api/v1/intake/parse",
                               json={"supplier_id": other_supplier_id, **text}), 404)
    assert_error(as_buyer.post("/api/v1/intake/parse",
                               json={"supplier_id": 2**31 - 1, **text}), 404)
    assert_error(as_supplier.post("/api/v1/intake/parse",
                                  json={"buyer_id": other_buyer_id, **text}), 404)
    assert_error(as_supplier.post("/api/v1/intake/parse",
                                  json={"buyer_id": buyer_id, "supplier_id": other_supplier_id,
                                        **text}), 404)
    assert_error(as_buyer.post("/api/v1/intake/parse", json=text), 422, "validation_error",
                 ("supplier_id",))
    assert_error(as_supplier.post("/api/v1/intake/parse", json=text), 422, "validation_error",
                 ("buyer_id",))
    assert_error(as_buyer.post("/api/v1/intake/parse",
                               json={"supplier_id": supplier_id, "buyer_id": other_buyer_id,
                                     **text}), 422, fields=("buyer_id",))


@pytest.mark.parametrize(("body", "field"), [
    ({"text": ""}, "text"),
    ({"text": "   \n "}, "text"),
    ({"text": "x" * 50_000}, "text"),
    ({"text": 42}, "text"),
    ({}, "text"),
    ({"text": "2 lemons", "today": "12/08/2025"}, "today"),
    ({"text": "2 lemons", "today": "0001-01-01"}, "today"),
    ({"text": "2 lemons", "supplier_id": "1"}, "supplier_id"),
    ({"text": "2 lemons", "supplier_id": 2**40}, "supplier_id"),
])
def test_bad_input_is_a_clear_422(api_as, factory, shop, body, field):
    supplier, buyer, _ = shop
    as_buyer = api_as(factory.owner(buyer))
    payload = {"supplier_id": supplier.id, **body}
    commit()

    assert_error(as_buyer.post("/api/v1/intake/parse", json=payload), 422, "validation_error",
                 (field,))


def test_emoji_only_and_questions_are_not_orders_and_nothing_is_stored(api_as, factory, shop):
    supplier, buyer, _ = shop
    as_buyer = api_as(factory.owner(buyer))
    supplier_id = supplier.id
    commit()

    for text, reason in (("👍🙏🎉", "empty"), ("do you have lemons?", "question")):
        body = as_buyer.post("/api/v1/intake/parse",
                             json={"supplier_id": supplier_id, "text": text}).json
        assert (body["is_order"], body["reason"], body["lines"]) == (False, reason, [])
    assert db.session.scalar(select(func.count()).select_from(IntakeAlias)) == 0


def test_a_correction_teaches_the_buyer_then_the_supplier_after_two_buyers(factory, shop):
    supplier, buyer, products = shop
    second, third = factory.buyer("Taqueria"), factory.buyer("Cafe")
    for other in (second, third):
        factory.connect(supplier, other)
    whole = products["LET-WHL"]

    def read(who):
        return services.read_for(supplier.id, who.id, "3 cs green leaf", today=date(2025, 12, 8))

    assert read(buyer).lines == []  # nothing called that in the catalog

    services.teach(supplier.id, buyer.id, "3 cs green leaf", whole.id)
    [line] = read(buyer).lines
    assert (line.sku, line.quantity, line.how) == ("LET-WHL", 72, "alias")
    assert read(second).lines == []  # one buyer's wording is that buyer's

    services.teach(supplier.id, second.id, "green leaf pls", whole.id)
    [line] = read(third).lines  # two buyers taught it: the whole supplier knows it
    assert (line.sku, line.how) == ("LET-WHL", "supplier_alias")

    # Teaching again changes what the phrase means for that buyer, and it wins over the
    # supplier's wording.
    services.teach(supplier.id, buyer.id, "green leaf", products["LET-HRT"].id)
    assert [ln.sku for ln in read(buyer).lines] == ["LET-HRT"]
    assert db.session.scalar(select(func.count()).select_from(IntakeAlias)
                             .where(IntakeAlias.buyer_id == buyer.id)) == 1


def test_teaching_checks_the_phrase_and_the_product(factory, shop):
    supplier, buyer, products = shop
    other = factory.supplier("Other")
    foreign = Product(supplier_id=other.id, sku="X", name="Foreign", unit="case",
                      price=Decimal("1.00"), currency="USD")
    db.session.add(foreign)
    db.session.flush()
    for phrase, product_id, field in (("🙏 pls", products["LEM"].id, "phrase"),
                                      ("lemons", foreign.id, "product_id"),
                                      ("iceberg", products["OLD"].id, "product_id"),
                                      ("lemons", 2**40, "product_id")):
        with pytest.raises(ValidationFailed) as raised:
            services.teach(supplier.id, buyer.id, phrase, product_id)
        assert field in raised.value.fields
