"""The invoicing API: lists, JSON or PDF by Accept, payments, void, credit notes,
statements, holds; contract-shaped errors; no invoice visible to another tenant."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.invoicing.conftest import issue, shipped_order
from wholesale.invoicing import settings


@pytest.fixture
def invoiced(shop):
    settings.update_settings(shop.supplier, {"tax_rate": "10", "legal_name": "GGP LLC",
                                             "payment_instructions": "IBAN XX00 1234"})
    order = shipped_order(shop, (shop.product({shop.near: 20}, price="12.50"), 4))
    return issue(shop, order)  # 50.00 + 5.00 tax


def test_list_and_read(shop, invoiced, api_as) -> None:
    api = api_as(shop.supplier_user)
    page = api.get("/api/v1/invoices?status=issued").get_json()
    assert [i["number"] for i in page["items"]] == ["INV-00001"]
    assert page["next_cursor"] is None
    assert api.get("/api/v1/invoices?status=paid").get_json()["items"] == []
    assert api.get("/api/v1/invoices?status=nope").status_code == 422
    body = api.get(f"/api/v1/invoices/{invoiced.id}").get_json()
    assert (body["total"], body["tax_total"], body["balance"], body["currency"]) == (
        "55.00", "5.00", "55.00", "USD")
    assert body["lines"][0]["unit_price"] == "12.50" and body["lines"][0]["tax_rate"] == "10"
    assert body["order"]["number"].endswith("00001") and body["seller"]["name"] == "GGP LLC"
    buyer = api_as(shop.buyer_user)
    assert buyer.get(f"/api/v1/invoices/{invoiced.id}").status_code == 200
    assert len(buyer.get("/api/v1/invoices").get_json()["items"]) == 1


def test_pdf_by_accept_header(shop, invoiced, api_as) -> None:
    response = api_as(shop.buyer_user).get(f"/api/v1/invoices/{invoiced.id}",
                                           headers={"Accept": "application/pdf"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    for expected in ("INV-00001", "GGP LLC", "Bistro Verde", "55.00", "IBAN XX00 1234",
                     "Due date"):
        assert expected in text


def test_openapi_documents_the_pdf(api_as) -> None:
    spec = api_as(None).get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/invoices/{invoice_id}"]["get"]
    assert set(op["responses"]["200"]["content"]) == {"application/json", "application/pdf"}
    assert "post" in spec["paths"]["/api/v1/invoices/{invoice_id}/payments"]


def test_payment_endpoint(shop, invoiced, api_as) -> None:
    api = api_as(shop.supplier_user)
    url = f"/api/v1/invoices/{invoiced.id}/payments"
    created = api.post(url, json={"amount": "20.00", "paid_on": "2025-01-02",
                                  "method": "card", "reference": "AUTH 77"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["amount"] == "20.00" and body["invoices"][0]["status"] == "partially_paid"
    over = api.post(url, json={"amount": "35.01", "paid_on": "2025-01-02", "method": "card"})
    assert over.status_code == 422
    error = over.get_json()["error"]
    assert error["code"] == "validation_error" and "Overpayment" in str(error["fields"])
    assert api.get(f"/api/v1/invoices/{invoiced.id}").get_json()["amount_paid"] == "20.00"
    for bad in ({"amount": "x", "paid_on": "2025-01-02", "method": "card"},
                {"amount": "1", "paid_on": "soon", "method": "card"},
                {"amount": "1", "paid_on": "2025-01-02", "method": "iou"}, {}):
        assert api.post(url, json=bad).status_code == 422
    assert api.post(url, data="{", headers={"Content-Type": "application/json"}
                    ).status_code == 400
    assert api_as(shop.buyer_user).post(url, json={
        "amount": "1", "paid_on": "2025-01-02", "method": "card"}).status_code == 403


def test_issue_void_and_credit_endpoints(shop, api_as) -> None:
    api = api_as(shop.supplier_user)
    order = shipped_order(shop, (shop.product({shop.near: 20}, price="5.00"), 3))
    created = api.post(f"/api/v1/orders/{order.id}/invoices", json={})
    assert created.status_code == 201
    invoice = created.get_json()
    again = api.post(f"/api/v1/orders/{order.id}/invoices", json={})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "nothing_to_invoice"
    note = api.post(f"/api/v1/invoices/{invoice['id']}/credit-notes", json={
        "reason": "damage", "lines": [{"invoice_line_id": invoice["lines"][0]["id"],
                                       "quantity": 1}]})
    assert note.status_code == 201 and note.get_json()["total"] == "5.00"
    voided = api.post(f"/api/v1/invoices/{invoice['id']}/void", json={"reason": "x"})
    assert voided.status_code == 409  # credited: not voidable
    other = shipped_order(shop, (shop.product({shop.near: 20}, price="5.00"), 1))
    second = api.post(f"/api/v1/orders/{other.id}/invoices", json={}).get_json()
    assert api.post(f"/api/v1/invoices/{second['id']}/void", json={}).status_code == 422
    done = api.post(f"/api/v1/invoices/{second['id']}/void", json={"reason": "Test"})
    assert done.status_code == 200 and done.get_json()["status"] == "void"
    assert done.get_json()["number"] == second["number"]


def test_statement_and_aging(shop, invoiced, api_as) -> None:
    api = api_as(shop.supplier_user)
    st = api.get(f"/api/v1/statement?buyer_id={shop.buyer.id}&from=2025-01-01&to=2025-12-31")
    assert st.status_code == 200
    assert st.get_json()["closing_balance"] == "55.00"
    buyer_view = api_as(shop.buyer_user).get(
        f"/api/v1/statement?supplier_id={shop.supplier.id}&from=2025-01-01&to=2025-12-31")
    assert buyer_view.get_json()["closing_balance"] == "55.00"
    assert api.get("/api/v1/statement?buyer_id=999999").status_code == 404
    aging = api.get("/api/v1/receivables/aging?as_of=2025-03-14").get_json()
    assert aging["totals"]["current"] == "55.00"
    assert api_as(shop.buyer_user).get("/api/v1/receivables/aging").status_code == 403


def test_no_invoice_visible_to_another_tenant(shop, invoiced, api_as, factory) -> None:
    other_buyer = factory.buyer("Other Bistro")
    factory.connect(shop.supplier, other_buyer)
    other_supplier = factory.supplier("Other Supplier")
    factory.connect(other_supplier, shop.buyer)
    for outsider in (factory.owner(other_buyer), factory.owner(other_supplier)):
        api = api_as(outsider)
        assert api.get(f"/api/v1/invoices/{invoiced.id}").status_code == 404
        assert api.get(f"/api/v1/invoices/{invoiced.id}",
                       headers={"Accept": "application/pdf"}).status_code == 404
        assert api.get("/api/v1/invoices").get_json()["items"] == []
        assert api.get(f"/api/v1/orders/{invoiced.order_id}/credit-hold").status_code == 404
    paying = api_as(factory.owner(other_supplier)).post(
        f"/api/v1/invoices/{invoiced.id}/payments",
        json={"amount": "1", "paid_on": "2025-01-02", "method": "cash"})
    assert paying.status_code == 404
    assert api_as(factory.owner(other_supplier)).post(
        f"/api/v1/orders/{invoiced.order_id}/invoices", json={}).status_code == 404
    assert api_as(factory.owner(other_buyer)).get(
        f"/api/v1/statement?supplier_id={shop.supplier.id}").get_json()["entries"] == []


def test_settings_and_limits_api(shop, api_as) -> None:
    api = api_as(shop.supplier_user)
    changed = api.patch("/api/v1/invoice-settings", json={"tax_rate": "7.5", "basis": "order"})
    assert changed.status_code == 200 and changed.get_json()["tax_rate"] == "7.5"
    bad = api.patch("/api/v1/invoice-settings", json={"tax_rate": "150"})
    assert bad.status_code == 422 and "tax_rate" in bad.get_json()["error"]["fields"]
    rel = settings.relationship_between(shop.supplier.id, shop.buyer.id)
    limit = api.open("PUT", f"/api/v1/customers/{rel.id}/credit-limit",
                     json={"amount": "1000"})
    assert limit.status_code == 200 and limit.get_json()["amount"] == "1000.00"
    assert api.open("PUT", f"/api/v1/customers/{rel.id}/credit-limit",
                   json={"amount": "-1"}).status_code == 422
    assert api.open("PUT", f"/api/v1/customers/{rel.id}/credit-limit",
                   json={"amount": None}).get_json()["amount"] is None
    billing = api_as(shop.buyer_user).patch("/api/v1/billing-profile", json={
        "emails": "ap@bistro.test, Owner@Bistro.test", "legal_name": "Bistro Verde LLC"})
    assert billing.status_code == 200
    assert settings.billing_emails(shop.buyer) == ["ap@bistro.test", "owner@bistro.test"]
