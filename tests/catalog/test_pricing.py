"""The one pricing function: volume breaks, price lists, precedence, rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.catalog.util import product, statements
from wholesale.catalog import price_lists
from wholesale.catalog.pricing import BuyerTerms, decide_price, unit_price, unit_prices

D = Decimal
BREAKS = [(10, D("9.00")), (50, D("8.00")), (100, D("7.50"))]


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [(1, "10.00"), (9, "10.00"), (10, "9.00"), (49, "9.00"), (50, "8.00"), (100, "7.50"),
     (5000, "7.50")],
)
def test_volume_breaks_take_the_highest_min_qty_reached(quantity, expected):
    assert decide_price(D("10.00"), BREAKS, BuyerTerms(), quantity) == D(expected)


def test_a_fixed_price_wins_over_breaks_and_discounts():
    terms = BuyerTerms(fixed_price=D("9.40"), item_discount=None, list_discount=D("50"))
    assert decide_price(D("10.00"), BREAKS, terms, 1) == D("9.40")
    # even where a volume break would be cheaper: the contract price is the price
    assert decide_price(D("10.00"), BREAKS, terms, 100) == D("9.40")


def test_the_buyer_gets_the_lower_of_volume_price_and_discounted_price_never_both():
    terms = BuyerTerms(list_discount=D("15"))  # 8.50 at any quantity
    assert decide_price(D("10.00"), BREAKS, terms, 1) == D("8.50")
    assert decide_price(D("10.00"), BREAKS, terms, 10) == D("8.50")  # 8.50 < 9.00
    assert decide_price(D("10.00"), BREAKS, terms, 50) == D("8.00")  # break beats discount
    # not stacked: 15 % off the 7.50 break would be 6.38
    assert decide_price(D("10.00"), BREAKS, terms, 100) == D("7.50")


def test_a_per_product_percentage_replaces_the_list_percentage():
    terms = BuyerTerms(item_discount=D("5"), list_discount=D("20"))
    assert decide_price(D("10.00"), [], terms, 1) == D("9.50")


def test_rounding_is_half_up_to_cents():
    assert decide_price(D("0.05"), [], BuyerTerms(list_discount=D("10")), 1) == D("0.05")  # .045
    assert decide_price(D("1.15"), [], BuyerTerms(list_discount=D("50")), 1) == D("0.58")  # .575
    assert decide_price(D("2.25"), [], BuyerTerms(list_discount=D("50")), 1) == D("1.13")  # 1.125
    assert decide_price(D("9.99"), [], BuyerTerms(list_discount=D("33.33")), 1) == D("6.66")


def test_hundred_percent_off_is_free_and_never_negative():
    assert decide_price(D("4.00"), [], BuyerTerms(list_discount=D("100")), 1) == D("0.00")


def test_unit_price_reads_the_buyers_price_list(factory):
    supplier, buyer, other_buyer = factory.supplier(), factory.buyer(), factory.buyer()
    rel = factory.connect(supplier, buyer)
    factory.connect(supplier, other_buyer)
    cheese = product(supplier, price="20.00",
                     price_breaks=[{"min_qty": 12, "price": "18.00"}])
    milk = product(supplier, price="3.00")
    bread = product(supplier, price="4.00")
    price_lists.replace(supplier, rel.id, {
        "discount_percent": D("10"),
        "items": [{"product_id": milk.id, "fixed_price": D("2.49"), "discount_percent": None},
                  {"product_id": bread.id, "fixed_price": None, "discount_percent": D("25")}],
    })
    assert unit_price(buyer.id, cheese, 1) == D("18.00")  # list discount 10 %
    assert unit_price(buyer.id, cheese, 12) == D("18.00")  # break equals discount
    assert unit_price(buyer.id, milk, 1) == D("2.49")
    assert unit_price(buyer.id, bread, 1) == D("3.00")
    # another buyer of the same supplier, and the supplier itself, pay catalog prices
    assert unit_price(other_buyer.id, cheese, 1) == D("20.00")
    assert unit_price(other_buyer.id, cheese, 12) == D("18.00")
    assert unit_price(None, milk, 1) == D("3.00")
    # the batch version agrees
    assert unit_prices(buyer.id, [cheese, milk, bread]) == {
        cheese.id: D("18.00"), milk.id: D("2.49"), bread.id: D("3.00")}
    assert unit_prices(buyer.id, [cheese], 12) == {cheese.id: D("18.00")}


def test_unit_prices_uses_a_fixed_number_of_queries(factory, db_session):
    supplier, buyer = factory.supplier(), factory.buyer()
    rel = factory.connect(supplier, buyer)
    items = [product(supplier, price_breaks=[{"min_qty": 5, "price": "9"}]) for _ in range(30)]
    price_lists.replace(supplier, rel.id, {"discount_percent": D("3"), "items": []})
    with statements() as run:
        prices = unit_prices(buyer.id, items, 5)
    assert len(prices) == 30 and set(prices.values()) == {D("9.00")}
    assert 1 <= len(run) <= 4, run
