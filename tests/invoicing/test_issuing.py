"""Issuing: shipped quantities only, snapshot prices, per-line tax rounding, per-product
rates, numbering, voiding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.invoicing.conftest import NOW, issue, place, set_tax, ship, shipped_order
from wholesale.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wholesale.invoicing import issuing, settings
from wholesale.invoicing.models import InvoiceStatus


def test_invoice_covers_shipped_units_at_snapshot_prices(shop) -> None:
    product = shop.product({shop.near: 10}, price="4.99")
    order = place(shop, (product, 3))
    product.price = Decimal("9.99")  # a later price change does not touch the order
    ship(shop, order)
    invoice = issue(shop, order)
    assert [(ln.quantity, ln.unit_price, ln.amount) for ln in invoice.lines] == [
        (3, Decimal("4.99"), Decimal("14.97"))]
    assert invoice.total == Decimal("14.97")
    assert invoice.number == 1 and invoice.display_number == "INV-00001"
    assert invoice.status is InvoiceStatus.ISSUED
    assert invoice.issue_date.isoformat() == "2025-03-14"  # the supplier's calendar


def test_partial_shipments_invoice_only_what_shipped(shop) -> None:
    product = shop.product({shop.near: 10})
    order = place(shop, (product, 6))
    line = order.lines[0]
    first = ship(shop, order, [(line.id, 2)])
    invoice = issue(shop, order, shipment_id=first.id)
    assert invoice.lines[0].quantity == 2 and invoice.shipment_id == first.id
    with pytest.raises(Conflict) as nothing:
        issue(shop, order, shipment_id=first.id)
    assert nothing.value.code == "nothing_to_invoice"
    ship(shop, order)
    second = issue(shop, order)
    assert second.lines[0].quantity == 4 and second.number == invoice.number + 1


def test_backordered_units_are_never_invoiced(shop) -> None:
    product = shop.product({shop.near: 2}, allow_backorder=True)
    order = place(shop, (product, 5))  # 2 reserved, 3 on the backorder
    ship(shop, order)
    invoice = issue(shop, order)
    assert sum(ln.quantity for ln in invoice.lines) == 2
    with pytest.raises(Conflict):
        issue(shop, order.backorders[0])  # nothing of the backorder has shipped


def test_unshipped_order_has_nothing_to_invoice(shop) -> None:
    order = place(shop, (shop.product({shop.near: 3}), 1))
    with pytest.raises(Conflict) as exc:
        issue(shop, order)
    assert exc.value.code == "nothing_to_invoice"


def test_tax_is_rounded_per_line_half_up_with_product_override(shop) -> None:
    set_tax(shop, "8.25")
    a = shop.product({shop.near: 10}, price="1.10")
    b = shop.product({shop.near: 10}, price="3.33")
    staple = shop.product({shop.near: 10}, price="2.50")
    settings.set_product_rate(shop.supplier, staple.id, "0")
    order = shipped_order(shop, (a, 3), (b, 7), (staple, 4))
    invoice = issue(shop, order)
    by_sku = {ln.sku: ln for ln in invoice.lines}
    # 3 × 1.10 = 3.30; 8.25% = 0.27225 → 0.27
    assert (by_sku[a.sku].amount, by_sku[a.sku].tax) == (Decimal("3.30"), Decimal("0.27"))
    # 7 × 3.33 = 23.31; 8.25% = 1.923075 → 1.92
    assert (by_sku[b.sku].amount, by_sku[b.sku].tax) == (Decimal("23.31"), Decimal("1.92"))
    assert (by_sku[staple.sku].tax_rate, by_sku[staple.sku].tax) == (Decimal("0"),
                                                                      Decimal("0.00"))
    assert invoice.subtotal == Decimal("36.61")  # 3.30 + 23.31 + 10.00
    assert invoice.tax_total == Decimal("2.19")
    assert invoice.total == Decimal("38.80")


def test_half_cent_rounds_up(shop) -> None:
    set_tax(shop, "5")
    product = shop.product({shop.near: 10}, price="0.10")
    invoice = issue(shop, shipped_order(shop, (product, 1)))  # 5% of 0.10 = 0.005 → 0.01
    assert invoice.tax_total == Decimal("0.01") and invoice.total == Decimal("0.11")


def test_void_keeps_the_number_and_frees_the_units(shop) -> None:
    order = shipped_order(shop, (shop.product({shop.near: 5}), 2))
    invoice = issue(shop, order)
    with pytest.raises(ValidationFailed):
        issuing.void(invoice.id, shop.supplier_user, "  ")
    issuing.void(invoice.id, shop.supplier_user, "Wrong PO", now=NOW)
    assert invoice.status is InvoiceStatus.VOID and invoice.void_reason == "Wrong PO"
    with pytest.raises(Conflict):
        issuing.void(invoice.id, shop.supplier_user, "again")
    again = issue(shop, order)
    assert again.number == invoice.number + 1  # the void number is never reused
    assert again.lines[0].quantity == 2


def test_only_the_supplier_issues(shop, factory) -> None:
    order = shipped_order(shop, (shop.product({shop.near: 5}), 1))
    with pytest.raises(Forbidden):
        issuing.issue(order.id, shop.buyer_user)
    outsider = factory.owner(factory.supplier("Elsewhere"))
    with pytest.raises(NotFound):
        issuing.issue(order.id, outsider)
