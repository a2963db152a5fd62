"""What a draft would become if placed now: priced lines, subtotal, and every reason it
could not be placed as it is (MOQ, multiples, minimum order value, stock, delivery date,
open questions) — reported to the buyer in the reply, not raised as errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from wholesale.accounts.models import Organization, User
from wholesale.catalog.models import Product
from wholesale.catalog.pricing import to_cents, unit_prices
from wholesale.drafts.models import OrderDraft
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.orders import placement


@dataclass
class PricedLine:
    product_id: int
    sku: str
    name: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None
    total: Decimal | None


@dataclass
class Preview:
    lines: list[PricedLine]
    currency: str
    subtotal: Decimal
    issues: list[str] = field(default_factory=list)
    backordered: list[str] = field(default_factory=list)  # lines that would wait for stock

    @property
    def ready(self) -> bool:
        return not self.issues


def order_lines(draft: OrderDraft) -> list[dict[str, Any]]:
    """The draft's lines as the placement service takes them (whole quantities only)."""
    return [{"product_id": line["product_id"], "quantity": _whole(line["quantity"])}
            for line in draft.lines]


def _whole(quantity: Any) -> Any:
    value = Decimal(str(quantity))
    return int(value) if value == value.to_integral_value() else value


def preview(draft: OrderDraft, actor: User) -> Preview:
    """Price the draft and list what stops it from being placed (no writes)."""
    with db.session.no_autoflush:
        products = _products(draft)
        buyer = db.session.get(Organization, draft.buyer_id)
        assert buyer is not None
        prices = {pid: unit_prices(buyer.id, [p], max(1, int(_number(draft, pid))))[pid]
                  for pid, p in products.items()}
        lines: list[PricedLine] = []
        for line in draft.lines:
            product = products.get(line["product_id"])
            quantity = Decimal(str(line["quantity"]))
            price = prices.get(line["product_id"])
            lines.append(PricedLine(
                line["product_id"], line["sku"], line["name"], quantity,
                product.unit if product else line.get("unit", ""), price,
                to_cents(price * quantity) if price is not None else None))
        currency = next((p.currency for p in products.values()), "USD")
        subtotal = sum((ln.total for ln in lines if ln.total is not None), Decimal("0.00"))
        result = Preview(lines, currency, subtotal)
        result.issues += [q["prompt"] for q in draft.questions]
        if not draft.lines and not draft.questions:
            result.issues.append("No products yet: tell me what you need.")
        if draft.lines:
            _check_placement(draft, actor, buyer, result)
    return result


def _number(draft: OrderDraft, product_id: int) -> Decimal:
    return sum((Decimal(str(ln["quantity"])) for ln in draft.lines
                if ln["product_id"] == product_id), Decimal(0))


def _products(draft: OrderDraft) -> dict[int, Product]:
    ids = [line["product_id"] for line in draft.lines]
    if not ids:
        return {}
    stmt = select(Product).where(Product.id.in_(ids), Product.supplier_id == draft.supplier_id)
    return {p.id: p for p in db.session.scalars(stmt.execution_options(all_tenants=True))}


def _check_placement(draft: OrderDraft, actor: User, buyer: Organization,
                     result: Preview) -> None:
    """The placement service's own checks, turned into sentences."""
    names = [f"{ln['name']}" for ln in draft.lines]
    try:
        prepared = placement.prepare(
            actor=actor, buyer=buyer, supplier_id=draft.supplier_id, lines=order_lines(draft),
            requested_delivery_date=draft.requested_delivery_date,
            delivery_location_id=draft.delivery_location_id)
    except DomainError as exc:
        result.issues += _sentences(exc, names)
        return
    try:
        plans, _stock = placement.plan_stock(prepared)
    except DomainError as exc:
        result.issues += _sentences(exc, names)
        return
    for line, plan in zip(prepared.lines, plans, strict=True):
        if plan.shortfall:
            result.backordered.append(
                f"{line.product.name}: {plan.shortfall} {line.product.unit} will be backordered")


def _sentences(exc: DomainError, names: list[str]) -> list[str]:
    """Field errors as sentences naming the line's product instead of `lines.3.quantity`."""
    if not exc.fields:
        return [exc.message]
    found = []
    for path, messages in exc.fields.items():
        parts = path.split(".")
        prefix = ""
        if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            prefix = f"{names[index]}: " if index < len(names) else ""
        elif path == "delivery_location_id":
            prefix = ""
        found += [prefix + message for message in messages]
    return found
