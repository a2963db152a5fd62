"""Sample payloads for every template, rendered on the dev outbox page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from messaging.notifications import render, sms
from messaging.notifications.catalog import EVENTS

_ORDER = {
    "id": 42, "number": "GG-00042", "status": "shipped", "status_label": "Shipped",
    "supplier": "Golden Gate Produce", "buyer": "Bistro Nord", "location": "Main kitchen",
    "requested_delivery_date": "Tue Mar 4, 2025", "eta": None,
    "delivery_date": "Tue Mar 4, 2025",
    "lines": [{"name": "Heirloom tomatoes", "quantity": 4, "unit": "case"},
              {"name": "Basil, bunch", "quantity": 12, "unit": "each"},
              {"name": "Burrata 250 g", "quantity": 20, "unit": "each"}],
    "more_lines": 0, "subtotal": "312.40", "currency": "USD",
}
_DETAILS: dict[str, dict[str, Any]] = {
    "order_placed": {"backorder_of": None},
    "order_received": {"note": ""},
    "order_picking": {"note": ""},
    "order_packed": {"note": "Two pallets."},
    "order_shipped": {"carrier": "UPS", "tracking_number": "1Z999AA10123456784",
                      "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784"},
    "order_delivered": {"note": ""},
    "order_cancelled": {"note": "Ordered twice by mistake."},
    "order_delayed": {"previous_eta": "Tue Mar 4, 2025", "new_eta": "Thu Mar 6, 2025",
                      "reason": "The truck broke down near Fresno; a replacement leaves "
                                "tomorrow morning."},
    "delivery_change_requested": {"delivery_date": "Wed Mar 5, 2025",
                                  "previous_delivery_date": "Tue Mar 4, 2025",
                                  "location": "Back door, Pier 39", "reason": "Kitchen closed.",
                                  "requested_by": "Ana Ruiz", "response_note": ""},
    "delivery_change_accepted": {"delivery_date": "Wed Mar 5, 2025", "location": None,
                                 "response_note": "Fine by us.", "requested_by": "Ana Ruiz"},
    "delivery_change_declined": {"delivery_date": "Wed Mar 5, 2025",
                                 "response_note": "Our trucks are full that day.",
                                 "requested_by": "Ana Ruiz"},
    "order_expedited": {"reason": "Big event on Friday."},
    "delivery_window": {"window": "between 9:40 and 10:40", "supplier": "Golden Gate"},
    "delivery_near": {"minutes": 20},
    "delivery_late": {"eta": "11:20", "window_end": "10:00"},
    "delivery_problem": {"kind": "closed", "note": "Shutters down at 9:10."},
    "backorder_ready": {"backorder_of": "GG-00041"},
    "order_late": {},
    "shipment_problem": {"carrier": "UPS", "tracking_number": "1Z999AA10123456784",
                         "status": "FAILURE", "details": "Delivery attempted: business closed."},
    "shipment_voided": {"carrier": "UPS", "tracking_number": "1Z999AA10123456784",
                        "note": "Packed in the wrong box: it ships tomorrow."},
    "chat_digest": {"count": 2, "more": 0, "messages": [
        {"author": "Sam Lee", "time": "Mar 3, 14:02 UTC", "internal": False,
         "body": "Can we swap the basil for Thai basil?"},
        {"author": "Sam Lee", "time": "Mar 3, 14:05 UTC", "internal": False,
         "body": "Same quantity please."}]},
    "invoice_issued": {},
    "invoice_reminder": {"kind": "before_due", "on_date": "Fri Mar 28, 2025",
                         "days_overdue": None},
    "invoice_overdue": {"days_overdue": 3},
    "credit_hold": {"credit_limit": "2,000.00 USD", "open_receivables": "1,840.00 USD",
                    "order_amount": "312.40 USD", "exposure": "2,152.40 USD",
                    "holds_url": "http://127.0.0.1:5000/invoices/holds"},
    "credit_decided": {"credit_limit": "2,000.00 USD", "open_receivables": "1,840.00 USD",
                       "order_amount": "312.40 USD", "approved": True,
                       "note": "Approved this once; please settle INV-00031.",
                       "decided_by": "Maya Chen"},
    "standing_order_reminder": {
        "subject": "Standing order for Tue Mar 4: reply to change it",
        "text": "Tomorrow's standing order: 4 case Heirloom tomatoes, 12 each Basil, bunch "
                "(delivery Tue Mar 4). It goes in at 14:00 America/Los_Angeles. Reply SKIP to "
                "skip it, or tell me what to change.",
        "supplier": "Golden Gate Produce", "date": "Tue Mar 4, 2025"},
    "standing_order_failed": {
        "subject": "Standing order for Tue Mar 4 not placed",
        "text": "The standing order for Tue Mar 4 was not placed: BAS-12 is no longer sold; "
                "remove it from the order. Nothing was ordered.",
        "supplier": "Golden Gate Produce", "date": "Tue Mar 4, 2025"},
    "invitation": {"organization": "Golden Gate Produce", "invited_by": "Maya Chen",
                   "kind": "buyer", "url": "http://127.0.0.1:5000/invitations/sample-token",
                   "expires": "Tue Mar 18, 2025"},
}


_INVOICE = {
    "id": 7, "number": "INV-00007", "status": "issued", "issue_date": "Mon Mar 3, 2025",
    "due_date": "Wed Apr 2, 2025", "due_short": "Apr 2", "terms": "Net 30",
    "po_number": "PO-1187", "currency": "USD", "subtotal": "312.40 USD",
    "tax_label": "Sales tax", "tax_total": "27.73 USD", "total": "340.13 USD", "paid": None,
    "balance": "340.13 USD",
    "lines": [{"name": "Heirloom tomatoes", "quantity": 4, "unit": "case",
               "amount": "152.00"},
              {"name": "Basil, bunch", "quantity": 12, "unit": "each", "amount": "30.40"},
              {"name": "Burrata 250 g", "quantity": 20, "unit": "each", "amount": "130.00"}],
    "more_lines": 0, "seller": "Golden Gate Produce LLC",
    "seller_email": "billing@goldengate.test",
    "payment_instructions": "ACH to account 000123456, routing 121000358.",
    "url": "http://127.0.0.1:5000/invoices/7",
}
_BILLING = ("invoice_issued", "invoice_reminder", "invoice_overdue")


@dataclass(frozen=True)
class Preview:
    event: str
    label: str
    subject: str
    text: str
    html: str
    sms: str
    sms_length: sms.SmsLength


def sample_payload(event: str, base_url: str = "http://127.0.0.1:5000") -> dict[str, Any]:
    side = ("supplier" if event in ("order_expedited", "order_late", "shipment_problem")
            else "buyer")
    if event in _BILLING:
        return {
            "event": event, "order": _ORDER, "invoice": _INVOICE,
            "detail": _DETAILS.get(event, {}), "actor": None,
            "recipient": {"name": "Ana Ruiz", "side": "billing"},
            "links": {"order": f"{base_url}/o/k7m2p9q", "short": f"{base_url}/o/k7m2p9q",
                      "thread": f"{base_url}/inbox/42", "invoice": f"{base_url}/invoices/7",
                      "preferences": f"{base_url}/settings/notifications",
                      "unsubscribe": f"{base_url}/notifications/unsubscribe/sample"},
            "reply_enabled": True,
            "attachments": [{"filename": "INV-00007.pdf", "content_type": "application/pdf",
                             "size": 24_576}],
        }
    return {
        "event": event,
        "order": None if event == "invitation" else _ORDER,
        "detail": _DETAILS.get(event, {}),
        "actor": "Maya Chen",
        "recipient": {"name": "Ana Ruiz", "side": side},
        "links": {} if event == "invitation" else {
            "order": f"{base_url}/o/k7m2p9q", "short": f"{base_url}/o/k7m2p9q",
            "thread": f"{base_url}/inbox/42", "preferences": f"{base_url}/settings/notifications",
            "unsubscribe": f"{base_url}/notifications/unsubscribe/sample"},
        "reply_enabled": event != "invitation",
    }


def preview(event: str) -> Preview:
    payload = sample_payload(event)
    email = render.render_email(event, payload)
    text = render.render_sms(event, payload)
    return Preview(event, EVENTS[event].label, email.subject, email.text, email.html, text,
                   sms.measure(text))


def all_previews() -> list[Preview]:
    return [preview(event) for event in EVENTS]
