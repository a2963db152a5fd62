"""A local fake Shippo API for the carrier adapter's tests: real HTTP on a loopback port
(the notification fakes' server, `tests/notifications/fakes.py`), answering the calls
Ordertalk makes with the JSON shapes of Shippo's API. Every answer is parsed with the
`shippo` SDK's own model before it is sent (`shape_errors` lists what it refused), and
tracking webhook bodies are built the same way. Scripted trouble: an invalid address
(zip 00000), no rates (a parcel over 70 kg), unknown and expired rates, faults (429, 5xx,
hangs) through `fail_next`, a purchase whose answer is lost (`lose_next_purchase`), and
purchases held until the test lets them go (`hold_purchases`)."""

from __future__ import annotations

import json
import secrets
import threading
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from fpdf import FPDF
from shippo.models import components
from werkzeug.wrappers import Response

from tests.notifications.fakes import FakeProvider, Fault, Recorded

NOW = "2026-01-05T10:00:00Z"


def _label_pdf() -> bytes:
    """A one-page 4×6 in PDF, as Shippo's label files are."""
    pdf = FPDF(unit="mm", format=(102, 152))
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.cell(0, 10, "FAKE SHIPPO LABEL")
    return bytes(pdf.output())


LABEL_PDF = _label_pdf()
SERVICES = (  # provider, service name, token, base price, days
    ("USPS", "Priority Mail", "usps_priority", Decimal("7.58"), 2),
    ("UPS", "Ground", "ups_ground", Decimal("11.20"), 5),
    ("FedEx", "2Day", "fedex_2_day", Decimal("21.35"), 2),
)


def _id() -> str:
    return secrets.token_hex(16)


class FakeShippo(FakeProvider):
    # ../shared/specs has no Shippo document: the answers are parsed by the SDK's own models
    # and the tests assert the request bodies field by field instead.
    spec_path = None
    host_url = "https://api.goshippo.com"

    def __init__(self, api_key: str = "shippo_test_fake", latency: float = 0.0) -> None:
        self.api_key = api_key
        self.rates: dict[str, dict[str, Any]] = {}
        self.expired: set[str] = set()
        self.transactions: dict[str, dict[str, Any]] = {}
        self.refunded: set[str] = set()
        self.refunds: dict[str, dict[str, Any]] = {}  # by refund id
        self.lose_next_purchase = False
        # While set to an unset Event, label purchases wait for it (a carrier taking its time).
        self.hold_purchases: threading.Event | None = None
        self.shape_errors: list[str] = []
        super().__init__(latency)

    # -- what tests look at ----------------------------------------------------------------

    def settle_refunds(self, status: str) -> None:
        """The carrier works through its queue: every queued refund becomes `status`."""
        for refund in self.refunds.values():
            if refund["status"] in ("QUEUED", "PENDING"):
                refund["status"] = status

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.rstrip("/") == path]

    def purchases(self) -> list[dict[str, Any]]:
        return list(self.transactions.values())

    def track_payload(self, tracking_number: str, status: str, *, event_id: str | None = None,
                      eta: str | None = None, details: str = "",
                      transaction: str | None = None) -> dict[str, Any]:
        """A `track_updated` webhook body as Shippo posts it (checked with the SDK's
        WebhookPayloadTrack model)."""
        tracking_status = {
            "object_created": NOW, "object_updated": NOW, "object_id": event_id or _id(),
            "status": status, "status_details": details or f"Carrier says {status}",
            "status_date": NOW, "substatus": None,
            "location": {"city": "Oakland", "state": "CA", "zip": "94606", "country": "US"}}
        payload = {"event": "track_updated", "test": True, "data": {
            "carrier": "usps", "tracking_number": tracking_number, "eta": eta,
            "original_eta": None, "metadata": None, "transaction": transaction,
            "servicelevel": {"token": "usps_priority", "name": "Priority Mail"},
            "address_from": None, "address_to": None, "messages": [],
            "tracking_status": tracking_status, "tracking_history": [tracking_status]}}
        self._check_shape(components.WebhookPayloadTrack, payload)
        return payload

    # -- answers ---------------------------------------------------------------------------

    def answer(self, record: Recorded) -> Response:
        if record.path.startswith("/labels/"):
            return Response(LABEL_PDF, 200, mimetype="application/pdf")
        if record.headers.get("Authorization") != f"ShippoToken {self.api_key}":
            return self._json({"detail": "Invalid token."}, 401)
        route = (record.method, record.path.rstrip("/"))
        if route == ("POST", "/shipments"):
            return self._shipment(record.json or {})
        if route == ("POST", "/transactions"):
            return self._purchase(record.json or {})
        if route == ("GET", "/transactions"):
            return self._list_transactions(record)
        if route == ("POST", "/refunds"):
            return self._refund(record.json or {})
        if record.method == "GET" and record.path.startswith("/refunds/"):
            refund = self.refunds.get(record.path.rstrip("/").rsplit("/", 1)[-1])
            if refund is None:
                return self._json({"detail": "Not found."}, 404)
            return self._json(refund, 200, components.Refund)
        return self._json({"detail": "Not found."}, 404)

    def error(self, fault: Fault) -> Response:
        detail = "Request was throttled." if fault.status == 429 else "Internal server error."
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        return Response(json.dumps({"detail": detail}), fault.status, headers=headers,
                        mimetype="application/json")

    def _shipment(self, body: dict[str, Any]) -> Response:
        to, parcels = body.get("address_to") or {}, body.get("parcels") or []
        if to.get("zip") == "00000" or not to.get("street1"):
            return self._json({"address_to": {"zip": [
                "The address could not be validated: unknown ZIP code."]}}, 400)
        shipment_id = _id()
        weight = sum((Decimal(p["weight"]) for p in parcels), Decimal(0))
        heavy = any(Decimal(p["weight"]) > 70 for p in parcels)
        rates = [] if heavy else [self._rate(shipment_id, s, weight, len(parcels))
                                  for s in SERVICES]
        messages = ([{"source": "USPS", "code": "", "text": "Weight exceeds the maximum."}]
                    if heavy else [])
        address = {**to, "object_id": _id(), "is_complete": True, "test": True}
        shipment = {
            "object_id": shipment_id, "object_owner": "fake@shippo.test", "status": "SUCCESS",
            "object_created": NOW, "object_updated": NOW, "metadata": "", "test": True,
            "address_from": {**(body.get("address_from") or {}), "object_id": _id()},
            "address_to": address, "carrier_accounts": [], "messages": messages,
            "parcels": [{**p, "object_id": _id(), "object_state": "VALID", "test": True}
                        for p in parcels],
            "rates": rates}
        return self._json(shipment, 201, components.Shipment)

    def _rate(self, shipment_id: str, service: tuple[Any, ...], weight: Decimal,
              count: int) -> dict[str, Any]:
        provider, name, token, base, days = service
        amount = str((base * count + weight * Decimal("0.9")).quantize(Decimal("0.01")))
        rate = {"object_id": _id(), "object_owner": "fake@shippo.test", "object_created": NOW,
                "shipment": shipment_id, "attributes": [], "amount": amount,
                "currency": "USD", "amount_local": amount, "currency_local": "USD",
                "provider": provider, "carrier_account": _id(), "estimated_days": days,
                "duration_terms": f"{days} business days", "messages": [], "test": True,
                "servicelevel": {"name": name, "token": token}}
        self.rates[rate["object_id"]] = rate
        return rate

    def _purchase(self, body: dict[str, Any]) -> Response:
        if self.hold_purchases is not None:
            self.hold_purchases.wait(30)
        rate_id = body.get("rate")
        rate = self.rates.get(rate_id or "")
        if rate is None:
            return self._json({"rate": [f"Rate with object_id {rate_id!r} does not exist."]},
                              400)
        transaction_id = _id()
        number = "9400" + "".join(secrets.choice("0123456789") for _ in range(18))
        ok = rate_id not in self.expired
        transaction = {
            "object_id": transaction_id, "object_owner": "fake@shippo.test",
            "object_state": "VALID", "object_created": NOW, "object_updated": NOW,
            "status": "SUCCESS" if ok else "ERROR", "rate": rate_id, "test": True,
            "tracking_number": number if ok else "", "tracking_status": "UNKNOWN",
            "tracking_url_provider": (f"https://tools.usps.com/go/TrackConfirmAction?"
                                      f"tLabels={number}") if ok else "",
            "label_url": f"{self.url}/labels/{transaction_id}.pdf" if ok else "",
            "commercial_invoice_url": None, "eta": None, "label_file_type": "PDF",
            "metadata": "", "parcel": _id(), "qr_code_url": None,
            "created_by": None,  # the SDK's model needs the key (null for API purchases)
            "messages": [] if ok else [{"source": rate["provider"], "code": "",
                                        "text": "The rate has expired; create a new "
                                                "shipment."}]}
        if ok:
            self.transactions[transaction_id] = transaction
        if self.lose_next_purchase:
            self.lose_next_purchase = False
            return self._json({"detail": "Bad gateway."}, 502)
        return self._json(transaction, 201, components.Transaction)

    def _list_transactions(self, record: Recorded) -> Response:
        query = parse_qs(record.query)
        rate = (query.get("rate") or [None])[0]
        found = [t for t in self.transactions.values() if rate is None or t["rate"] == rate]
        return self._json({"next": None, "previous": None, "results": found}, 200,
                          components.TransactionPaginatedList)

    def _refund(self, body: dict[str, Any]) -> Response:
        transaction_id = body.get("transaction") or ""
        if transaction_id not in self.transactions:
            return self._json({"transaction": ["Transaction not found."]}, 400)
        if transaction_id in self.refunded:
            return self._json({"transaction": ["A refund was already requested."]}, 400)
        self.refunded.add(transaction_id)
        refund = {"object_id": _id(), "object_owner": "fake@shippo.test",
                  "object_created": NOW, "object_updated": NOW, "status": "QUEUED",
                  "transaction": transaction_id, "test": True}
        self.refunds[refund["object_id"]] = refund
        return self._json(refund, 201, components.Refund)

    # -- helpers ---------------------------------------------------------------------------

    def _json(self, body: Any, status: int, model: Any = None) -> Response:
        if model is not None:
            self._check_shape(model, body)
        return Response(json.dumps(body), status, mimetype="application/json")

    def _check_shape(self, model: Any, body: Any) -> None:
        try:
            model.from_dict(body, infer_missing=False)
        except Exception as exc:  # noqa: BLE001 — any refusal of the SDK's model
            self.shape_errors.append(f"{model.__name__}: {exc!r}")

