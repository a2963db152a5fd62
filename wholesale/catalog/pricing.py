"""The one pricing function: what a buyer pays per unit of a product at a quantity.

Used everywhere a price is shown or charged (catalog, cart, order placement), so the buyer
always sees the price they will be billed.

How the unit price is decided, in order:

1. **A fixed price on the buyer's price list for this product wins outright.** It is a
   negotiated contract price: neither volume breaks nor list discounts change it.
2. Otherwise two candidates are compared and the buyer gets **the lower** of them —
   discounts never stack:
   - the *volume price*: the catalog price, or the price of the volume break with the highest
     `min_qty` that is ≤ the quantity;
   - the *contract price*: the catalog price less the buyer's percentage — the per-product
     percentage on their price list if there is one, else the list's overall percentage.
     Without a price list (or with no percentage) there is no contract price.
3. The result is rounded to cents with ROUND_HALF_UP.

`buyer_id=None` (the supplier's own view, exports) gives the volume price.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from wholesale.catalog.models import PriceBreak, PriceList, PriceListItem, Product
from wholesale.extensions import db
from wholesale.trading.models import TradingRelationship

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BuyerTerms:
    """What a buyer's price list says about one product."""

    fixed_price: Decimal | None = None
    item_discount: Decimal | None = None
    list_discount: Decimal | None = None

    @property
    def discount_percent(self) -> Decimal | None:
        return self.item_discount if self.item_discount is not None else self.list_discount


NO_TERMS = BuyerTerms()


def volume_price(base: Decimal, breaks: Iterable[tuple[int, Decimal]], quantity: int) -> Decimal:
    """The catalog price, or the break with the highest min_qty ≤ quantity."""
    price, best_min = base, 0
    for min_qty, break_price in breaks:
        if best_min < min_qty <= quantity:
            price, best_min = break_price, min_qty
    return price


def decide_price(
    base: Decimal, breaks: Iterable[tuple[int, Decimal]], terms: BuyerTerms, quantity: int
) -> Decimal:
    """The rules of the module docstring, on plain values (no database)."""
    if terms.fixed_price is not None:
        return to_cents(terms.fixed_price)
    price = volume_price(base, breaks, quantity)
    percent = terms.discount_percent
    if percent is not None and percent > 0:
        contract = base * (HUNDRED - min(percent, HUNDRED)) / HUNDRED
        price = min(price, contract)
    return to_cents(price)


def unit_price(buyer_id: int | None, product: Product, quantity: int) -> Decimal:
    """The unit price `buyer_id` pays for `quantity` units of `product` (see module doc)."""
    breaks = [(b.min_qty, b.price) for b in product.price_breaks]
    terms = terms_for(buyer_id, product.supplier_id, [product.id]).get(product.id, NO_TERMS)
    return decide_price(product.price, breaks, terms, max(quantity, 1))


def unit_prices(
    buyer_id: int | None, products: Sequence[Product], quantity: int = 1
) -> dict[int, Decimal]:
    """`unit_price` for many products at once, in a fixed number of queries."""
    if not products:
        return {}
    breaks = breaks_for([p.id for p in products])
    terms = terms_for_products(buyer_id, products)
    return {
        p.id: decide_price(p.price, breaks.get(p.id, []), terms.get(p.id, NO_TERMS),
                           max(quantity, 1))
        for p in products
    }


def breaks_for(product_ids: Sequence[int]) -> dict[int, list[tuple[int, Decimal]]]:
    """Each product's volume breaks as (min_qty, price), ascending."""
    result: dict[int, list[tuple[int, Decimal]]] = {}
    if not product_ids:
        return result
    rows = db.session.execute(
        select(PriceBreak.product_id, PriceBreak.min_qty, PriceBreak.price)
        .where(PriceBreak.product_id.in_(list(product_ids)))
        .order_by(PriceBreak.product_id, PriceBreak.min_qty)
    )
    for product_id, min_qty, price in rows:
        result.setdefault(product_id, []).append((min_qty, price))
    return result


def terms_for_products(buyer_id: int | None, products: Sequence[Product]
                       ) -> dict[int, BuyerTerms]:
    """The buyer's terms for each product, whatever supplier each comes from."""
    by_supplier: dict[int, list[int]] = {}
    for p in products:
        by_supplier.setdefault(p.supplier_id, []).append(p.id)
    terms: dict[int, BuyerTerms] = {}
    for supplier_id, ids in by_supplier.items():
        terms.update(terms_for(buyer_id, supplier_id, ids))
    return terms


def price_list_of(buyer_id: int, supplier_id: int) -> PriceList | None:
    """The price list of the buyer's relationship with the supplier, if any."""
    stmt = (
        select(PriceList)
        .join(TradingRelationship, TradingRelationship.id == PriceList.relationship_id)
        .where(TradingRelationship.supplier_id == supplier_id,
               TradingRelationship.buyer_id == buyer_id)
        .execution_options(all_tenants=True)
    )
    return db.session.scalars(stmt).first()


def terms_for(
    buyer_id: int | None, supplier_id: int, product_ids: Sequence[int]
) -> dict[int, BuyerTerms]:
    """Per product id: the buyer's terms with this supplier (products without an item get the
    list's overall discount). Empty when there is no buyer or no price list."""
    if buyer_id is None:
        return {}
    price_list = price_list_of(buyer_id, supplier_id)
    if price_list is None:
        return {}
    overall = price_list.discount_percent
    terms = {pid: BuyerTerms(list_discount=overall) for pid in product_ids}
    rows = db.session.execute(
        select(PriceListItem.product_id, PriceListItem.fixed_price,
               PriceListItem.discount_percent)
        .where(PriceListItem.price_list_id == price_list.id,
               PriceListItem.product_id.in_(list(product_ids)))
    )
    for product_id, fixed, percent in rows:
        terms[product_id] = BuyerTerms(fixed_price=fixed, item_discount=percent,
                                       list_discount=overall)
    return terms
