"""The invoicing pages render for both sides, forms act once and refuse cleanly."""

from __future__ import annotations

import re
from decimal import Decimal

from tests.conftest import login
from tests.invoicing.conftest import issue, shipped_order
from wholesale.extensions import db
from wholesale.invoicing import settings
from wholesale.invoicing.models import InvoiceStatus


def test_supplier_pages_and_payment_form(shop, client) -> None:
    order = shipped_order(shop, (shop.product({shop.near: 9}, price="8.00"), 2))
    ready_order = shipped_order(shop, (shop.product({shop.near: 9}, price="3.00"), 1))
    invoice = issue(shop, order)
    db.session.commit()
    login(client, shop.supplier_user)
    page = client.get("/invoices").get_data(as_text=True)
    assert invoice.display_number in page and "Ready to invoice" in page
    assert ready_order.display_number in page
    for path in (f"/invoices/{invoice.id}", "/invoices/receivables", "/invoices/holds",
                 "/invoices/settings", f"/invoices/statement/{shop.buyer.id}",
                 "/invoices?status=overdue", "/invoices/export.csv"):
        assert client.get(path).status_code == 200, path
    pdf = client.get(f"/invoices/{invoice.id}/pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    refused = client.post(f"/invoices/{invoice.id}/payments", data={
        "amount": "99.00", "paid_on": "2025-03-14", "method": "cash"}, follow_redirects=True)
    assert "Overpayment" in refused.get_data(as_text=True)
    assert invoice.amount_paid == 0
    client.post(f"/invoices/{invoice.id}/payments", data={
        "amount": "16.00", "paid_on": "2025-03-14", "method": "cash"})
    db.session.refresh(invoice)
    assert invoice.status is InvoiceStatus.PAID and invoice.amount_paid == Decimal("16.00")
    issued = client.post(f"/orders/{ready_order.id}/invoices")
    assert issued.status_code == 302 and "/invoices/" in issued.location
    assert client.post("/invoices/settings", data={"tax_rate": "abc", "basis": "order"}
                       ).status_code == 200
    assert settings.settings_for(shop.supplier.id).tax_rate == 0


def test_buyer_pages(shop, client, factory) -> None:
    invoice = issue(shop, shipped_order(shop, (shop.product({shop.near: 9}), 1)))
    db.session.commit()
    login(client, shop.buyer_user)
    assert invoice.display_number in client.get("/invoices").get_data(as_text=True)
    detail = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Record a payment" not in detail
    assert client.get("/invoices/billing").status_code == 200
    assert client.get(f"/invoices/statement/{shop.supplier.id}").status_code == 200
    assert client.get("/invoices/receivables").status_code == 404
    assert client.post(f"/invoices/{invoice.id}/payments", data={}).status_code == 404
    client.post("/invoices/billing", data={"emails": "ap@bistro.test", "legal_name": "BV"})
    assert settings.billing_emails(shop.buyer) == ["ap@bistro.test"]


def test_other_tenants_get_404(shop, client, factory) -> None:
    invoice = issue(shop, shipped_order(shop, (shop.product({shop.near: 9}), 1)))
    stranger = factory.buyer("Stranger")
    db.session.commit()
    login(client, factory.owner(stranger))
    assert client.get(f"/invoices/{invoice.id}").status_code == 404
    assert client.get(f"/invoices/{invoice.id}/pdf").status_code == 404
    assert client.get(f"/invoices/statement/{shop.supplier.id}").status_code == 404


def test_the_invoice_pdf_downloads_or_opens(shop, client) -> None:
    order = shipped_order(shop, (shop.product({shop.near: 9}, price="8.00"), 2))
    invoice = issue(shop, order)
    db.session.commit()
    login(client, shop.supplier_user)
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    download = re.search(r'<a [^>]*href="([^"]+)"[^>]*data-pdf>Download PDF</a>', page)
    opened = re.search(r'<a [^>]*href="([^"]+)"[^>]*data-pdf-open>Open PDF</a>', page)
    assert download and opened
    saved = client.get(download.group(1))
    assert saved.data.startswith(b"%PDF")
    assert saved.headers["Content-Disposition"] == \
        f'attachment; filename="{invoice.display_number}.pdf"'
    shown = client.get(opened.group(1).replace("&amp;", "&"))
    assert shown.data.startswith(b"%PDF")
    assert shown.headers["Content-Disposition"] == \
        f'inline; filename="{invoice.display_number}.pdf"'
